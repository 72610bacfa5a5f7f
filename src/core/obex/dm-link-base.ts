/**
 * What both ends of the OMA DM OBEX binding share: the packet pump over the byte stream, the
 * negotiated packet length and Connection-ID, one operation at a time, the answer timeout on
 * the injected clock, and failing the link once with a KioskError. The roles (the OBEX client,
 * which PUTs and GETs, and the OBEX server, which answers them) build on it.
 *
 * Bytes from the peer are framed into packets no larger than the maximum this side announced:
 * a length field above it fails the link with DEVICE_MESSAGE_TOO_LARGE when it arrives and
 * closes the stream, so the device stops filling memory.
 */
import { systemClock, type Clock } from '../clock';
import { DM_LIMITS } from '../dm/limits';
import { KioskError, isKioskError } from '../errors';
import type { DmPayload, Link, LinkKind, ReceiveOptions } from '../link';
import type { ByteStream } from './byte-stream';
import { tooLarge } from './dm-object';
import {
  encodeObexPacket,
  ObexFramer,
  OBEX_FINAL,
  OBEX_MAX_PACKET,
  OBEX_MIN_PACKET,
  ObexPacketTooLargeError,
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
  /**
   * Drop the start of a packet when no byte of it has come for this long (off when absent): a
   * peer killed in the middle of writing a packet never sends its rest, and without this the
   * first bytes of whoever speaks next (a restarted kiosk's CONNECT) would be read as that rest.
   */
  partialPacketTimeoutMs?: number;
  /** Told when a partial packet was dropped, with how many bytes it held. */
  onPartialPacketDropped?(bytes: number): void;
}

/** The options of one role: the role itself is given by the class. */
export type ObexDmRoleOptions = Omit<ObexDmLinkOptions, 'role'>;

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

export interface Waiter<T> {
  resolve(v: T): void;
  reject(e: Error): void;
  timer?: unknown;
}

export function protocolError(detail: string): KioskError {
  return new KioskError('PROTOCOL_ERROR', { detail });
}

export function rspName(code: number): string {
  return `0x${(code | OBEX_FINAL).toString(16).toUpperCase()}`;
}

let linkCounter = 0;

export abstract class ObexDmLinkBase implements Link {
  readonly id: string;
  readonly kind: LinkKind;
  abstract readonly role: ObexRole;

  protected readonly clock: Clock;
  protected readonly localMax: number;
  protected readonly srm: boolean;
  protected readonly responseTimeoutMs: number;
  protected readonly maxMessageBytes: number;
  private readonly framer: ObexFramer;
  protected fatal: KioskError | undefined;
  private closing = false;
  protected connected = false;
  protected peerMax: number | undefined;
  protected connectionId: number | undefined;
  protected lastPutSrm = false;
  protected lastGetSrm = false;
  protected multiPacketOps = 0;
  protected srmOps = 0;
  private opChain: Promise<unknown> = Promise.resolve();
  private readonly partialPacketTimeoutMs: number | undefined;
  private readonly onPartialPacketDropped: ((bytes: number) => void) | undefined;
  private partialTimer: unknown;

  constructor(
    protected readonly stream: ByteStream,
    role: ObexRole,
    options: ObexDmRoleOptions,
  ) {
    this.id = options.id ?? `obex-${role}-${++linkCounter}`;
    this.kind = options.kind ?? 'serial';
    this.clock = options.clock ?? systemClock;
    this.localMax = Math.max(OBEX_MIN_PACKET, Math.min(OBEX_MAX_PACKET, Math.floor(options.maxPacketLength ?? OBEX_MAX_PACKET)));
    this.srm = options.srm ?? true;
    this.responseTimeoutMs = options.responseTimeoutMs ?? 60_000;
    this.maxMessageBytes = Math.max(0, Math.floor(options.maxMessageBytes ?? DM_LIMITS.maxMessageBytes));
    // Incoming packets may be as large as we announced, no larger: refused when the length arrives.
    this.framer = new ObexFramer(this.localMax);
    this.partialPacketTimeoutMs = options.partialPacketTimeoutMs;
    this.onPartialPacketDropped = options.onPartialPacketDropped;
    // ByteStreamEvents never calls back from inside onData/onClose (what came earlier is handed
    // over on a microtask), so the role's own fields are set before its first packet or close.
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

  protected sendPacketLength(): number {
    return Math.min(this.localMax, this.peerMax ?? OBEX_MIN_PACKET);
  }

  // ---------------------------------------------------------------- Link

  abstract send(message: DmPayload): Promise<void>;

  abstract receive(options?: ReceiveOptions): Promise<DmPayload>;

  async close(): Promise<void> {
    if (this.closing) return;
    await this.beforeClose();
    this.closing = true;
    this.fail(new KioskError('LINK_CLOSED'));
    await this.stream.close();
  }

  // ---------------------------------------------------------------- what each role adds

  /** One complete packet from the peer. */
  protected abstract onPacket(p: Uint8Array): void;

  /** Reject whatever the role keeps waiting, once the link has failed with `error`. */
  protected abstract rejectWaiting(error: KioskError): void;

  /** Finish the role's side of the conversation before the stream closes; must not throw. */
  protected abstract beforeClose(): Promise<void>;

  // ---------------------------------------------------------------- plumbing

  protected serialise<T>(op: () => Promise<T>): Promise<T> {
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

  protected fail(error: KioskError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.connected = false;
    if (this.partialTimer !== undefined) this.clock.clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    this.rejectWaiting(error);
  }

  protected failWith(err: KioskError): KioskError {
    this.fail(err);
    return err;
  }

  protected settle<T>(w: Waiter<T>, f: () => void): void {
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
    this.watchPartialPacket();
    for (const p of packets) {
      if (this.fatal) return;
      this.onPacket(p);
    }
  }

  /** (Re)start the wait for the rest of a packet begun; nothing to wait for when none is begun. */
  private watchPartialPacket(): void {
    const ms = this.partialPacketTimeoutMs;
    if (ms === undefined) return;
    if (this.partialTimer !== undefined) this.clock.clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    if (this.framer.pending === 0 || this.fatal) return;
    this.partialTimer = this.clock.setTimeout(() => {
      this.partialTimer = undefined;
      const dropped = this.framer.pending;
      if (dropped === 0 || this.fatal) return;
      this.framer.reset();
      this.onPartialPacketDropped?.(dropped);
    }, ms);
  }

  /** The peer sent more than allowed: fail the link and close the stream so it stops. */
  protected overflow(err: KioskError): KioskError {
    this.fail(err);
    void this.stream.close().catch(() => undefined);
    return err;
  }

  protected failFrom(e: unknown): void {
    this.fail(isKioskError(e) ? e : new KioskError('CABLE_UNPLUGGED', {}, { cause: e }));
  }

  /**
   * Hand one packet to the stream. A write the transport does not take within the response
   * timeout (the peer stopped reading, or the transport stalled) fails the link with
   * LINK_TIMEOUT and closes the stream, rather than waiting forever.
   */
  protected async writePacket(p: ObexRequest | ObexResponse): Promise<void> {
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
}
