/**
 * Faults the reference device can be asked to show, as a typed list. The CLI spelling is a
 * comma-separated list: battery-low[:PCT], external-power, disconnect-at:N, corrupt-chunk:N,
 * install-fail, slow-reboot:MS, throttle:BAUD, wrong-credentials, call-in-progress, decline.
 */
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
  | { kind: 'decline' };

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
      default:
        throw new Error(
          `unknown fault "${kind}" (known: battery-low, external-power, disconnect-at:N, corrupt-chunk:N, install-fail, slow-reboot:MS, throttle:BAUD, wrong-credentials, call-in-progress, decline)`,
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
