/**
 * One DM message as an OBEX object: cut into packets that fit the peer's packet length when
 * sent, gathered from Body / End-of-Body, Length, Type and HTTP headers when received, within a
 * byte limit that holds while the packets arrive.
 */
import { KioskError } from '../errors';
import type { DmPayload } from '../link';
import { obexHeaderSize, OBEX_HDR, OBEX_MAX_PACKET, type ObexHeader } from './packet';

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder();

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === size) return chunks[0]!.slice();
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Transport headers (e.g. x-syncml-hmac) travel in the OBEX HTTP header as "name: value" lines. */
export function encodeHttpHeader(headers: Record<string, string> | undefined): ObexHeader | undefined {
  if (!headers) return undefined;
  const entries = Object.entries(headers);
  if (entries.length === 0) return undefined;
  const text = entries.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return { id: OBEX_HDR.HTTP, value: TEXT_ENCODER.encode(text) };
}

function decodeHttpHeader(value: unknown): Record<string, string> | undefined {
  if (!(value instanceof Uint8Array)) return undefined;
  const out: Record<string, string> = {};
  for (const line of TEXT_DECODER.decode(value).split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function tooLarge(detail: string): KioskError {
  return new KioskError('DEVICE_MESSAGE_TOO_LARGE', { detail });
}

const FIRST_BLOCK = 64 * 1024;
const MAX_BLOCK = 4 * 1024 * 1024;

/**
 * The body of one object, copied out of the packets as it arrives (so a peer's tiny packets
 * cannot pin large transport buffers), in blocks that never take it past `limit`. An announced
 * Length within the limit is reserved at once, so a well-behaved peer's body lands in one buffer.
 */
class BoundedBody {
  private blocks: Uint8Array[] = [];
  private current: Uint8Array | undefined;
  private used = 0;
  size = 0;

  constructor(private readonly limit: number) {}

  reserve(length: number): void {
    if (this.current === undefined && length > 0) this.current = new Uint8Array(Math.min(length, this.limit));
  }

  append(data: Uint8Array): void {
    let at = 0;
    while (at < data.length) {
      if (this.current === undefined || this.used === this.current.length) {
        if (this.current !== undefined) this.blocks.push(this.current);
        this.current = new Uint8Array(Math.min(Math.max(FIRST_BLOCK, this.size), MAX_BLOCK, this.limit - this.size));
        this.used = 0;
      }
      const n = Math.min(this.current.length - this.used, data.length - at);
      this.current.set(data.subarray(at, at + n), this.used);
      this.used += n;
      this.size += n;
      at += n;
    }
  }

  bytes(): Uint8Array {
    const cur = this.current;
    if (cur === undefined) return new Uint8Array(0);
    if (this.blocks.length === 0) return this.used === cur.length ? cur : cur.slice(0, this.used);
    return concat([...this.blocks, cur.subarray(0, this.used)], this.size);
  }
}

/**
 * Accumulates the body and metadata of one object spread over packets, within `limit` bytes
 * (body and HTTP header together), and within a wire budget that also bounds an endless run
 * of packets that carry no body: a peer over either bound gets DEVICE_MESSAGE_TOO_LARGE.
 */
export class ObjectCollector {
  private readonly body: BoundedBody;
  /** Bytes held: body plus HTTP header text. */
  held = 0;
  private wire = 0;
  private readonly wireLimit: number;
  type: string | undefined;
  headers: Record<string, string> | undefined;

  constructor(private readonly limit: number) {
    this.body = new BoundedBody(limit);
    // No peer's framing doubles an object: twice the limit is far beyond any honest overhead.
    this.wireLimit = 2 * limit + OBEX_MAX_PACKET;
  }

  /** Add one packet's headers; `packetLength` is its size on the wire. Throws DEVICE_MESSAGE_TOO_LARGE. */
  add(headers: readonly ObexHeader[], packetLength: number): void {
    this.wire += packetLength;
    if (this.wire > this.wireLimit) {
      throw tooLarge(`one object took more than ${this.wireLimit} bytes of packets, the limit is ${this.limit} bytes`);
    }
    for (const h of headers) {
      if ((h.id === OBEX_HDR.BODY || h.id === OBEX_HDR.END_OF_BODY) && h.value instanceof Uint8Array) {
        if (h.value.length > 0) {
          this.take(h.value.length);
          this.body.append(h.value);
        }
      } else if (h.id === OBEX_HDR.LENGTH && typeof h.value === 'number' && this.body.size === 0) {
        if (h.value > this.limit) throw tooLarge(`an object of ${h.value} bytes was offered, the limit is ${this.limit} bytes`);
        this.body.reserve(h.value);
      } else if (h.id === OBEX_HDR.TYPE && typeof h.value === 'string' && this.type === undefined) {
        this.type = h.value;
      } else if (h.id === OBEX_HDR.HTTP && h.value instanceof Uint8Array) {
        this.take(h.value.length);
        const parsed = decodeHttpHeader(h.value);
        if (parsed) this.headers = { ...this.headers, ...parsed };
      }
    }
  }

  private take(n: number): void {
    if (this.held + n > this.limit) throw tooLarge(`more than ${this.limit} bytes arrived in one object`);
    this.held += n;
  }

  payload(fallbackType: string): DmPayload {
    const p: DmPayload = { body: this.body.bytes(), contentType: this.type ?? fallbackType };
    if (this.headers) p.headers = this.headers;
    return p;
  }
}

/** One packet of a plan: its headers, and whether it ends the object. */
export interface PlannedPacket {
  headers: ObexHeader[];
  last: boolean;
}

/** Packet plan for one object: the leading headers go in the first packet, the body is cut to fit. */
export function planPackets(lead: ObexHeader[], body: Uint8Array, packetLength: number, prefix: number): PlannedPacket[] {
  const packets: PlannedPacket[] = [];
  let offset = 0;
  let headers = lead;
  for (;;) {
    let used = prefix;
    for (const h of headers) used += obexHeaderSize(h);
    const room = packetLength - used - 3;
    const remaining = body.length - offset;
    if (remaining <= room) {
      packets.push({
        headers: [...headers, { id: OBEX_HDR.END_OF_BODY, value: body.subarray(offset) }],
        last: true,
      });
      return packets;
    }
    if (room <= 0) {
      packets.push({ headers, last: false });
    } else {
      packets.push({
        headers: [...headers, { id: OBEX_HDR.BODY, value: body.subarray(offset, offset + room) }],
        last: false,
      });
      offset += room;
    }
    headers = [];
  }
}
