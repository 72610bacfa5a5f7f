/**
 * The OMA DM OBEX binding as a Link: CONNECT (Target SYNCML-DM) -> PUT the message -> GET the
 * reply -> ... -> DISCONNECT. Either end of a cable may be the OBEX client.
 *
 * Client role: send() = PUT, receive() = GET. Server role: receive() = the next complete PUT,
 * send() = the answer to the next GET. Packets are as large as both sides allow (the smaller
 * of the two announced maximum packet lengths, at most 64 KiB); single response mode (OBEX 1.5)
 * is used for an operation when both sides offer it, so bulk data streams without a round trip
 * per packet. Failures are KioskErrors: CABLE_UNPLUGGED (the stream ended mid-exchange),
 * LINK_TIMEOUT (no answer in time, measured on the injected clock), PROTOCOL_ERROR, and
 * DEVICE_MESSAGE_TOO_LARGE.
 *
 * Input from the peer is bounded while it arrives, never after: a packet whose length field is
 * above the maximum this side announced is refused when that field arrives; an object (Body and
 * End-of-Body over continue packets, with its HTTP header) is refused as soon as its announced
 * Length or its bytes so far pass `maxMessageBytes`; bytes received and not yet read (queued
 * packets, queued messages) never pass it either. Each overflow fails the link with
 * DEVICE_MESSAGE_TOO_LARGE and closes the stream, so the device stops filling memory.
 */
import { systemClock, type Clock } from '../clock';
import { DM_LIMITS } from '../dm/limits';
import { KioskError, isKioskError } from '../errors';
import type { DmPayload, Link, LinkKind, ReceiveOptions } from '../link';
import type { ByteStream } from './byte-stream';
import {
  decodeObexPacket,
  encodeObexPacket,
  findHeader,
  obexHeaderSize,
  ObexFramer,
  OBEX_FINAL,
  OBEX_HDR,
  OBEX_MAX_PACKET,
  OBEX_MIN_PACKET,
  OBEX_OP,
  OBEX_RSP,
  OBEX_SRM,
  OBEX_SRMP,
  OBEX_VERSION,
  ObexPacketTooLargeError,
  type ObexHeader,
  type ObexRequest,
  type ObexResponse,
} from './packet';

export const SYNCML_DM_TARGET = new Uint8Array([0x53, 0x59, 0x4e, 0x43, 0x4d, 0x4c, 0x2d, 0x44, 0x4d]); // "SYNCML-DM"
export const OBEX_DM_WBXML = 'application/vnd.syncml.dm+wbxml';
export const OBEX_DM_XML = 'application/vnd.syncml.dm+xml';
export const OBEX_DM_NOTIFICATION = 'application/vnd.syncml.notification';

export type ObexRole = 'client' | 'server';

export interface ObexDmLinkOptions {
  role: ObexRole;
  id?: string;
  /** What the stream runs over; default 'serial'. */
  kind?: LinkKind;
  /** Largest packet this side accepts, 255..65535; default 65535. */
  maxPacketLength?: number;
  /** Offer / accept OBEX 1.5 single response mode; default true. */
  srm?: boolean;
  clock?: Clock;
  /** How long to wait for each answer of the peer inside an exchange; default 60 s. */
  responseTimeoutMs?: number;
  /** Client: Type header of a GET before any message was sent; default WBXML. */
  defaultContentType?: string;
  /** Server: the Connection-ID handed out on CONNECT; default 1. */
  connectionId?: number;
  /**
   * Largest DM message (one OBEX object) accepted from the peer, in bytes: the receiver's
   * MaxMsgSize, or a ceiling for large-object chunks. Default: the codecs' limit (64 MiB).
   */
  maxMessageBytes?: number;
}

/** Statistics, for tests and benchmarks. */
export interface ObexDmLinkInfo {
  connected: boolean;
  /** Packet size used when sending (minimum of both sides). */
  sendPacketLength: number;
  peerMaxPacketLength: number | undefined;
  connectionId: number | undefined;
  /** Whether the last PUT / GET ran in single response mode. */
  lastPutSrm: boolean;
  lastGetSrm: boolean;
  /** Client role: PUTs and GETs so far whose object took more than one packet, and how many of those ran in single response mode. */
  multiPacketOperations: number;
  srmOperations: number;
}

interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
  timer?: unknown;
}

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder();

