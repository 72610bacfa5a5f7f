/**
 * Faults the reference device can be asked to show, as a typed list. The CLI spelling is a
 * comma-separated list: battery-low[:PCT], external-power, disconnect-at:N, corrupt-chunk:N,
 * install-fail, slow-reboot:MS, throttle:BAUD, wrong-credentials, call-in-progress, decline,
 * hostile-obex:huge-object|endless-reply|endless-packet.
 */
import type { ByteStream } from '../core/obex/byte-stream';
import {
  decodeObexPacket,
  encodeObexPacket,
  findHeader,
  ObexFramer,
  OBEX_HDR,
  OBEX_MAX_PACKET,
  OBEX_OP,
  OBEX_RSP,
  OBEX_SRM,
  OBEX_VERSION,
  type ObexHeader,
  type ObexRequest,
} from '../core/obex/packet';

/**
 * How a hostile phone abuses OBEX: `huge-object` offers one object of 1 GB (its Length header
 * says so) and streams it; `endless-reply` streams one reply that never ends and announces no
 * length; `endless-packet` announces a packet of the format's largest length and never stops
 * sending bytes.
 */
export type HostileObexMode = 'huge-object' | 'endless-reply' | 'endless-packet';
export const HOSTILE_OBEX_MODES: readonly HostileObexMode[] = ['huge-object', 'endless-reply', 'endless-packet'];
/** The size a `huge-object` phone offers: 1 GB. */
export const HOSTILE_OBJECT_BYTES = 1_000_000_000;

export type Fault =
  | { kind: 'battery-low'; percent: number }
  | { kind: 'external-power' }
  /** Close the link once N bytes of a package have been received. */
  | { kind: 'disconnect-at'; byte: number }
  /** Flip a byte in the N-th chunk (1-based) of a large object as it is stored. */
  | { kind: 'corrupt-chunk'; chunk: number }
  /** The install fails after the reboot (result 410). */
  | { kind: 'install-fail' }
  | { kind: 'slow-reboot'; ms: number }
  /** Reads limited to BAUD line rate (10 bits a byte). */
  | { kind: 'throttle'; baud: number }
  /** The device authenticates with a wrong password. */
  | { kind: 'wrong-credentials' }
  /** A voice call is in progress at start. */
  | { kind: 'call-in-progress' }
  /** The user declines every question. */
  | { kind: 'decline' }
  /** The phone's OBEX side floods the kiosk (see HostileObexMode). */
  | { kind: 'hostile-obex'; mode: HostileObexMode };

export type FaultKind = Fault['kind'];

export const DEFAULT_LOW_BATTERY_PERCENT = 12;

function positiveInt(kind: string, raw: string | undefined, allowZero = false): number {
  if (raw === undefined || !/^\d+$/.test(raw)) throw new Error(`fault ${kind} needs a number, e.g. ${kind}:1000`);
  const n = Number(raw);
  if (!allowZero && n <= 0) throw new Error(`fault ${kind} needs a number above 0`);
  return n;
}

/** Parse the CLI spelling; throws Error with a plain message on a bad item. */
export function parseFaults(text: string): Fault[] {
  const out: Fault[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const [kind, arg] = item.split(':', 2) as [string, string | undefined];
    switch (kind) {
      case 'battery-low': {
        const percent = arg === undefined ? DEFAULT_LOW_BATTERY_PERCENT : positiveInt(kind, arg, true);
        if (percent > 100) throw new Error('fault battery-low takes a percentage from 0 to 100');
        out.push({ kind, percent });
        break;
      }
      case 'external-power':
      case 'install-fail':
      case 'wrong-credentials':
      case 'call-in-progress':
      case 'decline':
        out.push({ kind });
        break;
      case 'disconnect-at':
        out.push({ kind, byte: positiveInt(kind, arg, true) });
        break;
      case 'corrupt-chunk':
        out.push({ kind, chunk: positiveInt(kind, arg) });
        break;
      case 'slow-reboot':
        out.push({ kind, ms: positiveInt(kind, arg, true) });
        break;
      case 'throttle':
        out.push({ kind, baud: positiveInt(kind, arg) });
        break;
      case 'hostile-obex': {
        const mode = HOSTILE_OBEX_MODES.find((m) => m === arg);
        if (!mode) throw new Error(`fault hostile-obex takes ${HOSTILE_OBEX_MODES.join(', ')}, e.g. hostile-obex:huge-object`);
        out.push({ kind, mode });
        break;
      }
      default:
        throw new Error(
          `unknown fault "${kind}" (known: battery-low, external-power, disconnect-at:N, corrupt-chunk:N, install-fail, slow-reboot:MS, throttle:BAUD, wrong-credentials, call-in-progress, decline, hostile-obex:MODE)`,
        );
    }
  }
  return out;
}

