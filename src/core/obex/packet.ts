/**
 * OBEX (IrDA OBEX 1.x / 1.5) packet codec and stream framer.
 *
 * A packet is: opcode or response code (1 byte, high bit = final), packet length (2 bytes,
 * big-endian, the whole packet), then for CONNECT (and its response) version, flags and max
 * packet length, for SETPATH flags and constants, then headers. A header's two high bits
 * give its encoding: 0x00 null-terminated UTF-16BE text, 0x40 byte sequence, 0x80 one byte,
 * 0xC0 four bytes. Encoding is strict (it refuses what the spec forbids); decoding is liberal
 * (it accepts what a peer may sloppily send) and throws DecodeError, and only DecodeError.
 */
import { DecodeError, KioskError } from '../errors';

/** Request opcodes without the final bit. */
export const OBEX_OP = {
  CONNECT: 0x00,
  DISCONNECT: 0x01,
  PUT: 0x02,
  GET: 0x03,
  SETPATH: 0x05,
  ACTION: 0x06,
  SESSION: 0x07,
  ABORT: 0x7f,
} as const;

/** The final bit of opcodes and response codes. */
export const OBEX_FINAL = 0x80;

/** Response codes without the final bit (responses are always sent with it). */
export const OBEX_RSP = {
  CONTINUE: 0x10,
  SUCCESS: 0x20,
  CREATED: 0x21,
  ACCEPTED: 0x22,
  BAD_REQUEST: 0x40,
  UNAUTHORIZED: 0x41,
  FORBIDDEN: 0x43,
  NOT_FOUND: 0x44,
  METHOD_NOT_ALLOWED: 0x45,
  NOT_ACCEPTABLE: 0x46,
  REQUEST_TIMEOUT: 0x48,
  CONFLICT: 0x49,
  LENGTH_REQUIRED: 0x4b,
  PRECONDITION_FAILED: 0x4c,
  ENTITY_TOO_LARGE: 0x4d,
  UNSUPPORTED_MEDIA_TYPE: 0x4f,
  INTERNAL_SERVER_ERROR: 0x50,
  NOT_IMPLEMENTED: 0x51,
  SERVICE_UNAVAILABLE: 0x53,
} as const;

/** Header identifiers. */
export const OBEX_HDR = {
  COUNT: 0xc0,
  NAME: 0x01,
  TYPE: 0x42,
  LENGTH: 0xc3,
  TIME: 0x44,
  DESCRIPTION: 0x05,
  TARGET: 0x46,
  HTTP: 0x47,
  BODY: 0x48,
  END_OF_BODY: 0x49,
  WHO: 0x4a,
  CONNECTION_ID: 0xcb,
  APP_PARAMETERS: 0x4c,
  AUTH_CHALLENGE: 0x4d,
  AUTH_RESPONSE: 0x4e,
  OBJECT_CLASS: 0x4f,
  SRM: 0x97,
  SRMP: 0x98,
} as const;

/** Values of the SRM header (OBEX 1.5). */
export const OBEX_SRM = { DISABLE: 0x00, ENABLE: 0x01, SUPPORTED: 0x02 } as const;
/** Values of the SRMP header: 0x01 asks the peer to wait for the next request. */
export const OBEX_SRMP = { NEXT: 0x00, WAIT: 0x01, NEXT_WAIT: 0x02 } as const;

export const OBEX_VERSION = 0x10;
/** Smallest and largest maximum packet lengths the spec allows. */
export const OBEX_MIN_PACKET = 255;
export const OBEX_MAX_PACKET = 0xffff;

/**
 * A header: text headers (0x00 class) carry a string, byte-sequence headers (0x40 class) a
 * Uint8Array except Type (0x42), which carries its null-terminated ASCII as a string, and the
 * 1-byte and 4-byte classes carry a number.
 */
export interface ObexHeader {
  id: number;
  value: string | Uint8Array | number;
}

export interface ObexConnectFields {
  version: number;
  flags: number;
  maxPacketLength: number;
}

export interface ObexSetpathFields {
  flags: number;
  constants: number;
}

