/**
 * Interop with libwbxml (Debian libwbxml2-utils), an independent WBXML codec:
 *  (a) our WBXML (1.2 numeric public id, 1.3 with the FPI, 1.1) -> `wbxml2xml` -> our XML decoder
 *      -> the model of the source file;
 *  (b) `xml2wbxml -v 1.1|1.2|1.3` (and -n, no string table) of the source file -> our WBXML
 *      decoder -> the same model.
 *
 * libwbxml behaviour accounted for (each is spec-equivalent or a libwbxml limitation):
 *  1. xml2wbxml writes every <Data> as OPAQUE, text included (Status codes, chr values, b64
 *     text). Our decoder reads OPAQUE by the item's effective Format: bin -> bytes, b64 -> the
 *     base64 text decoded, anything else (default chr) -> UTF-8 text.
 *  2. xml2wbxml trims white space around leaf text (e.g. LocName); it never touches Data,
 *     and our XML decoder trims leaves the same way, so nothing to normalise.
 *  3. xml2wbxml encodes a DDF tree (<MgmtTree xmlns="syncml:dmddf1.2">) inside Data as a nested
 *     WBXML document in OPAQUE (public id "-//OMA//DTD-DM-DDF 1.2//EN", code page 2) and rewrites
 *     the item's Meta/Type application/vnd.syncml.dmtnds+xml to ...+wbxml. Our decoder turns the
 *     nested document back into XML text and the type back to +xml.
 *  4. wbxml2xml writes binary OPAQUE bytes verbatim inside CDATA (neither base64 nor valid UTF-8)
 *     and keeps Format bin. For such files the output is read as Latin-1 (one byte, one char)
 *     and the text of Format-bin Data turned back into bytes before comparing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/core/errors';
import type { Command, Item, SyncMLMessage } from '../../src/core/dm/model';
import { decodeWbxml, encodeWbxml } from '../../src/core/dm/wbxml';
import { decodeXml } from '../../src/core/dm/xml';
import { loadCorpus } from '../unit/dm/helpers';
import { haveTools } from '../support/tools';

const haveLibwbxml = haveTools('test/interop/wbxml.test.ts', ['xml2wbxml', 'wbxml2xml'], 'libwbxml2-utils');

const corpus = loadCorpus();
const work = mkdtempSync(join(tmpdir(), 'fumo-wbxml-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function items(cmds: Command[]): { item: Item; cmdFormat?: string }[] {
  const out: { item: Item; cmdFormat?: string }[] = [];
  for (const c of cmds) {
    if (c.kind === 'Atomic' || c.kind === 'Sequence') out.push(...items(c.commands));
    else for (const item of c.items) out.push({ item, cmdFormat: 'meta' in c ? c.meta?.format : undefined });
  }
  return out;
}

/** Quirk 4: Format-bin Data read from a Latin-1 view of wbxml2xml output are bytes again. */
function binTextToBytes(m: SyncMLMessage): SyncMLMessage {
  for (const { item, cmdFormat } of items(m.body)) {
    const format = item.meta?.format ?? cmdFormat;
    if (format === 'bin' && typeof item.data === 'string') item.data = Uint8Array.from(item.data, (ch) => ch.charCodeAt(0));
  }
  return m;
}

function decodeLibXml(path: string): SyncMLMessage {
  const bytes = readFileSync(path);
  try {
    return decodeXml(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError) || !/UTF-8/.test(e.message)) throw e;
    return binTextToBytes(decodeXml(bytes.toString('latin1')));
  }
}

describe.skipIf(!haveLibwbxml)('WBXML interop with libwbxml', () => {
  it('has a corpus to test', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('(a) ours -> wbxml2xml -> ours: %s', (name, file) => {
    const model = decodeXml(file.bytes);
    const variants = [{}, { version: 0x03, publicId: 'string' }, { version: 0x01 }] as const;
    for (const [k, options] of variants.entries()) {
      const wbxmlPath = join(work, `${name}.ours-${k}.wbxml`);
      const xmlPath = join(work, `${name}.lib-${k}.xml`);
      writeFileSync(wbxmlPath, encodeWbxml(model, options));
      execFileSync('wbxml2xml', ['-o', xmlPath, wbxmlPath], { stdio: 'pipe' });
      expect(decodeLibXml(xmlPath)).toEqual(model);
    }
  });

  it.each(corpus.map((c) => [c.name, c] as const))('(b) xml2wbxml -> ours: %s', (name, file) => {
    const model = decodeXml(file.bytes);
    for (const version of ['1.1', '1.2', '1.3']) {
      const out = join(work, `${name}.lib-${version}.wbxml`);
      execFileSync('xml2wbxml', ['-v', version, '-o', out, file.path], { stdio: 'pipe' });
      const bytes = new Uint8Array(readFileSync(out));
      expect(bytes[0]).toBe(Number(version.slice(2)));
      expect(decodeWbxml(bytes)).toEqual(model);
    }
    // Without a string table (every string inline).
    const noTable = join(work, `${name}.lib-n.wbxml`);
    execFileSync('xml2wbxml', ['-n', '-v', '1.2', '-o', noTable, file.path], { stdio: 'pipe' });
    expect(decodeWbxml(new Uint8Array(readFileSync(noTable)))).toEqual(model);
  });
});
