import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors';
import { decodeWbxml, encodeWbxml } from '../../../src/core/dm/wbxml';
import type { SyncMLMessage } from '../../../src/core/dm/model';
import { message } from './helpers';

// Tokens written out from the WBXML tables in dm-protocol-facts.md, independent of wbxml-tokens.ts.
const SWITCH = 0x00, END = 0x01, ENTITY = 0x02, STR_I = 0x03, STR_T = 0x83, OPAQUE = 0xc3, C = 0x40;
const T = {
  Alert: 0x06, Cmd: 0x0a, CmdID: 0x0b, CmdRef: 0x0c, Data: 0x0f, Final: 0x12, Item: 0x14, LocName: 0x16, LocURI: 0x17,
  Meta: 0x1a, MsgID: 0x1b, MsgRef: 0x1c, Replace: 0x20, SessionID: 0x25, Source: 0x27, Status: 0x29, SyncBody: 0x2b,
  SyncHdr: 0x2c, SyncML: 0x2d, Target: 0x2e, VerDTD: 0x31, VerProto: 0x32, MoreData: 0x34, Correlator: 0x3c,
};
const MI = { Format: 0x07, Size: 0x12, Type: 0x13, MaxMsgSize: 0x0c };
const DDF = { MgmtTree: 0x20, Node: 0x24, NodeName: 0x26, VerDTD: 0x37, node: 0x25 };

const enc = new TextEncoder();
const str = (s: string) => [STR_I, ...enc.encode(s), 0];
const leaf = (tag: number, s: string) => [tag | C, ...str(s), END];

function header(): number[] {
  return [
    T.SyncHdr | C,
    ...leaf(T.VerDTD, '1.2'),
    ...leaf(T.VerProto, 'DM/1.2'),
    ...leaf(T.SessionID, '1'),
    ...leaf(T.MsgID, '2'),
    T.Target | C, ...leaf(T.LocURI, 'IMEI:1'), END,
    T.Source | C, ...leaf(T.LocURI, 'srv'), END,
    END,
  ];
}
const HEADER_MODEL = { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '2', target: { locURI: 'IMEI:1' }, source: { locURI: 'srv' } } as const;

function doc(body: number[], prefix = [0x02, 0xa4, 0x01, 0x6a, 0x00]): Uint8Array {
  return new Uint8Array([...prefix, T.SyncML | C, ...header(), T.SyncBody | C, ...body, END, END]);
}