export interface ObexRequest {
  type: 'request';
  /** Opcode without the final bit (OBEX_OP). */
  opcode: number;
  final: boolean;
  /** CONNECT only. */
  connect?: ObexConnectFields;
  /** SETPATH only. */
  setpath?: ObexSetpathFields;
  headers: ObexHeader[];
}

export interface ObexResponse {
  type: 'response';
  /** Response code without the final bit (OBEX_RSP). */
  code: number;
  /** Always true on output; kept as read on input. */
  final: boolean;
  /** Responses to CONNECT only. */
  connect?: ObexConnectFields;
  headers: ObexHeader[];
}

export type ObexPacket = ObexRequest | ObexResponse;

/** Opcodes whose requests are single packets: the final bit is always set. */
const ALWAYS_FINAL = new Set<number>([OBEX_OP.CONNECT, OBEX_OP.DISCONNECT, OBEX_OP.SETPATH, OBEX_OP.ABORT]);

function encodeError(detail: string): KioskError {
  return new KioskError('INVALID_REQUEST', { detail: `OBEX packet: ${detail}` });
}

/** Encoded size of one header in bytes. */
export function obexHeaderSize(h: ObexHeader): number {
  switch (h.id & 0xc0) {
    case 0x00: {
      const s = h.value;
      if (typeof s !== 'string') throw encodeError(`header 0x${hex(h.id)} needs text`);
      return s.length === 0 ? 3 : 3 + (s.length + 1) * 2;
    }
    case 0x40: {
      if (h.id === OBEX_HDR.TYPE && typeof h.value === 'string') return 3 + h.value.length + 1;
      if (!(h.value instanceof Uint8Array)) throw encodeError(`header 0x${hex(h.id)} needs bytes`);
      return 3 + h.value.length;
    }
    case 0x80:
      return 2;
    default:
      return 5;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Bytes needed before the headers of a packet. */
function prefixSize(p: ObexPacket): number {
  return p.connect ? 7 : p.type === 'request' && p.setpath ? 5 : 3;
}

/** Encoded size of a whole packet. */
export function obexPacketSize(p: ObexPacket): number {
  let n = prefixSize(p);
  for (const h of p.headers) n += obexHeaderSize(h);
  return n;
}

function writeHeader(out: Uint8Array, view: DataView, at: number, h: ObexHeader): number {
  out[at] = h.id;
  switch (h.id & 0xc0) {
    case 0x00: {
      const s = h.value as string;
      if (s.length === 0) {
        view.setUint16(at + 1, 3);
        return at + 3;
      }
      const len = 3 + (s.length + 1) * 2;
      view.setUint16(at + 1, len);
      let p = at + 3;
      for (let i = 0; i < s.length; i++, p += 2) view.setUint16(p, s.charCodeAt(i));
      view.setUint16(p, 0);
      return at + len;
    }
    case 0x40: {
      if (h.id === OBEX_HDR.TYPE && typeof h.value === 'string') {
        const s = h.value;
        const len = 3 + s.length + 1;
        view.setUint16(at + 1, len);
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c === 0 || c > 0x7e) throw encodeError('Type header must be printable ASCII');
          out[at + 3 + i] = c;
        }
        out[at + 3 + s.length] = 0;
        return at + len;
      }
      const b = h.value as Uint8Array;
      view.setUint16(at + 1, 3 + b.length);
      out.set(b, at + 3);
      return at + 3 + b.length;
    }
    case 0x80: {
      const v = h.value;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xff) throw encodeError(`header 0x${hex(h.id)} needs a byte`);
      out[at + 1] = v;
      return at + 2;
    }
    default: {
      const v = h.value;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw encodeError(`header 0x${hex(h.id)} needs a 32-bit unsigned number`);
      }
      view.setUint32(at + 1, v);
      return at + 5;
    }
  }
}

/**
 * Encode a request or response. Throws KioskError(INVALID_REQUEST) for packets the spec
 * forbids (over 64 KiB, wrong header value kinds, non-final CONNECT, responses without the final bit).
 */