export function formatFaults(faults: readonly Fault[]): string {
  return faults
    .map((f) => {
      switch (f.kind) {
        case 'battery-low':
          return `battery-low:${f.percent}`;
        case 'disconnect-at':
          return `disconnect-at:${f.byte}`;
        case 'corrupt-chunk':
          return `corrupt-chunk:${f.chunk}`;
        case 'slow-reboot':
          return `slow-reboot:${f.ms}`;
        case 'throttle':
          return `throttle:${f.baud}`;
        case 'hostile-obex':
          return `hostile-obex:${f.mode}`;
        default:
          return f.kind;
      }
    })
    .join(',');
}

/** The active faults of one device; faults can be switched on and off while it runs. */
export class FaultSet {
  private readonly list: Fault[];

  constructor(faults: readonly Fault[] = []) {
    this.list = [...faults];
  }

  has(kind: FaultKind): boolean {
    return this.list.some((f) => f.kind === kind);
  }

  get<K extends FaultKind>(kind: K): Extract<Fault, { kind: K }> | undefined {
    return this.list.find((f) => f.kind === kind) as Extract<Fault, { kind: K }> | undefined;
  }

  set(fault: Fault): void {
    this.clear(fault.kind);
    this.list.push(fault);
  }

  clear(kind: FaultKind): void {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]?.kind === kind) this.list.splice(i, 1);
  }

  all(): readonly Fault[] {
    return [...this.list];
  }
}

/**
 * A token bucket that paces bytes to a line rate (10 bits a byte for 8N1): ptys have no baud
 * of their own, so the device side reads through this.
 */
export class ByteThrottle {
  private readonly bytesPerSecond: number;
  private available = 0;
  private last: number;

  constructor(
    baud: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.bytesPerSecond = baud / 10;
    this.last = this.now();
  }

  /** Resolves when `n` bytes may pass. */
  async take(n: number): Promise<void> {
    let need = n;
    // A burst of at most 50 ms worth of bytes keeps the pacing smooth without idling the line.
    const burst = Math.max(1, this.bytesPerSecond * 0.05);
    while (need > 0) {
      const t = this.now();
      this.available = Math.min(burst, this.available + ((t - this.last) / 1000) * this.bytesPerSecond);
      this.last = t;
      if (this.available >= 1) {
        const take = Math.min(need, Math.floor(this.available));
        this.available -= take;
        need -= take;
        continue;
      }
      await this.sleep(Math.max(1, Math.ceil(((1 - this.available) / this.bytesPerSecond) * 1000)));
    }
  }
}

export interface HostileObexPeerOptions {
  mode: HostileObexMode;
  /**
   * The phone's OBEX role. 'server' (the kiosk is the OBEX client, as on serial): it answers
   * CONNECT and PUT politely and floods the answer to the kiosk's GET. 'client' (the kiosk is
   * the OBEX server, as on USB): it CONNECTs and floods its first PUT.
   */
  role: 'server' | 'client';
  /** Body bytes per packet; default the largest that fits a 64 KiB packet. */
  bodyPerPacket?: number;
  /** Size of the `huge-object` offer (Length header and bytes sent); default HOSTILE_OBJECT_BYTES. */
  objectBytes?: number;
}

/**
 * A phone whose OBEX side sends more than any limit allows, for tests and benchmarks of the
 * kiosk's bounds. It writes as fast as the stream takes bytes (each write awaited, so it is
 * paced by the transport, not buffered here) and stops when the stream closes or refuses a write.
 */
export class HostileObexPeer {
  /** Bytes handed to the stream so far. */
  sentBytes = 0;
  private readonly framer = new ObexFramer(OBEX_MAX_PACKET);
  private stopped = false;
  private flooding = false;
  private readonly done: Promise<void>;
  private finish!: () => void;
  private chain: Promise<void> = Promise.resolve();
  private readonly bodyPerPacket: number;