function protocolError(detail: string): KioskError {
  return new KioskError('PROTOCOL_ERROR', { detail });
}

function rspName(code: number): string {
  return `0x${(code | OBEX_FINAL).toString(16).toUpperCase()}`;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

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
function encodeHttpHeader(headers: Record<string, string> | undefined): ObexHeader | undefined {
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

function tooLarge(detail: string): KioskError {
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
class ObjectCollector {
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

/** Packet plan for one object: the leading headers go in the first packet, the body is cut to fit. */
function planPackets(
  lead: ObexHeader[],
  body: Uint8Array,
  packetLength: number,
  prefix: number,
): Array<{ headers: ObexHeader[]; last: boolean }> {
  const packets: Array<{ headers: ObexHeader[]; last: boolean }> = [];
  let offset = 0;
  let headers = lead;
  for (;;) {
    let used = prefix;
    for (const h of headers) used += obexHeaderSize(h);
    const room = packetLength - used - 3;
    const remaining = body.length - offset;
    if (remaining <= room) {
      packets.push({ headers: [...headers, { id: OBEX_HDR.END_OF_BODY, value: body.subarray(offset) }], last: true });
      return packets;
    }
    if (room <= 0) {
      packets.push({ headers, last: false });
    } else {
      packets.push({ headers: [...headers, { id: OBEX_HDR.BODY, value: body.subarray(offset, offset + room) }], last: false });
      offset += room;
    }
    headers = [];
  }
}

let linkCounter = 0;

export class ObexDmLink implements Link {
  readonly id: string;
  readonly kind: LinkKind;
  readonly role: ObexRole;

  private readonly clock: Clock;
  private readonly localMax: number;
  private readonly srm: boolean;
  private readonly responseTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly framer: ObexFramer;
  private fatal: KioskError | undefined;
  private closing = false;
  private connected = false;
  private peerMax: number | undefined;
  private connectionId: number | undefined;
  private lastPutSrm = false;
  private lastGetSrm = false;
  private multiPacketOps = 0;
  private srmOps = 0;
  private opChain: Promise<unknown> = Promise.resolve();

  // client side
  private inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  /** Wire size of the response nextResponse returned last. */
  private lastResponseLength = 0;
  private inboxWaiter: Waiter<Uint8Array> | undefined;
  private dmType: string;

  // server side
  private readonly serverConnectionId: number;
  private serverChain: Promise<void> = Promise.resolve();
  private put: (ObjectCollector & { srm: boolean; first: boolean }) | undefined;
  private get: { srm: boolean; type: string | undefined; started: boolean; ready: boolean } | undefined;
  private outgoing: { payload: DmPayload; waiter: Waiter<void>; packets?: Array<{ headers: ObexHeader[]; last: boolean }>; next: number } | undefined;
  private messages: DmPayload[] = [];
  private messageBytes = 0;
  /** Bytes of request packets received and not yet handled. */
  private pendingRequestBytes = 0;
  private messageWaiters: Array<Waiter<DmPayload>> = [];

  constructor(
    private readonly stream: ByteStream,
    options: ObexDmLinkOptions,
  ) {
    this.role = options.role;
    this.id = options.id ?? `obex-${options.role}-${++linkCounter}`;
    this.kind = options.kind ?? 'serial';
    this.clock = options.clock ?? systemClock;
    this.localMax = Math.max(OBEX_MIN_PACKET, Math.min(OBEX_MAX_PACKET, Math.floor(options.maxPacketLength ?? OBEX_MAX_PACKET)));
    this.srm = options.srm ?? true;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
    this.dmType = options.defaultContentType ?? OBEX_DM_WBXML;
    this.serverConnectionId = options.connectionId ?? 1;
    this.maxMessageBytes = Math.max(0, Math.floor(options.maxMessageBytes ?? DM_LIMITS.maxMessageBytes));
    // Incoming packets may be as large as we announced, no larger: refused when the length arrives.
    this.framer = new ObexFramer(this.localMax);
    stream.onData((chunk) => this.onData(chunk));
    stream.onClose((error) => {
      if (this.closing) this.fail(new KioskError('LINK_CLOSED'));
      else if (isKioskError(error) && error.code === 'DEVICE_MESSAGE_TOO_LARGE') this.fail(error);
      else this.fail(new KioskError('CABLE_UNPLUGGED', {}, { cause: error }));
    });
  }

  get info(): ObexDmLinkInfo {
    return {
      connected: this.connected,
      sendPacketLength: this.sendPacketLength(),
      peerMaxPacketLength: this.peerMax,
      connectionId: this.connectionId,
      lastPutSrm: this.lastPutSrm,
      lastGetSrm: this.lastGetSrm,
      multiPacketOperations: this.multiPacketOps,
      srmOperations: this.srmOps,
    };
  }

  private sendPacketLength(): number {
    return Math.min(this.localMax, this.peerMax ?? OBEX_MIN_PACKET);
  }

  // ---------------------------------------------------------------- Link

  send(message: DmPayload): Promise<void> {
    return this.serialise(() => (this.role === 'client' ? this.clientPut(message) : this.serverAnswerGet(message)));
  }

  receive(options: ReceiveOptions = {}): Promise<DmPayload> {
    return this.serialise(() => (this.role === 'client' ? this.clientGet(options) : this.serverNextPut(options)));
  }

  /** Client: CONNECT now rather than on the first send or receive. */
  connect(): Promise<void> {
    return this.serialise(() => this.clientConnect());
  }

  async close(): Promise<void> {
    if (this.closing) return;
    if (this.role === 'client' && this.connected && !this.fatal) {
      try {
        await this.serialise(async () => {
          const headers: ObexHeader[] = this.connectionId !== undefined ? [{ id: OBEX_HDR.CONNECTION_ID, value: this.connectionId }] : [];
          await this.writePacket({ type: 'request', opcode: OBEX_OP.DISCONNECT, final: true, headers });
          await this.nextResponse(OBEX_OP.DISCONNECT, Math.min(this.responseTimeoutMs, 5_000));
          this.connected = false;
        });
      } catch {
        // The peer may already be gone: closing goes on regardless.
      }
    } else if (this.role === 'server') {
      await this.serverChain.catch(() => undefined);
    }
    this.closing = true;
    this.fail(new KioskError('LINK_CLOSED'));
    await this.stream.close();
  }

  // ---------------------------------------------------------------- plumbing

  private serialise<T>(op: () => Promise<T>): Promise<T> {
    const run = this.opChain.then(
      () => {
        if (this.fatal) throw this.fatal;
        return op();
      },
      () => {
        if (this.fatal) throw this.fatal;
        return op();
      },
    );
    this.opChain = run.catch(() => undefined);
    return run;
  }

  private fail(error: KioskError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.connected = false;
    const w = this.inboxWaiter;
    this.inboxWaiter = undefined;
    if (w) this.settle(w, () => w.reject(error));
    for (const m of this.messageWaiters.splice(0)) this.settle(m, () => m.reject(error));
    const out = this.outgoing;
    this.outgoing = undefined;
    if (out) this.settle(out.waiter, () => out.waiter.reject(error));
  }

  private settle<T>(w: Waiter<T>, f: () => void): void {
    if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
    f();
  }

  private onData(chunk: Uint8Array): void {
    if (this.fatal) return;
    let packets: Uint8Array[];
    try {
      packets = this.framer.push(chunk);
    } catch (e) {
      if (e instanceof ObexPacketTooLargeError) {
        this.overflow(tooLarge(`a packet of ${e.declaredLength} bytes was announced, the limit is ${e.maxLength} bytes`));
      } else {
        this.fail(isKioskError(e) ? e : protocolError(String(e)));
        void this.stream.close().catch(() => undefined);
      }
      return;
    }
    for (const p of packets) {
      if (this.fatal) return;
      if (this.role === 'client') this.deliverResponse(p);
      else this.queueRequest(p);
    }
  }

  /**
   * Requests wait their turn while an answer is being written; a peer that keeps sending and
   * does not read our answers would grow that queue without end, so it is bounded like a message.
   */
  private queueRequest(p: Uint8Array): void {
    if (this.pendingRequestBytes + p.length > this.maxMessageBytes + this.localMax) {
      this.overflow(tooLarge(`more than ${this.maxMessageBytes} bytes of requests arrived while an answer was still being sent`));
      return;
    }
    this.pendingRequestBytes += p.length;
    this.serverChain = this.serverChain
      .then(() => {
        this.pendingRequestBytes -= p.length;
        return this.handleRequest(p);
      })
      .catch((e: unknown) => this.failFrom(e));
  }

  /** The peer sent more than allowed: fail the link and close the stream so it stops. */
  private overflow(err: KioskError): KioskError {
    this.fail(err);
    void this.stream.close().catch(() => undefined);
    return err;
  }

  private failFrom(e: unknown): void {
    this.fail(isKioskError(e) ? e : new KioskError('CABLE_UNPLUGGED', {}, { cause: e }));
  }

  /**
   * Hand one packet to the stream. A write the transport does not take within the response
   * timeout (the peer stopped reading, or the transport stalled) fails the link with
   * LINK_TIMEOUT and closes the stream, rather than waiting forever.
   */
  private async writePacket(p: ObexRequest | ObexResponse): Promise<void> {
    const bytes = encodeObexPacket(p);
    let timer: unknown;
    let timedOut = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const ms = this.responseTimeoutMs;
        if (ms > 0 && Number.isFinite(ms)) {
          timer = this.clock.setTimeout(() => {
            timer = undefined;
            timedOut = true;
            reject(new KioskError('LINK_TIMEOUT'));
          }, ms);
        }
        this.stream.write(bytes).then(resolve, reject);
      });
    } catch (e) {
      const err = this.fatal ?? (timedOut && isKioskError(e) ? e : new KioskError('CABLE_UNPLUGGED', {}, { cause: e }));
      this.fail(err);
      if (timedOut) void this.stream.close().catch(() => undefined);
      throw err;
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
  }

  // ---------------------------------------------------------------- client

  private deliverResponse(p: Uint8Array): void {
    const w = this.inboxWaiter;
    if (w) {
      this.inboxWaiter = undefined;
      this.settle(w, () => w.resolve(p));
    } else if (this.inboxBytes + p.length > this.maxMessageBytes + this.localMax) {
      // Answers nobody has read yet are bounded like a message: a peer that streams regardless stops here.
      this.overflow(tooLarge(`more than ${this.maxMessageBytes} bytes of answers arrived unread`));
    } else {
      this.inbox.push(p);
      this.inboxBytes += p.length;
    }
  }

  /** The next response packet; a timeout or abort leaves the exchange broken, so the link fails. */
  private async nextResponse(requestOpcode: number, timeoutMs?: number, signal?: AbortSignal): Promise<ObexResponse> {
    const raw = await new Promise<Uint8Array>((resolve, reject) => {
      if (this.fatal) return reject(this.fatal);
      const queued = this.inbox.shift();
      if (queued) {
        this.inboxBytes -= queued.length;
        return resolve(queued);
      }
      const w: Waiter<Uint8Array> = { resolve, reject };
      const ms = timeoutMs ?? this.responseTimeoutMs;
      if (ms > 0 && Number.isFinite(ms)) w.timer = this.clock.setTimeout(() => this.fail(new KioskError('LINK_TIMEOUT')), ms);
      if (signal?.aborted) return reject(new KioskError('CANCELLED'));
      this.inboxWaiter = w;
    });
    try {
      const rsp = decodeObexPacket(raw, 'response', { requestOpcode }) as ObexResponse;
      this.lastResponseLength = raw.length;
      return rsp;
    } catch (e) {
      this.failFrom(e);
      throw e;
    }
  }

  private async clientConnect(): Promise<void> {
    if (this.role !== 'client' || this.connected) return;
    await this.writePacket({
      type: 'request',
      opcode: OBEX_OP.CONNECT,
      final: true,
      connect: { version: OBEX_VERSION, flags: 0, maxPacketLength: this.localMax },
      headers: [{ id: OBEX_HDR.TARGET, value: SYNCML_DM_TARGET }],
    });
    const rsp = await this.nextResponse(OBEX_OP.CONNECT);
    if (rsp.code !== OBEX_RSP.SUCCESS) {
      const err = protocolError(`OBEX CONNECT to SYNCML-DM answered ${rspName(rsp.code)}`);
      this.fail(err);
      throw err;
    }
    this.peerMax = Math.max(OBEX_MIN_PACKET, rsp.connect?.maxPacketLength ?? OBEX_MIN_PACKET);
    const cid = findHeader(rsp.headers, OBEX_HDR.CONNECTION_ID);
    this.connectionId = typeof cid === 'number' ? cid : undefined;
    this.connected = true;
  }

  private connectionHeader(): ObexHeader[] {
    return this.connectionId !== undefined ? [{ id: OBEX_HDR.CONNECTION_ID, value: this.connectionId }] : [];
  }

  private async clientPut(message: DmPayload): Promise<void> {
    await this.clientConnect();
    if (message.contentType !== OBEX_DM_NOTIFICATION) this.dmType = message.contentType;
    const lead: ObexHeader[] = [
      ...this.connectionHeader(),
      { id: OBEX_HDR.TYPE, value: message.contentType },
      { id: OBEX_HDR.LENGTH, value: message.body.length },
    ];
    const http = encodeHttpHeader(message.headers);
    if (http) lead.push(http);
    if (this.srm) lead.push({ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE });
    const plan = planPackets(lead, message.body, this.sendPacketLength(), 3);
    let srmActive = false;
    this.lastPutSrm = false;
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i]!;
      await this.writePacket({ type: 'request', opcode: OBEX_OP.PUT, final: p.last, headers: p.headers });
      if (p.last) break;
      if (srmActive) continue;
      const rsp = await this.nextResponse(OBEX_OP.PUT);
      if (rsp.code !== OBEX_RSP.CONTINUE) throw this.failWith(protocolError(`OBEX PUT answered ${rspName(rsp.code)}`));
      if (i === 0) this.multiPacketOps++;
      if (i === 0 && this.srm && findHeader(rsp.headers, OBEX_HDR.SRM) === OBEX_SRM.ENABLE) {
        srmActive = true;
        this.lastPutSrm = true;
        this.srmOps++;
      }
    }
    const final = await this.nextResponse(OBEX_OP.PUT);
    if (final.code !== OBEX_RSP.SUCCESS && final.code !== OBEX_RSP.CREATED && final.code !== OBEX_RSP.ACCEPTED) {
      throw this.failWith(protocolError(`OBEX PUT answered ${rspName(final.code)}`));
    }
  }

  private failWith(err: KioskError): KioskError {
    this.fail(err);
    return err;
  }

  private async clientGet(options: ReceiveOptions): Promise<DmPayload> {
    await this.clientConnect();
    const headers: ObexHeader[] = [...this.connectionHeader(), { id: OBEX_HDR.TYPE, value: this.dmType }];
    if (this.srm) headers.push({ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE });
    await this.writePacket({ type: 'request', opcode: OBEX_OP.GET, final: true, headers });
    const collector = new ObjectCollector(this.maxMessageBytes);
    this.lastGetSrm = false;
    // An abort mid-exchange leaves the OBEX operation half done: the link cannot be reused.
    const onAbort = () => this.fail(new KioskError('CANCELLED'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.collectGet(collector, options);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private async collectGet(collector: ObjectCollector, options: ReceiveOptions): Promise<DmPayload> {
    let srmActive = false;
    let first = true;
    for (;;) {
      // The first answer waits for the peer to produce its reply: the caller's timeout applies.
      const rsp = await this.nextResponse(OBEX_OP.GET, first ? options.timeoutMs : undefined, options.signal);
      try {
        collector.add(rsp.headers, this.lastResponseLength);
      } catch (e) {
        throw isKioskError(e) ? this.overflow(e) : e;
      }
      if (rsp.code === OBEX_RSP.SUCCESS) break;
      if (rsp.code !== OBEX_RSP.CONTINUE) throw this.failWith(protocolError(`OBEX GET answered ${rspName(rsp.code)}`));
      if (first) this.multiPacketOps++;
      if (first && this.srm && findHeader(rsp.headers, OBEX_HDR.SRM) === OBEX_SRM.ENABLE) {
        srmActive = true;
        this.lastGetSrm = true;
        this.srmOps++;
      }
      first = false;
      if (!srmActive) await this.writePacket({ type: 'request', opcode: OBEX_OP.GET, final: true, headers: this.connectionHeader() });
    }
    return collector.payload(this.dmType);
  }

  // ---------------------------------------------------------------- server

  private respond(code: number, headers: ObexHeader[] = [], connect?: ObexResponse['connect']): Promise<void> {
    const p: ObexResponse = { type: 'response', code, final: true, headers };
    if (connect) p.connect = connect;
    return this.writePacket(p);
  }

  private async handleRequest(raw: Uint8Array): Promise<void> {
    if (this.fatal) return;
    const req = decodeObexPacket(raw, 'request') as ObexRequest;
    switch (req.opcode) {
      case OBEX_OP.CONNECT:
        return this.onConnect(req);
      case OBEX_OP.DISCONNECT:
        this.connected = false;
        this.put = undefined;
        this.get = undefined;
        return this.respond(OBEX_RSP.SUCCESS);
      case OBEX_OP.ABORT:
        this.put = undefined;
        if (this.get) this.get = undefined;
        if (this.outgoing) {
          this.outgoing.packets = undefined;
          this.outgoing.next = 0;
        }
        return this.respond(OBEX_RSP.SUCCESS);
      case OBEX_OP.PUT:
        return this.onPut(req, raw.length);
      case OBEX_OP.GET:
        return this.onGet(req);
      default:
        return this.respond(OBEX_RSP.NOT_IMPLEMENTED);
    }
  }

  private async onConnect(req: ObexRequest): Promise<void> {
    const target = findHeader(req.headers, OBEX_HDR.TARGET);
    if (!(target instanceof Uint8Array) || !equalBytes(target, SYNCML_DM_TARGET)) {
      return this.respond(OBEX_RSP.SERVICE_UNAVAILABLE, [], { version: OBEX_VERSION, flags: 0, maxPacketLength: this.localMax });
    }
    if (this.connected) this.dropConnection();
    this.peerMax = Math.max(OBEX_MIN_PACKET, Math.min(OBEX_MAX_PACKET, req.connect?.maxPacketLength ?? OBEX_MIN_PACKET));
    this.connectionId = this.serverConnectionId;
    this.connected = true;
    this.put = undefined;
    this.get = undefined;
    await this.respond(
      OBEX_RSP.SUCCESS,
      [
        { id: OBEX_HDR.CONNECTION_ID, value: this.serverConnectionId },
        { id: OBEX_HDR.WHO, value: SYNCML_DM_TARGET },
      ],
      { version: OBEX_VERSION, flags: 0, maxPacketLength: this.localMax },
    );
  }

  /**
   * A CONNECT while connected: the peer started over (e.g. a restarted kiosk). A reply still
   * waiting for the old connection's GET, and its messages not yet read, belong to a peer that is
   * gone; the reply's sender learns it (SESSION_ABORTED) at once instead of after a timeout.
   */
  private dropConnection(): void {
    const stale = this.outgoing;
    this.outgoing = undefined;
    if (stale) this.settle(stale.waiter, () => stale.waiter.reject(new KioskError('SESSION_ABORTED', { detail: 'the other side connected again' })));
    this.messages = [];
    this.messageBytes = 0;
  }

  /** Whether a request belongs to our connection (liberal: a missing Connection-ID is accepted). */
  private ours(req: ObexRequest): boolean {
    if (!this.connected) return false;
    const cid = findHeader(req.headers, OBEX_HDR.CONNECTION_ID);
    return cid === undefined || cid === this.serverConnectionId;
  }

  private async onPut(req: ObexRequest, rawLength: number): Promise<void> {
    if (!this.put && !this.ours(req)) return this.respond(OBEX_RSP.SERVICE_UNAVAILABLE);
    let started = false;
    if (!this.put) {
      const srm = this.srm && findHeader(req.headers, OBEX_HDR.SRM) === OBEX_SRM.ENABLE;
      // Messages received and not yet read count against the same bound.
      this.put = Object.assign(new ObjectCollector(Math.max(0, this.maxMessageBytes - this.messageBytes)), { srm, first: true });
      started = true;
      this.lastPutSrm = srm;
    }
    const put = this.put;
    try {
      put.add(req.headers, rawLength);
    } catch (e) {
      if (!isKioskError(e)) throw e;
      // Say why (0xCD) without waiting on a peer that may not read, then close.
      this.put = undefined;
      this.fail(e);
      void this.respond(OBEX_RSP.ENTITY_TOO_LARGE)
        .catch(() => undefined)
        .finally(() => void this.stream.close().catch(() => undefined));
      return;
    }
    if (req.final) {
      this.put = undefined;
      const payload = put.payload(OBEX_DM_WBXML);
      await this.respond(OBEX_RSP.SUCCESS);
      this.deliverMessage(payload);
      return;
    }
    if (put.srm && !started && findHeader(req.headers, OBEX_HDR.SRMP) !== OBEX_SRMP.WAIT) return;
    await this.respond(OBEX_RSP.CONTINUE, started && put.srm ? [{ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE }] : []);
  }

  private deliverMessage(payload: DmPayload): void {
    const w = this.messageWaiters.shift();
    if (w) this.settle(w, () => w.resolve(payload));
    else {
      this.messages.push(payload);
      this.messageBytes += payload.body.length;
    }
  }

  private async onGet(req: ObexRequest): Promise<void> {
    if (!this.get) {
      if (!this.ours(req)) return this.respond(OBEX_RSP.SERVICE_UNAVAILABLE);
      const type = findHeader(req.headers, OBEX_HDR.TYPE);
      this.get = {
        srm: this.srm && findHeader(req.headers, OBEX_HDR.SRM) === OBEX_SRM.ENABLE,
        type: typeof type === 'string' ? type : undefined,
        started: false,
        ready: req.final,
      };
      // A GET whose request headers span packets: acknowledge until its final packet.
      if (!req.final) return this.respond(OBEX_RSP.CONTINUE);
    } else if (!this.get.ready) {
      this.get.ready = req.final;
      if (!req.final) return this.respond(OBEX_RSP.CONTINUE);
    }
    await this.serveGet();
  }

  /** Answer the pending GET from the queued reply, if both are there. */
  private async serveGet(): Promise<void> {
    const get = this.get;
    const out = this.outgoing;
    if (!get || !get.ready || !out || this.fatal) return;
    if (!out.packets) {
      const lead: ObexHeader[] = [
        { id: OBEX_HDR.TYPE, value: out.payload.contentType },
        { id: OBEX_HDR.LENGTH, value: out.payload.body.length },
      ];
      const http = encodeHttpHeader(out.payload.headers);
      if (http) lead.push(http);
      if (get.srm) lead.push({ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE });
      out.packets = planPackets(lead, out.payload.body, this.sendPacketLength(), 3);
      out.next = 0;
      this.lastGetSrm = get.srm;
    }
    get.started = true;
    for (;;) {
      const p = out.packets[out.next++]!;
      await this.respond(p.last ? OBEX_RSP.SUCCESS : OBEX_RSP.CONTINUE, p.headers);
      if (this.outgoing !== out) return; // failed or aborted meanwhile
      if (out.waiter.timer !== undefined) {
        // Progress: the peer is taking the data, restart its answer timer.
        this.clock.clearTimeout(out.waiter.timer);
        out.waiter.timer = this.clock.setTimeout(() => this.fail(new KioskError('LINK_TIMEOUT')), this.responseTimeoutMs);
      }
      if (p.last) {
        this.outgoing = undefined;
        this.get = undefined;
        this.settle(out.waiter, () => out.waiter.resolve());
        return;
      }
      if (!get.srm) return; // wait for the next GET packet
    }
  }

  private serverAnswerGet(message: DmPayload): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<void> = { resolve, reject };
      waiter.timer = this.clock.setTimeout(() => this.fail(new KioskError('LINK_TIMEOUT')), this.responseTimeoutMs);
      this.outgoing = { payload: message, waiter, next: 0 };
      // Serve through the request chain so responses never interleave.
      this.serverChain = this.serverChain.then(() => this.serveGet()).catch((e: unknown) => this.failFrom(e));
    });
  }

  private serverNextPut(options: ReceiveOptions): Promise<DmPayload> {
    return new Promise<DmPayload>((resolve, reject) => {
      const queued = this.messages.shift();
      if (queued) {
        this.messageBytes -= queued.body.length;
        return resolve(queued);
      }
      if (options.signal?.aborted) return reject(new KioskError('CANCELLED'));
      const w: Waiter<DmPayload> = { resolve, reject };
      const drop = (err: KioskError) => {
        const i = this.messageWaiters.indexOf(w);
        if (i >= 0) this.messageWaiters.splice(i, 1);
        this.settle(w, () => reject(err));
      };
      if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
        w.timer = this.clock.setTimeout(() => drop(new KioskError('LINK_TIMEOUT')), options.timeoutMs);
      }
      options.signal?.addEventListener('abort', () => drop(new KioskError('CANCELLED')), { once: true });
      this.messageWaiters.push(w);
    });
  }
}