export function encodeObexPacket(p: ObexPacket): Uint8Array {
  const size = obexPacketSize(p);
  if (size > OBEX_MAX_PACKET) throw encodeError(`packet of ${size} bytes exceeds 65535`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (p.type === 'request') {
    if (p.opcode < 0 || p.opcode > 0x7f || !Number.isInteger(p.opcode)) throw encodeError('opcode out of range');
    if (ALWAYS_FINAL.has(p.opcode) && !p.final) throw encodeError('CONNECT, DISCONNECT, SETPATH and ABORT are always final');
    if (p.opcode === OBEX_OP.CONNECT && !p.connect) throw encodeError('CONNECT needs version, flags and max packet length');
    if (p.opcode === OBEX_OP.SETPATH && !p.setpath) throw encodeError('SETPATH needs flags and constants');
    if (p.connect && p.opcode !== OBEX_OP.CONNECT) throw encodeError('only CONNECT carries connect fields');
    out[0] = p.opcode | (p.final ? OBEX_FINAL : 0);
  } else {
    if (p.code < 0 || p.code > 0x7f || !Number.isInteger(p.code)) throw encodeError('response code out of range');
    if (!p.final) throw encodeError('responses always carry the final bit');
    out[0] = p.code | OBEX_FINAL;
  }
  view.setUint16(1, size);
  let at = 3;
  if (p.connect) {
    const c = p.connect;
    if (c.maxPacketLength < OBEX_MIN_PACKET || c.maxPacketLength > OBEX_MAX_PACKET) {
      throw encodeError('max packet length must be 255..65535');
    }
    out[3] = c.version & 0xff;
    out[4] = c.flags & 0xff;
    view.setUint16(5, c.maxPacketLength);
    at = 7;
  } else if (p.type === 'request' && p.setpath) {
    out[3] = p.setpath.flags & 0xff;
    out[4] = p.setpath.constants & 0xff;
    at = 5;
  }
  // Connection-ID must be the first header when present.
  const cid = p.headers.findIndex((h) => h.id === OBEX_HDR.CONNECTION_ID);
  if (cid > 0) throw encodeError('Connection-ID must be the first header');
  for (const h of p.headers) at = writeHeader(out, view, at, h);
  return out;
}

export interface DecodeObexOptions {
  /** The opcode (without final bit) of the request a response answers; CONNECT responses carry extra fields. */
  requestOpcode?: number;
}

/**
 * Decode one whole packet. `kind` says which side sent it (opcodes and response codes share
 * the byte space). Throws DecodeError only.
 */
export function decodeObexPacket(bytes: Uint8Array, kind: 'request' | 'response', options: DecodeObexOptions = {}): ObexPacket {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('OBEX packet is not bytes');
  if (bytes.length < 3) throw new DecodeError('OBEX packet shorter than 3 bytes', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getUint16(1);
  if (declared < 3) throw new DecodeError(`OBEX packet length ${declared} below 3`, 1);
  if (declared > bytes.length) throw new DecodeError(`OBEX packet length ${declared} beyond the ${bytes.length} bytes given`, 1);
  const first = bytes[0]!;
  const final = (first & OBEX_FINAL) !== 0;
  const low = first & 0x7f;
  let at = 3;
  let connect: ObexConnectFields | undefined;
  let setpath: ObexSetpathFields | undefined;
  const isConnect = kind === 'request' ? low === OBEX_OP.CONNECT : options.requestOpcode === OBEX_OP.CONNECT;
  if (isConnect) {
    if (declared < 7) throw new DecodeError('CONNECT packet without version, flags and max packet length', 3);
    connect = { version: bytes[3]!, flags: bytes[4]!, maxPacketLength: view.getUint16(5) };
    at = 7;
  } else if (kind === 'request' && low === OBEX_OP.SETPATH) {
    if (declared < 5) throw new DecodeError('SETPATH packet without flags and constants', 3);
    setpath = { flags: bytes[3]!, constants: bytes[4]! };
    at = 5;
  }
  const headers = decodeHeaders(bytes, view, at, declared);
  if (kind === 'request') {
    const req: ObexRequest = { type: 'request', opcode: low, final, headers };
    if (connect) req.connect = connect;
    if (setpath) req.setpath = setpath;
    return req;
  }
  const rsp: ObexResponse = { type: 'response', code: low, final, headers };
  if (connect) rsp.connect = connect;
  return rsp;
}

function decodeHeaders(bytes: Uint8Array, view: DataView, start: number, end: number): ObexHeader[] {
  const headers: ObexHeader[] = [];
  let at = start;
  while (at < end) {
    const id = bytes[at]!;
    switch (id & 0xc0) {
      case 0x00:
      case 0x40: {
        if (at + 3 > end) throw new DecodeError(`OBEX header 0x${hex(id)} truncated`, at);
        const len = view.getUint16(at + 1);
        if (len < 3 || at + len > end) throw new DecodeError(`OBEX header 0x${hex(id)} has bad length ${len}`, at + 1);
        const data = bytes.subarray(at + 3, at + len);
        if ((id & 0xc0) === 0x00) headers.push({ id, value: decodeUtf16Text(data, at + 3) });
        else if (id === OBEX_HDR.TYPE) headers.push({ id, value: decodeAsciiZ(data) });
        else headers.push({ id, value: data });
        at += len;
        break;
      }
      case 0x80:
        if (at + 2 > end) throw new DecodeError(`OBEX header 0x${hex(id)} truncated`, at);
        headers.push({ id, value: bytes[at + 1]! });
        at += 2;
        break;
      default:
        if (at + 5 > end) throw new DecodeError(`OBEX header 0x${hex(id)} truncated`, at);
        headers.push({ id, value: view.getUint32(at + 1) });
        at += 5;
    }
  }
  return headers;
}

function decodeUtf16Text(data: Uint8Array, offset: number): string {
  if (data.length % 2 !== 0) throw new DecodeError('OBEX text header of odd length', offset);
  let n = data.length / 2;
  // Liberal: the terminating null is optional on input.
  if (n > 0 && data[data.length - 2] === 0 && data[data.length - 1] === 0) n--;
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode((data[2 * i]! << 8) | data[2 * i + 1]!);
  return s;
}

function decodeAsciiZ(data: Uint8Array): string {
  let n = data.length;
  while (n > 0 && data[n - 1] === 0) n--;
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(data[i]!);
  return s;
}

/** The first header with this id, or undefined. */
export function findHeader(headers: readonly ObexHeader[], id: number): ObexHeader['value'] | undefined {
  for (const h of headers) if (h.id === id) return h.value;
  return undefined;
}

/** A packet whose length field is above the framer's maximum: refused as soon as the field arrives. */
export class ObexPacketTooLargeError extends DecodeError {
  constructor(
    readonly declaredLength: number,
    readonly maxLength: number,
  ) {
    super(`OBEX packet length ${declaredLength} above ${maxLength}`, 1);
    this.name = 'ObexPacketTooLargeError';
  }
}

/**
 * Cuts whole packets out of a byte stream using the length in bytes 1-2. Chunks may split or
 * merge packets arbitrarily. Throws DecodeError when a length below 3 is read, and its
 * ObexPacketTooLargeError when a length above `maxPacket` is read (before the packet's body
 * arrives, so at most one packet's worth plus the last chunk is ever held).
 */
export class ObexFramer {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxPacket: number = OBEX_MAX_PACKET) {}

  /** Bytes held that do not yet form a whole packet. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    while (this.buffered >= 3) {
      const len = this.peekLength();
      if (len < 3) throw new DecodeError(`OBEX packet length ${len} below 3`, 1);
      if (len > this.maxPacket) throw new ObexPacketTooLargeError(len, this.maxPacket);
      if (this.buffered < len) break;
      out.push(this.take(len));
    }
    return out;
  }

  reset(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  private byteAt(i: number): number {
    for (const c of this.chunks) {
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    return 0;
  }

  private peekLength(): number {
    return (this.byteAt(1) << 8) | this.byteAt(2);
  }

  private take(len: number): Uint8Array {
    const head = this.chunks[0]!;
    if (head.length >= len) {
      // Fast path: the packet lies within one chunk, no copy.
      const packet = head.subarray(0, len);
      if (head.length === len) this.chunks.shift();
      else this.chunks[0] = head.subarray(len);
      this.buffered -= len;
      return packet;
    }
    const packet = new Uint8Array(len);
    let filled = 0;
    while (filled < len) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, len - filled);
      packet.set(c.subarray(0, n), filled);
      filled += n;
      if (n === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(n);
    }
    this.buffered -= len;
    return packet;
  }
}