describe('WBXML decoding', () => {
  it('reads a numeric public id message with MetInf on page 1, OPAQUE data and Final', () => {
    const body = [
      T.Replace | C, ...leaf(T.CmdID, '3'),
      T.Item | C,
      T.Target | C, ...leaf(T.LocURI, './FUMO/x/Update/PkgData'), END,
      T.Meta | C, SWITCH, 1, ...leaf(MI.Format, 'bin'), ...leaf(MI.Size, '5'), SWITCH, 0, END,
      T.Data | C, OPAQUE, 3, 0xde, 0xad, 0x00, END,
      T.MoreData,
      END, END,
      T.Final,
    ];
    const m = decodeWbxml(doc(body));
    expect(m).toEqual({
      header: HEADER_MODEL,
      body: [{ kind: 'Replace', cmdID: '3', items: [{ target: { locURI: './FUMO/x/Update/PkgData' }, meta: { format: 'bin', size: 5 }, data: new Uint8Array([0xde, 0xad, 0x00]), moreData: true }] }],
      final: true,
    } satisfies SyncMLMessage);
  });

  it('accepts WBXML 1.1 and 1.3, SyncML 1.1 (0x0FD3) and the FPI in the string table', () => {
    const body = [T.Alert | C, ...leaf(T.CmdID, '1'), ...leaf(T.Data, '1201'), END];
    const expected = [{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }];
    expect(decodeWbxml(doc(body, [0x01, 0xa4, 0x01, 0x6a, 0x00])).body).toEqual(expected);
    expect(decodeWbxml(doc(body, [0x03, 0x9f, 0x53, 0x6a, 0x00])).body).toEqual(expected);
    const fpi = [...enc.encode('-//SYNCML//DTD SyncML 1.2//EN'), 0];
    expect(decodeWbxml(doc(body, [0x02, 0x00, 0x00, 0x6a, fpi.length, ...fpi])).body).toEqual(expected);
  });

  it('accepts a string table holding the FPI without its terminating NUL (as deployed DM engines send it)', () => {
    const body = [T.Alert | C, ...leaf(T.CmdID, '1'), ...leaf(T.Data, '1201'), END];
    const fpi = [...enc.encode('-//SYNCML//DTD SyncML 1.2//EN')];
    expect(decodeWbxml(doc(body, [0x02, 0x00, 0x00, 0x6a, fpi.length, ...fpi])).body).toEqual([{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }]);
    // A STR_T reference into such a table still needs its NUL: only the public id is read liberally.
    const strT = [T.Alert | C, ...leaf(T.CmdID, '1'), T.Data | C, STR_T, 0, END, END];
    expect(() => decodeWbxml(doc(strT, [0x02, 0x00, 0x00, 0x6a, fpi.length, ...fpi]))).toThrow(DecodeError);
  });

  it('resolves STR_T references and ENTITY tokens, and skips attributes', () => {
    const table = [...enc.encode('abc'), 0, ...enc.encode('./Node'), 0];
    const body = [
      T.Status | C, ...leaf(T.CmdID, '1'), ...leaf(T.MsgRef, '1'), ...leaf(T.CmdRef, '0'),
      T.Cmd | C, STR_T, 0, END,
      T.Data | C, STR_I, 0x32, 0, ENTITY, 0x30, STR_I, 0x30, 0, END,
      T.Item | C, T.Source | C | 0x80, 0x05, STR_I, 0x78, 0, END, T.LocURI | C, STR_T, 4, END, END, END,
      END,
    ];
    const m = decodeWbxml(doc(body, [0x02, 0xa4, 0x01, 0x6a, table.length, ...table]));
    expect(m.body).toEqual([{ kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '0', cmd: 'abc', targetRefs: [], sourceRefs: [], data: '200', items: [{ source: { locURI: './Node' } }] }]);
  });

  it('turns code page 2 (DDF) elements inside Data into XML text', () => {
    const body = [
      T.Alert | C, ...leaf(T.CmdID, '1'), ...leaf(T.Data, '1226'),
      T.Item | C, T.Data | C,
      SWITCH, 2, DDF.MgmtTree | C, ...leaf(DDF.VerDTD, '1.2'), DDF.Node | C, ...leaf(DDF.NodeName, 'a<b'), DDF.node, END, END,
      SWITCH, 0, END, END, END,
    ];
    const m = decodeWbxml(doc(body));
    expect(m.body[0]).toMatchObject({ items: [{ data: '<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD><Node><NodeName>a&lt;b</NodeName><node/></Node></MgmtTree>' }] });
  });

  it('reads OPAQUE text of textual formats as text, and OPAQUE b64 as decoded bytes', () => {
    const body = [
      T.Replace | C, ...leaf(T.CmdID, '1'),
      T.Item | C, T.Data | C, OPAQUE, 2, 0x68, 0x69, END, END,
      T.Item | C, T.Meta | C, SWITCH, 1, ...leaf(MI.Format, 'b64'), SWITCH, 0, END, T.Data | C, OPAQUE, 4, ...enc.encode('AAE='), END, END,
      END,
    ];
    expect(decodeWbxml(doc(body)).body).toEqual([{ kind: 'Replace', cmdID: '1', items: [{ data: 'hi' }, { meta: { format: 'bin' }, data: new Uint8Array([0, 1]) }] }]);
  });

  it('refuses hostile input with DecodeError and an offset', () => {
    const cases: [Uint8Array, number | undefined][] = [
      [new Uint8Array([]), 0],
      [new Uint8Array([0x09, 0xa4, 0x01, 0x6a, 0x00]), 0],
      [new Uint8Array([0x02, 0x8f, 0xff, 0xff, 0xff, 0xff, 0x7f]), 1], // mb_u_int32 longer than 5 bytes
      [new Uint8Array([0x02, 0x9f, 0xff, 0xff, 0xff, 0x7f, 0x6a, 0x00]), 1], // exceeds 32 bits
      [new Uint8Array([0x02, 0xa4, 0x01, 0x6a, 0x8f, 0xff, 0xff, 0x7f]), undefined], // string table past the end
      [doc([T.Replace | C, ...leaf(T.CmdID, '1'), T.Item | C, T.Data | C, OPAQUE, 0x8f, 0x7f]).slice(0, -2), undefined],
      [new Uint8Array([0x02, 0x00, 0x05, 0x6a, 0x00, T.SyncML]), 1], // FPI index out of range
      [new Uint8Array([0x02, 0xa4, 0x01, 0x6a, 0x00, T.SyncML | C, ...new Array<number>(40).fill(T.SyncHdr | C)]), undefined],
      [new Uint8Array([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x3f]), 5], // unknown tag
      [new Uint8Array([0x02, 0xa4, 0x01, 0x6a, 0x00, T.SyncML | C, STR_T, 0x05, END]), 6],
    ];
    for (const [bytes, offset] of cases) {
      let err: unknown;
      try {
        decodeWbxml(bytes);
      } catch (e) {
        err = e;
      }
      expect(err, Buffer.from(bytes).toString('hex')).toBeInstanceOf(DecodeError);
      if (offset !== undefined) expect((err as DecodeError).offset).toBe(offset);
    }
  });
});

