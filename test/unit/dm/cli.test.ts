import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index';
import { decodeXml } from '../../../src/core/dm/xml';
import { decodeWbxml, encodeWbxml } from '../../../src/core/dm/wbxml';
import { corpusDir } from './helpers';
import { haveTools } from '../../support/tools';

function capture(stdinBytes?: Uint8Array) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  if (stdinBytes) stdin.end(Buffer.from(stdinBytes));
  else stdin.end();
  return { io: { stdout, stderr, stdin }, out: () => Buffer.concat(out), err: () => err };
}

const dir = mkdtempSync(join(tmpdir(), 'dm-cli-'));
const chunkXml = join(corpusDir, '28-large-object-first-chunk.xml');
const haveXml2wbxml = haveTools('test/unit/dm/cli.test.ts', ['xml2wbxml'], 'libwbxml2-utils');

describe('fumo-kiosk dm', () => {
  it('decodes WBXML to indented XML with one summary line per command', async () => {
    const model = decodeXml(readFileSync(chunkXml));
    const file = join(dir, 'chunk.wbxml');
    writeFileSync(file, encodeWbxml(model));
    const c = capture();
    expect(await main(['dm', 'decode', file], c.io)).toBe(0);
    const xml = c.out().toString();
    expect(xml).toContain('\n    <VerDTD>1.2</VerDTD>\n');
    expect(decodeXml(xml)).toEqual(model);
    const lines = c.err().trim().split('\n');
    expect(lines).toContain('Replace #2 ./FUMO/kiosk/Update/PkgData [bin, 60 bytes, Size 96, MoreData]');
    expect(lines).toContain('Status #1 for SyncHdr (msg 15, cmd 0): 200');
    expect(lines[lines.length - 1]).toMatch(/no Final/);
  });

  it('reads stdin with "-" and XML input', async () => {
    const c = capture(readFileSync(join(corpusDir, '13-exec-update-correlator.xml')));
    expect(await main(['dm', 'decode', '-'], c.io)).toBe(0);
    expect(c.err()).toContain('Exec #2 ./FUMO/kiosk/Update correlator job-42');
  });

  it('encodes XML to WBXML, to a file or stdout, with the chosen version and public id form', async () => {
    const out = join(dir, 'out.wbxml');
    const c = capture();
    expect(await main(['dm', 'encode', chunkXml, '-o', out], c.io)).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x02, 0xa4, 0x01, 0x6a]);
    expect(decodeWbxml(bytes)).toEqual(decodeXml(readFileSync(chunkXml)));
    const s = capture();
    expect(await main(['dm', 'encode', chunkXml, '--wbxml-version', '1.3', '--fpi'], s.io)).toBe(0);
    const viaStdout = new Uint8Array(s.out());
    expect(Array.from(viaStdout.subarray(0, 3))).toEqual([0x03, 0x00, 0x00]);
    expect(decodeWbxml(viaStdout)).toEqual(decodeXml(readFileSync(chunkXml)));
  });

  it('says in one line what is wrong with bad input, exit code 2', async () => {
    const bad = join(dir, 'bad.wbxml');
    writeFileSync(bad, Buffer.from([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d, 0x6c]));
    for (const args of [['dm', 'decode', bad], ['dm', 'decode', join(dir, 'missing.xml')], ['dm', 'frobnicate'], ['dm'], ['dm', 'encode']]) {
      const c = capture();
      expect(await main(args, c.io), args.join(' ')).toBe(2);
      const err = c.err();
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^fumo-kiosk dm: /);
    }
    const c = capture();
    await main(['dm', 'decode', bad], c.io);
    expect(c.err()).toContain('is not a valid DM message');
  });

  it('delegates pkg0 to its module', async () => {
    const c = capture();
    expect(await main(['dm', 'pkg0', '--help'], c.io)).toBe(0);
    expect(c.out().toString()).toContain('dm pkg0 decode FILE');
  });

  it.skipIf(!haveXml2wbxml)('decodes xml2wbxml output back to the model of the source XML', async () => {
    for (const name of ['05-pkg3-results-devdetail.xml', '15-generic-alert-1226.xml', '31-results-binary.xml']) {
      const src = join(corpusDir, name);
      const out = join(dir, `${name}.wbxml`);
      execFileSync('xml2wbxml', ['-v', '1.2', '-o', out, src], { stdio: 'pipe' });
      const c = capture();
      expect(await main(['dm', 'decode', out], c.io)).toBe(0);
      expect(decodeXml(c.out().toString())).toEqual(decodeXml(readFileSync(src)));
    }
  });
});
