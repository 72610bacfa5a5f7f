import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors';
import { decodeMessage, encodeMessage, encodedSize, sniffEncoding, DM_LIMITS } from '../../../src/core/dm/codec';
import type { Command, SyncMLMessage } from '../../../src/core/dm/model';
import { decodeXml } from '../../../src/core/dm/xml';
import { loadCorpus, message, testBytes, DEV, SRV } from './helpers';

const corpus = loadCorpus();

/** A message that uses every field of the model at least once. */
function kitchenSink(): SyncMLMessage {
  const cred = { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: 'Zz6EivR3yeaaENcRN6lpAQ==' };
  const nested: Command[] = [
    { kind: 'Add', cmdID: '5', noResp: true, meta: { format: 'chr', type: 'text/plain' }, items: [{ target: { locURI: './a' }, data: 'x' }] },
    { kind: 'Delete', cmdID: '6', items: [{ target: { locURI: './b' } }] },
  ];
  return {
    header: {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: '1A',
      msgID: '7',
      target: { locURI: DEV, locName: 'phone' },
      source: { locURI: SRV, locName: 'kiosk' },
      respURI: 'https://kiosk.local/dm?s=1A',
      noResp: true,
      cred,
      meta: { maxMsgSize: 65536, maxObjSize: 1_000_000, emi: ['e1', 'e2'], version: '1.2' },
    },
    body: [
      { kind: 'Status', cmdID: '1', msgRef: '6', cmdRef: '0', cmd: 'SyncHdr', targetRefs: [DEV], sourceRefs: [SRV], cred, chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'bm9uY2U=' } }, data: '401', items: [] },
      { kind: 'Status', cmdID: '2', msgRef: '6', cmdRef: '3', cmd: 'Alert', targetRefs: [], sourceRefs: [], data: '200', items: [{ data: '2' }] },
      { kind: 'Alert', cmdID: '3', noResp: true, cred, data: '1226', correlator: 'c-1', items: [{ source: { locURI: './FUMO/x' }, meta: { type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', mark: 'critical' }, data: '410' }] },
      { kind: 'Atomic', cmdID: '4', noResp: true, meta: { version: '1' }, commands: nested },
      { kind: 'Sequence', cmdID: '7', meta: { mark: 'm' }, commands: [{ kind: 'Copy', cmdID: '8', cred, items: [{ target: { locURI: './c' }, source: { locURI: './d' } }] }] },
      { kind: 'Exec', cmdID: '9', noResp: true, cred, meta: { format: 'chr' }, correlator: 'job', items: [{ target: { locURI: './FUMO/x/Update' }, data: 'args' }] },
      { kind: 'Get', cmdID: '10', meta: { type: 'text/plain' }, items: [{ target: { locURI: './DevDetail/FwV' } }, { target: { locURI: './e?prop=Type' } }] },
      { kind: 'Replace', cmdID: '11', items: [{ target: { locURI: './FUMO/x/Update/PkgData' }, meta: { format: 'bin', size: 1000, type: 'application/octet-stream' }, data: testBytes(700), moreData: true }] },
      { kind: 'Replace', cmdID: '12', meta: { format: 'bin' }, items: [{ target: { locURI: './f' }, data: new Uint8Array(0) }, { target: { locURI: './g' }, data: testBytes(5, 9) }] },
      { kind: 'Add', cmdID: '13', items: [{ source: { locURI: './s' }, sourceParent: './p', targetParent: './q', data: '' }] },
      { kind: 'Results', cmdID: '14', msgRef: '6', cmdRef: '10', meta: { format: 'chr' }, targetRefs: ['./DevDetail/FwV'], sourceRefs: ['./x'], items: [{ source: { locURI: './DevDetail/FwV' }, data: '1.0 <beta> & "more" \u20ac' }] },
      { kind: 'Results', cmdID: '15', cmdRef: '10', targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './Cert' }, meta: { format: 'bin' }, data: testBytes(33, 3) }] },
    ],
    final: true,
  };
}