describe('WBXML encoding', () => {
  it('writes the exact bytes of a small message', () => {
    const m = message([{ kind: 'Replace', cmdID: '3', items: [{ meta: { format: 'bin' }, data: new Uint8Array([7, 8]), moreData: true }] }], false);
    m.header.target = { locURI: 'IMEI:1' };
    m.header.source = { locURI: 'srv' };
    const expected = doc([
      T.Replace | C, ...leaf(T.CmdID, '3'),
      // The encoder switches back to page 0 when the next SyncML tag comes, not before END.
      T.Item | C, T.Meta | C, SWITCH, 1, ...leaf(MI.Format, 'bin'), END,
      SWITCH, 0, T.Data | C, OPAQUE, 2, 7, 8, END, T.MoreData, END, END,
    ]);
    expect(encodeWbxml(m)).toEqual(expected);
  });

  it('writes versions 1.1 and 1.3, the FPI form and SyncML 1.1', () => {
    const m = message([]);
    expect(Array.from(encodeWbxml(m, { version: 0x03 }).subarray(0, 3))).toEqual([0x03, 0xa4, 0x01]);
    expect(Array.from(encodeWbxml(m, { version: 0x01 }).subarray(0, 1))).toEqual([0x01]);
    const s = encodeWbxml(m, { publicId: 'string' });
    const fpi = '-//SYNCML//DTD SyncML 1.2//EN';
    expect(Array.from(s.subarray(0, 5))).toEqual([0x02, 0x00, 0x00, 0x6a, fpi.length + 1]);
    expect(new TextDecoder().decode(s.subarray(5, 5 + fpi.length))).toBe(fpi);
    expect(decodeWbxml(s)).toEqual(m);
    const v11 = message([]);
    v11.header.verDTD = '1.1';
    expect(Array.from(encodeWbxml(v11).subarray(0, 3))).toEqual([0x02, 0x9f, 0x53]);
  });

  it('writes a string with NUL as OPAQUE and reads it back', () => {
    const m = message([{ kind: 'Alert', cmdID: '1', data: '1100', items: [{ data: 'a\0b' }] }]);
    expect(decodeWbxml(encodeWbxml(m))).toEqual(m);
  });
});
