import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors';
import {
  decodeObexPacket,
  encodeObexPacket,
  ObexFramer,
  OBEX_HDR,
  OBEX_OP,
  OBEX_RSP,
  OBEX_SRM,
  type ObexPacket,
} from '../../../src/core/obex/packet';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('OBEX packet codec: known byte layouts', () => {
  it('CONNECT with Target SYNCML-DM (IrOBEX layout)', () => {
    const p: ObexPacket = {
      type: 'request',
      opcode: OBEX_OP.CONNECT,
      final: true,
      connect: { version: 0x10, flags: 0, maxPacketLength: 0x2000 },
      headers: [{ id: OBEX_HDR.TARGET, value: new TextEncoder().encode('SYNCML-DM') }],
    };
    // 0x80, len 0x0013 (7 + 3 + 9 = 19), 0x10 0x00 0x2000, 0x46 0x000C "SYNCML-DM"
    const want = bytes(0x80, 0x00, 0x13, 0x10, 0x00, 0x20, 0x00, 0x46, 0x00, 0x0c, 0x53, 0x59, 0x4e, 0x43, 0x4d, 0x4c, 0x2d, 0x44, 0x4d);
    expect(encodeObexPacket(p)).toEqual(want);
    expect(decodeObexPacket(want, 'request')).toEqual(p);
  });

  it('CONNECT response with Connection-ID and Who', () => {
    const wire = bytes(0xa0, 0x00, 0x0c, 0x10, 0x00, 0xff, 0xff, 0xcb, 0x00, 0x00, 0x00, 0x07);
    const p = decodeObexPacket(wire, 'response', { requestOpcode: OBEX_OP.CONNECT });
    expect(p).toEqual({
      type: 'response',
      code: OBEX_RSP.SUCCESS,
      final: true,
      connect: { version: 0x10, flags: 0, maxPacketLength: 0xffff },
      headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 7 }],
    });
    expect(encodeObexPacket(p)).toEqual(wire);
    // The same bytes as the answer to a PUT have no connect fields: the 4 bytes become headers.
    expect(() => decodeObexPacket(wire, 'response', { requestOpcode: OBEX_OP.PUT })).toThrow(DecodeError);
  });

  it.each([
    ['DISCONNECT', OBEX_OP.DISCONNECT, true, 0x81],
    ['PUT non-final', OBEX_OP.PUT, false, 0x02],
    ['PUT final', OBEX_OP.PUT, true, 0x82],
    ['GET non-final', OBEX_OP.GET, false, 0x03],
    ['GET final', OBEX_OP.GET, true, 0x83],
    ['ABORT', OBEX_OP.ABORT, true, 0xff],
  ])('%s opcode byte', (_n, opcode, final, first) => {
    const wire = encodeObexPacket({ type: 'request', opcode, final, headers: [] });
    expect(wire).toEqual(bytes(first, 0x00, 0x03));
    expect(decodeObexPacket(wire, 'request')).toEqual({ type: 'request', opcode, final, headers: [] });
  });

  it('SETPATH carries flags and constants', () => {
    const p: ObexPacket = { type: 'request', opcode: OBEX_OP.SETPATH, final: true, setpath: { flags: 0x02, constants: 0 }, headers: [] };
    const wire = bytes(0x85, 0x00, 0x05, 0x02, 0x00);
    expect(encodeObexPacket(p)).toEqual(wire);
    expect(decodeObexPacket(wire, 'request')).toEqual(p);
  });

  it.each([
    ['CONTINUE', OBEX_RSP.CONTINUE, 0x90],
    ['SUCCESS', OBEX_RSP.SUCCESS, 0xa0],
    ['FORBIDDEN', OBEX_RSP.FORBIDDEN, 0xc3],
    ['NOT_FOUND', OBEX_RSP.NOT_FOUND, 0xc4],
    ['SERVICE_UNAVAILABLE', OBEX_RSP.SERVICE_UNAVAILABLE, 0xd3],
  ])('response %s carries the final bit', (_n, code, first) => {
    const wire = encodeObexPacket({ type: 'response', code, final: true, headers: [] });
    expect(wire).toEqual(bytes(first, 0x00, 0x03));
    expect(decodeObexPacket(wire, 'response')).toMatchObject({ code, final: true });
  });

  it('encodes each header kind', () => {
    const p: ObexPacket = {
      type: 'request',
      opcode: OBEX_OP.PUT,
      final: true,
      headers: [
        { id: OBEX_HDR.CONNECTION_ID, value: 0x01020304 },
        { id: OBEX_HDR.NAME, value: 'aé' },
        { id: OBEX_HDR.TYPE, value: 'x/y' },
        { id: OBEX_HDR.LENGTH, value: 5 },
        { id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE },
        { id: OBEX_HDR.SRMP, value: 1 },
        { id: OBEX_HDR.BODY, value: bytes(1, 2) },
        { id: OBEX_HDR.END_OF_BODY, value: bytes(3) },
        { id: OBEX_HDR.WHO, value: bytes() },
      ],
    };
    const want = bytes(
      0x82, 0x00, 0x2d,
      0xcb, 1, 2, 3, 4,
      0x01, 0x00, 0x09, 0x00, 0x61, 0x00, 0xe9, 0x00, 0x00,
      0x42, 0x00, 0x07, 0x78, 0x2f, 0x79, 0x00,
      0xc3, 0, 0, 0, 5,
      0x97, 0x01,
      0x98, 0x01,
      0x48, 0x00, 0x05, 1, 2,
      0x49, 0x00, 0x04, 3,
      0x4a, 0x00, 0x03,
    );
    expect(want.length).toBe(0x2d);
    expect(encodeObexPacket(p)).toEqual(want);
    expect(decodeObexPacket(want, 'request')).toEqual(p);
  });

  it('empty Name is a bare 3-byte header; decoding accepts a missing terminator', () => {
    const wire = encodeObexPacket({ type: 'request', opcode: OBEX_OP.GET, final: true, headers: [{ id: OBEX_HDR.NAME, value: '' }] });
    expect(wire).toEqual(bytes(0x83, 0x00, 0x06, 0x01, 0x00, 0x03));
    const loose = bytes(0x83, 0x00, 0x08, 0x01, 0x00, 0x05, 0x00, 0x41);
    expect(decodeObexPacket(loose, 'request').headers).toEqual([{ id: OBEX_HDR.NAME, value: 'A' }]);
    const typeNoNull = bytes(0x83, 0x00, 0x07, 0x42, 0x00, 0x04, 0x61);
    expect(decodeObexPacket(typeNoNull, 'request').headers).toEqual([{ id: OBEX_HDR.TYPE, value: 'a' }]);
  });

  it('is strict on output', () => {
    expect(() => encodeObexPacket({ type: 'request', opcode: OBEX_OP.CONNECT, final: false, connect: { version: 0x10, flags: 0, maxPacketLength: 300 }, headers: [] })).toThrow();
    expect(() => encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: false, headers: [] })).toThrow();
    expect(() => encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: true, headers: [{ id: OBEX_HDR.LENGTH, value: 'x' }] })).toThrow();
    expect(() => encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: true, headers: [{ id: OBEX_HDR.BODY, value: new Uint8Array(65533) }] })).toThrow();
    expect(() =>
      encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: true, headers: [{ id: OBEX_HDR.TYPE, value: 'a' }, { id: OBEX_HDR.CONNECTION_ID, value: 1 }] }),
    ).toThrow();
  });

  it('rejects malformed input with DecodeError', () => {
    const bad = [bytes(), bytes(0x82, 0), bytes(0x82, 0, 2), bytes(0x82, 0, 9, 0x48), bytes(0x82, 0, 6, 0x48, 0, 9), bytes(0x82, 0, 5, 0xcb, 0), bytes(0x80, 0, 5, 0x10, 0), bytes(0x82, 0, 7, 0x01, 0, 4, 0x41)];
    for (const b of bad) expect(() => decodeObexPacket(b, 'request')).toThrow(DecodeError);
  });
});

