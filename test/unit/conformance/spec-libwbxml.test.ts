/**
 * The specification's example messages through an independent WBXML codec (libwbxml,
 * Debian libwbxml2-utils): our WBXML -> wbxml2xml -> our XML decoder gives the same model,
 * and xml2wbxml of the example -> our WBXML decoder gives the same model.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyncMLMessage } from '../../../src/core/dm/model';
import { decodeWbxml, encodeWbxml } from '../../../src/core/dm/wbxml';
import { decodeXml } from '../../../src/core/dm/xml';
import { specBytes, specDir, specFiles } from './helpers';
import { haveTools } from '../../support/tools';

/**
 * wbxml2xml writes OPAQUE bytes of Format bin verbatim (no base64) and keeps Format bin, which
 * XML cannot carry as bytes: such Data are read back as text, here turned into bytes again.
 */
function binAsBytes(m: SyncMLMessage): SyncMLMessage {
  for (const c of m.body) {
    if (!('items' in c) || c.kind === 'Status') continue;
    const cmdFormat = 'meta' in c ? c.meta?.format : undefined;
    for (const i of c.items) {
      if (typeof i.data === 'string' && (i.meta?.format ?? cmdFormat) === 'bin') i.data = new Uint8Array(Buffer.from(i.data, 'latin1'));
    }
  }
  return m;
}

const have = haveTools('test/unit/conformance/spec-libwbxml.test.ts', ['xml2wbxml', 'wbxml2xml'], 'libwbxml2-utils');
const work = mkdtempSync(join(tmpdir(), 'fumo-spec-wbxml-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!have)('spec examples against libwbxml', () => {
  for (const name of specFiles()) {
    it(`${name}: ours -> wbxml2xml, and xml2wbxml -> ours`, () => {
      const model = decodeXml(specBytes(name));
      const ours = join(work, `${name}.wbxml`);
      const back = join(work, `${name}.xml`);
      writeFileSync(ours, encodeWbxml(model));
      const r1 = spawnSync('wbxml2xml', ['-o', back, ours], { encoding: 'utf8' });
      expect(r1.status, r1.stderr).toBe(0);
      expect(binAsBytes(decodeXml(new Uint8Array(readFileSync(back))))).toEqual(model);
      const theirs = join(work, `${name}.theirs.wbxml`);
      const r2 = spawnSync('xml2wbxml', ['-v', '1.2', '-o', theirs, join(specDir, name)], { encoding: 'utf8' });
      expect(r2.status, r2.stderr).toBe(0);
      expect(decodeWbxml(new Uint8Array(readFileSync(theirs)))).toEqual(model);
    });
  }
});