  constructor(
    private readonly stream: ByteStream,
    private readonly options: HostileObexPeerOptions,
  ) {
    this.bodyPerPacket = Math.max(1, Math.min(options.bodyPerPacket ?? OBEX_MAX_PACKET - 64, OBEX_MAX_PACKET - 64));
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
    stream.onClose(() => this.stop());
    stream.onData((chunk) => {
      let packets: Uint8Array[];
      try {
        packets = this.framer.push(chunk);
      } catch {
        return;
      }
      for (const p of packets) this.chain = this.chain.then(() => this.onRequest(p)).catch(() => this.stop());
    });
    if (options.role === 'client') this.chain = this.chain.then(() => this.startAsClient()).catch(() => this.stop());
  }

  /** Resolves once the peer has stopped (the stream closed, or a write failed). */
  get stoppedPromise(): Promise<void> {
    return this.done;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finish();
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.stopped) throw new Error('stopped');
    await this.stream.write(bytes);
    this.sentBytes += bytes.length;
  }

  private async onRequest(raw: Uint8Array): Promise<void> {
    if (this.stopped || this.options.role !== 'server') return;
    let req: ObexRequest;
    try {
      req = decodeObexPacket(raw, 'request') as ObexRequest;
    } catch {
      return;
    }
    const respond = (code: number, headers: ObexHeader[] = [], connect?: boolean) =>
      this.write(
        encodeObexPacket({
          type: 'response',
          code,
          final: true,
          headers,
          ...(connect ? { connect: { version: OBEX_VERSION, flags: 0, maxPacketLength: OBEX_MAX_PACKET } } : {}),
        }),
      );
    switch (req.opcode) {
      case OBEX_OP.CONNECT:
        return respond(OBEX_RSP.SUCCESS, [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }], true);
      case OBEX_OP.PUT:
        return respond(req.final ? OBEX_RSP.SUCCESS : OBEX_RSP.CONTINUE);
      case OBEX_OP.GET: {
        if (this.flooding) return; // a GET without SRM asks for the next packet: the flood does not wait for it
        this.flooding = true;
        const srm = findHeader(req.headers, OBEX_HDR.SRM) === OBEX_SRM.ENABLE;
        void this.flood('response', srm).catch(() => this.stop());
        return;
      }
      default:
        return respond(OBEX_RSP.SUCCESS);
    }
  }

  private async startAsClient(): Promise<void> {
    const connect = encodeObexPacket({
      type: 'request',
      opcode: OBEX_OP.CONNECT,
      final: true,
      connect: { version: OBEX_VERSION, flags: 0, maxPacketLength: OBEX_MAX_PACKET },
      headers: [{ id: OBEX_HDR.TARGET, value: new TextEncoder().encode('SYNCML-DM') }],
    });
    await this.write(connect);
    // Whatever the kiosk answers (or whether it reads at all), the flood starts.
    await this.flood('request', true);
  }

  /** Stream one object's packets until the object (or forever) is sent, or the stream stops us. */
  private async flood(kind: 'request' | 'response', srm: boolean): Promise<void> {
    const mode = this.options.mode;
    if (mode === 'endless-packet') {
      // A length field of 65535 and then bytes without end: every later "packet" is more of the same.
      const junk = new Uint8Array(OBEX_MAX_PACKET).fill(0xff);
      junk[0] = kind === 'response' ? 0x90 : 0x02;
      await this.write(junk);
      for (;;) await this.write(junk);
    }
    const body = new Uint8Array(this.bodyPerPacket).fill(0x5a);
    const lead: ObexHeader[] = [{ id: OBEX_HDR.TYPE, value: 'application/vnd.syncml.dm+wbxml' }];
    if (kind === 'request') lead.unshift({ id: OBEX_HDR.CONNECTION_ID, value: 1 });
    const objectBytes = this.options.objectBytes ?? HOSTILE_OBJECT_BYTES;
    if (mode === 'huge-object') lead.push({ id: OBEX_HDR.LENGTH, value: objectBytes });
    if (srm) lead.push({ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE });
    const packet = (headers: ObexHeader[]): Uint8Array =>
      encodeObexPacket(
        kind === 'response'
          ? { type: 'response', code: OBEX_RSP.CONTINUE, final: true, headers }
          : { type: 'request', opcode: OBEX_OP.PUT, final: false, headers },
      );
    const first = packet([...lead, { id: OBEX_HDR.BODY, value: body }]);
    const next = packet([{ id: OBEX_HDR.BODY, value: body }]);
    await this.write(first);
    let sent = body.length;
    while (mode === 'endless-reply' || sent < objectBytes) {
      await this.write(next);
      sent += body.length;
    }
  }
}
