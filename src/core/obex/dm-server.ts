/**
 * The OBEX server end of the OMA DM OBEX binding: answers CONNECT to Target SYNCML-DM with a
 * Connection-ID, takes each PUT as one DM message and serves the next reply on GET.
 * receive() = the next complete PUT, send() = the answer to the next GET.
 *
 * A PUT's object (Body and End-of-Body over continue packets, with its HTTP header) is refused
 * with 0xCD as soon as its announced Length or its bytes so far pass `maxMessageBytes`; messages
 * received and not yet read count against the same bound, and so do request packets queued
 * while an answer is being written. Each overflow fails the link with DEVICE_MESSAGE_TOO_LARGE
 * and closes the stream.
 */
import { KioskError, isKioskError } from '../errors';
import type { DmPayload, ReceiveOptions } from '../link';
import type { ByteStream } from './byte-stream';
import { OBEX_DM_WBXML, ObexDmLinkBase, SYNCML_DM_TARGET, type ObexDmRoleOptions, type Waiter } from './dm-link-base';
import { encodeHttpHeader, ObjectCollector, planPackets, tooLarge, type PlannedPacket } from './dm-object';
import {
  decodeObexPacket,
  findHeader,
  OBEX_HDR,
  OBEX_MAX_PACKET,
  OBEX_MIN_PACKET,
  OBEX_OP,
  OBEX_RSP,
  OBEX_SRM,
  OBEX_SRMP,
  OBEX_VERSION,
  type ObexHeader,
  type ObexRequest,
  type ObexResponse,
} from './packet';

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ObexDmServer extends ObexDmLinkBase {
  readonly role = 'server';

  private readonly serverConnectionId: number;
  private serverChain: Promise<void> = Promise.resolve();
  private put: (ObjectCollector & { srm: boolean; first: boolean }) | undefined;
  private get: { srm: boolean; type: string | undefined; started: boolean; ready: boolean } | undefined;
  private outgoing: { payload: DmPayload; waiter: Waiter<void>; packets?: PlannedPacket[]; next: number } | undefined;
  private messages: DmPayload[] = [];
  private messageBytes = 0;
  /** Bytes of request packets received and not yet handled. */
  private pendingRequestBytes = 0;
  private messageWaiters: Array<Waiter<DmPayload>> = [];

  constructor(stream: ByteStream, options: ObexDmRoleOptions = {}) {
    super(stream, 'server', options);
    this.serverConnectionId = options.connectionId ?? 1;
  }

  send(message: DmPayload): Promise<void> {
    return this.serialise(() => this.serverAnswerGet(message));
  }

  receive(options: ReceiveOptions = {}): Promise<DmPayload> {
    return this.serialise(() => this.serverNextPut(options));
  }

  protected async beforeClose(): Promise<void> {
    await this.serverChain.catch(() => undefined);
  }

  protected rejectWaiting(error: KioskError): void {
    for (const m of this.messageWaiters.splice(0)) this.settle(m, () => m.reject(error));
    const out = this.outgoing;
    this.outgoing = undefined;
    if (out) this.settle(out.waiter, () => out.waiter.reject(error));
  }

  /**
   * Requests wait their turn while an answer is being written; a peer that keeps sending and
   * does not read our answers would grow that queue without end, so it is bounded like a message.
   */
  protected onPacket(p: Uint8Array): void {
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
      return this.respond(OBEX_RSP.SERVICE_UNAVAILABLE, [], {
        version: OBEX_VERSION,
        flags: 0,
        maxPacketLength: this.localMax,
      });
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
      this.put = Object.assign(new ObjectCollector(Math.max(0, this.maxMessageBytes - this.messageBytes)), {
        srm,
        first: true,
      });
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
