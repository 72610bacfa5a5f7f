/**
 * The OBEX client end of the OMA DM OBEX binding: CONNECT (Target SYNCML-DM) -> PUT the
 * message -> GET the reply -> ... -> DISCONNECT. send() = PUT, receive() = GET.
 *
 * Answers nobody has read yet, and the object a GET brings back (Body and End-of-Body over
 * continue packets, with its HTTP header), are bounded by `maxMessageBytes` while they arrive;
 * past it the link fails with DEVICE_MESSAGE_TOO_LARGE and the stream closes.
 */
import { KioskError, isKioskError } from '../errors';
import type { DmPayload, ReceiveOptions } from '../link';
import type { ByteStream } from './byte-stream';
import {
  OBEX_DM_NOTIFICATION,
  OBEX_DM_WBXML,
  ObexDmLinkBase,
  protocolError,
  rspName,
  SYNCML_DM_TARGET,
  type ObexDmRoleOptions,
  type Waiter,
} from './dm-link-base';
import { encodeHttpHeader, ObjectCollector, planPackets, tooLarge } from './dm-object';
import {
  decodeObexPacket,
  findHeader,
  OBEX_HDR,
  OBEX_MIN_PACKET,
  OBEX_OP,
  OBEX_RSP,
  OBEX_SRM,
  OBEX_VERSION,
  type ObexHeader,
  type ObexResponse,
} from './packet';

export class ObexDmClient extends ObexDmLinkBase {
  readonly role = 'client';

  private inbox: Uint8Array[] = [];
  private inboxBytes = 0;
  /** Wire size of the response nextResponse returned last. */
  private lastResponseLength = 0;
  private inboxWaiter: Waiter<Uint8Array> | undefined;
  /** The waiter above is for the first answer to an idle GET (which an abort may still withdraw). */
  private idleGetWaiting = false;
  private dmType: string;

  constructor(stream: ByteStream, options: ObexDmRoleOptions = {}) {
    super(stream, 'client', options);
    this.dmType = options.defaultContentType ?? OBEX_DM_WBXML;
  }

  send(message: DmPayload): Promise<void> {
    return this.serialise(() => this.clientPut(message));
  }

  receive(options: ReceiveOptions = {}): Promise<DmPayload> {
    return this.serialise(() => this.clientGet(options));
  }

  /** CONNECT now rather than on the first send or receive. */
  connect(): Promise<void> {
    return this.serialise(() => this.clientConnect());
  }

  protected async beforeClose(): Promise<void> {
    // An idle GET still unanswered would hold a DISCONNECT behind it: the stream just closes.
    if (!this.connected || this.fatal || this.idleGetWaiting) return;
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
  }

  protected rejectWaiting(error: KioskError): void {
    const w = this.inboxWaiter;
    this.inboxWaiter = undefined;
    if (w) this.settle(w, () => w.reject(error));
  }

  protected onPacket(p: Uint8Array): void {
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
  private async nextResponse(requestOpcode: number, timeoutMs?: number): Promise<ObexResponse> {
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
    if (this.connected) return;
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

  private async clientGet(options: ReceiveOptions): Promise<DmPayload> {
    await this.clientConnect();
    const idle = options.idle === true;
    // Withdrawn before it was asked: nothing went out, the link stays as it was.
    if (idle && options.signal?.aborted) throw new KioskError('CANCELLED');
    const headers: ObexHeader[] = [...this.connectionHeader(), { id: OBEX_HDR.TYPE, value: this.dmType }];
    if (this.srm) headers.push({ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE });
    await this.writePacket({ type: 'request', opcode: OBEX_OP.GET, final: true, headers });
    const collector = new ObjectCollector(this.maxMessageBytes);
    this.lastGetSrm = false;
    if (idle) {
      // The first answer waits for the peer to produce its reply: the caller's timeout applies.
      const first = await this.firstIdleAnswer(options);
      if (first !== 'withdrawn') return this.collectGet(collector, first);
      const late = await this.withdrawGet();
      if (late) return late;
      throw new KioskError('CANCELLED');
    }
    // An abort mid-exchange leaves the OBEX operation half done: the link cannot be reused.
    const onAbort = () => this.fail(new KioskError('CANCELLED'));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.collectGet(collector, await this.nextResponse(OBEX_OP.GET, options.timeoutMs));
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * The peer's first answer to an idle GET, or 'withdrawn' when the caller gives up before any
   * of it has arrived: that much can be undone cleanly (see withdrawGet).
   */
  private firstIdleAnswer(options: ReceiveOptions): Promise<ObexResponse | 'withdrawn'> {
    const signal = options.signal;
    return new Promise<ObexResponse | 'withdrawn'>((resolve, reject) => {
      const onAbort = (): void => {
        const w = this.inboxWaiter;
        if (!w || !this.idleGetWaiting) return;
        this.inboxWaiter = undefined;
        this.idleGetWaiting = false;
        this.settle(w, () => resolve('withdrawn'));
      };
      this.idleGetWaiting = true;
      this.nextResponse(OBEX_OP.GET, options.timeoutMs)
        .then(resolve, reject)
        .finally(() => {
          this.idleGetWaiting = false;
          signal?.removeEventListener('abort', onAbort);
        });
      // The GET went out while the caller may already have given up.
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Take back a GET the peer has not begun to answer: OBEX ABORT, then its answer. A peer that
   * began its reply just before the ABORT reached it either finished it (single response mode
   * streams the whole object first: it is returned, not lost) or drops it and sends it again on
   * the next GET (one packet at a time: the part received is discarded). Either way the next
   * operation starts on a clean link.
   */
  private async withdrawGet(): Promise<DmPayload | undefined> {
    await this.writePacket({ type: 'request', opcode: OBEX_OP.ABORT, final: true, headers: this.connectionHeader() });
    const collector = new ObjectCollector(this.maxMessageBytes);
    let begun = false;
    let srm = false;
    for (;;) {
      const rsp = await this.nextResponse(OBEX_OP.GET);
      const body = rsp.headers.some((h) => h.id === OBEX_HDR.BODY || h.id === OBEX_HDR.END_OF_BODY);
      if (!begun && !body && rsp.code === OBEX_RSP.SUCCESS) return undefined; // the ABORT's answer
      if (!begun) srm = this.srm && findHeader(rsp.headers, OBEX_HDR.SRM) === OBEX_SRM.ENABLE;
      begun = true;
      try {
        collector.add(rsp.headers, this.lastResponseLength);
      } catch (e) {
        throw isKioskError(e) ? this.overflow(e) : e;
      }
      if (rsp.code === OBEX_RSP.SUCCESS) {
        await this.nextResponse(OBEX_OP.ABORT); // the ABORT's answer follows the whole reply
        return collector.payload(this.dmType);
      }
      if (rsp.code !== OBEX_RSP.CONTINUE) throw this.failWith(protocolError(`OBEX GET answered ${rspName(rsp.code)}`));
      if (!srm) {
        await this.nextResponse(OBEX_OP.ABORT); // the peer took the ABORT instead of our next GET
        return undefined;
      }
    }
  }

  private async collectGet(collector: ObjectCollector, firstAnswer: ObexResponse): Promise<DmPayload> {
    let srmActive = false;
    let first = true;
    for (;;) {
      const rsp = first ? firstAnswer : await this.nextResponse(OBEX_OP.GET);
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
      if (!srmActive)
        await this.writePacket({
          type: 'request',
          opcode: OBEX_OP.GET,
          final: true,
          headers: this.connectionHeader(),
        });
    }
    return collector.payload(this.dmType);
  }
}