describe('codec round trips', () => {
  it('has a corpus of at least 30 messages', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s: XML -> model -> XML / WBXML -> same model', (_name, file) => {
    const { message: m, encoding } = decodeMessage(file.bytes);
    expect(encoding).toBe('xml');
    for (const encoding of ['xml', 'wbxml'] as const) {
      const bytes = encodeMessage(m, encoding);
      expect(encodedSize(m, encoding)).toBe(bytes.length);
      expect(decodeMessage(bytes).message).toEqual(m);
    }
    const pretty = encodeMessage(m, 'xml', { xml: { pretty: true } });
    expect(encodedSize(m, 'xml', { xml: { pretty: true } })).toBe(pretty.length);
    expect(decodeMessage(pretty, 'application/vnd.syncml.dm+xml').message).toEqual(m);
    for (const opts of [{ version: 0x01 as const }, { version: 0x03 as const, publicId: 'string' as const }]) {
      const w = encodeMessage(m, 'wbxml', { wbxml: opts });
      expect(encodedSize(m, 'wbxml', { wbxml: opts })).toBe(w.length);
      expect(decodeMessage(w, 'application/vnd.syncml+wbxml').message).toEqual(m);
    }
  });

  it('keeps every model field through XML and WBXML', () => {
    const m = kitchenSink();
    for (const encoding of ['xml', 'wbxml'] as const) {
      const bytes = encodeMessage(m, encoding);
      expect(bytes.length).toBe(encodedSize(m, encoding));
      const back = decodeMessage(bytes).message;
      expect(back).toEqual(m);
      const replace = back.body[7] as { items: { data?: unknown }[] };
      expect(replace.items[0]!.data).toBeInstanceOf(Uint8Array);
    }
  });

  it('writes bytes as base64 with Format b64 in XML, as OPAQUE with Format bin in WBXML', () => {
    const data = new Uint8Array([0xfb, 0xff, 0x00]);
    const m = message([{ kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './x' }, data }] }]);
    const xml = new TextDecoder().decode(encodeMessage(m, 'xml'));
    expect(xml).toContain('<Meta><Format xmlns="syncml:metinf">b64</Format></Meta><Data>+/8A</Data>');
    const wbxml = encodeMessage(m, 'wbxml');
    const opaque = [0xc3, 0x03, 0xfb, 0xff, 0x00];
    const at = wbxml.findIndex((_b, i) => opaque.every((v, k) => wbxml[i + k] === v));
    expect(at).toBeGreaterThan(0);
    expect(new TextDecoder().decode(wbxml)).toContain('bin');
    // Both decode to the same model: bytes with Format bin.
    const expected = message([{ kind: 'Replace', cmdID: '1', items: [{ target: { locURI: './x' }, meta: { format: 'bin' }, data }] }]);
    expect(decodeMessage(encodeMessage(m, 'xml')).message).toEqual(expected);
    expect(decodeMessage(wbxml).message).toEqual(expected);
  });
});

describe('content types and sniffing', () => {
  const m = message([{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }]);
  const xml = encodeMessage(m, 'xml');
  const wbxml = encodeMessage(m, 'wbxml');

  it('follows the content type, new and old forms, with parameters', () => {
    expect(decodeMessage(xml, 'application/vnd.syncml.dm+xml').encoding).toBe('xml');
    expect(decodeMessage(xml, 'application/vnd.syncml+xml; charset=UTF-8').encoding).toBe('xml');
    expect(decodeMessage(wbxml, 'Application/Vnd.SyncML.DM+WBXML').encoding).toBe('wbxml');
    expect(decodeMessage(wbxml, 'application/vnd.syncml+wbxml').encoding).toBe('wbxml');
    expect(() => decodeMessage(xml, 'text/html')).toThrow(DecodeError);
    expect(() => decodeMessage(xml, 'application/vnd.syncml.dm+wbxml')).toThrow(DecodeError);
  });

  it('sniffs when no content type is given', () => {
    expect(sniffEncoding(xml)).toBe('xml');
    expect(sniffEncoding(wbxml)).toBe('wbxml');
    expect(sniffEncoding(new Uint8Array([0x7f]))).toBeUndefined();
    expect(decodeMessage(wbxml).message).toEqual(m);
    expect(decodeMessage(new Uint8Array([0xef, 0xbb, 0xbf, ...xml])).message).toEqual(m);
    expect(() => decodeMessage(new Uint8Array(0))).toThrow(DecodeError);
    expect(() => decodeMessage(new Uint8Array([0x7f, 0x00]))).toThrow(DecodeError);
  });
});

describe('limits', () => {
  it('refuses messages over the size limit before reading them', () => {
    const big = new Uint8Array(DM_LIMITS.maxMessageBytes + 1);
    big[0] = 0x3c;
    expect(() => decodeMessage(big)).toThrow(DecodeError);
  });

  it('refuses nesting deeper than the limit in both encodings', () => {
    let body = '';
    for (let i = 0; i < DM_LIMITS.maxDepth; i++) body = `<Atomic><CmdID>${i}</CmdID>${body}</Atomic>`;
    const xml = new TextEncoder().encode(
      `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>a</LocURI></Target><Source><LocURI>b</LocURI></Source></SyncHdr><SyncBody>${body}</SyncBody></SyncML>`,
    );
    expect(() => decodeMessage(xml)).toThrow(DecodeError);
    expect(() => decodeXml(xml)).toThrow(/deeper than 32/);
  });

  it('computes encodedSize without the data being copied (large object)', () => {
    const data = testBytes(1_000_000);
    const m = message([{ kind: 'Replace', cmdID: '1', items: [{ meta: { format: 'bin' }, data, moreData: true }] }], false);
    expect(encodedSize(m, 'wbxml')).toBe(encodeMessage(m, 'wbxml').length);
    expect(encodedSize(m, 'xml')).toBe(encodeMessage(m, 'xml').length);
    // OPAQUE overhead: token, 3-byte length for 10^6; base64 is 4/3 of the data.
    expect(encodedSize(m, 'wbxml') - data.length).toBeLessThan(200);
    expect(encodedSize(m, 'xml') - Math.ceil(data.length / 3) * 4).toBeLessThan(600);
  });
});