describe('ObexFramer', () => {
  const a = encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: false, headers: [{ id: OBEX_HDR.BODY, value: new Uint8Array(300).fill(7) }] });
  const b = encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: true, headers: [] });
  const c = encodeObexPacket({ type: 'request', opcode: OBEX_OP.GET, final: true, headers: [{ id: OBEX_HDR.TYPE, value: 'x' }] });
  const all = new Uint8Array([...a, ...b, ...c]);

  it('cuts packets from chunks split at every position', () => {
    for (let cut = 0; cut <= all.length; cut++) {
      const f = new ObexFramer();
      const got = [...f.push(all.subarray(0, cut)), ...f.push(all.subarray(cut))];
      expect(got).toEqual([a, b, c]);
      expect(f.pending).toBe(0);
    }
  });

  it('byte-by-byte and all merged', () => {
    const f = new ObexFramer();
    const got: Uint8Array[] = [];
    for (const x of all) got.push(...f.push(new Uint8Array([x])));
    expect(got).toEqual([a, b, c]);
    expect(new ObexFramer().push(all)).toEqual([a, b, c]);
  });

  it('rejects a length below 3 or above the maximum', () => {
    expect(() => new ObexFramer().push(bytes(0x82, 0, 2))).toThrow(DecodeError);
    expect(() => new ObexFramer(1000).push(bytes(0x82, 0x10, 0))).toThrow(DecodeError);
  });
});
