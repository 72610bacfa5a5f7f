import { KioskError } from '../errors';

/**
 * A duplex byte pipe under OBEX: a serial port, a USB bulk pipe pair, a child's stdio, or
 * memory in tests. Writes resolve when the bytes are handed to the transport (in order).
 */
export interface ByteStream {
  write(bytes: Uint8Array): Promise<void>;
  /** Called with each chunk as it arrives, in order. */
  onData(cb: (bytes: Uint8Array) => void): void;
  /** Called once when the stream ends, by either side; `error` when it broke. */
  onClose(cb: (error?: Error) => void): void;
  close(): Promise<void>;
}

/**
 * Base for ByteStream implementations: fan-out of data and close callbacks, close once.
 * Bytes that arrive before anyone listens (a transport starts reading as soon as it opens, the
 * link attaches a moment later) are held, up to `maxHeldBytes`, and handed to the first data
 * listener in order, before anything newer; a close that comes meanwhile is reported after them.
 * Past the bound the held bytes are dropped and the stream closes with DEVICE_MESSAGE_TOO_LARGE
 * (through `overflow`, which a transport overrides to stop reading from the device too).
 */
export class ByteStreamEvents {
  private dataCbs: Array<(bytes: Uint8Array) => void> = [];
  private closeCbs: Array<(error?: Error) => void> = [];
  private closedWith: { error?: Error } | undefined;
  /** Chunks waiting for the first data listener (or for the flush that hands them over). */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private flushing = false;
  private closeAfterFlush = false;

  /** Most bytes held for a listener that has not come yet; past it the stream closes with an error. */
  protected maxHeldBytes = 16 * 1024 * 1024;

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataCbs.push(cb);
    if (this.dataCbs.length === 1 && this.held.length > 0 && !this.flushing) {
      // Hand the held bytes over once the caller has finished wiring itself up.
      this.flushing = true;
      queueMicrotask(() => this.flush());
    }
  }

  onClose(cb: (error?: Error) => void): void {
    if (this.closedWith && !this.closeAfterFlush) {
      const e = this.closedWith.error;
      queueMicrotask(() => cb(e));
      return;
    }
    this.closeCbs.push(cb);
  }

  emitData(bytes: Uint8Array): void {
    if (this.closedWith) return;
    if (this.dataCbs.length === 0 || this.flushing) {
      // Checked before holding: the buffer never grows past its bound.
      if (this.heldBytes + bytes.length > this.maxHeldBytes) {
        this.held = [];
        this.heldBytes = 0;
        this.overflow(
          new KioskError('DEVICE_MESSAGE_TOO_LARGE', { detail: `more than ${this.maxHeldBytes} bytes arrived with nobody reading` }),
        );
        return;
      }
      this.held.push(bytes);
      this.heldBytes += bytes.length;
      return;
    }
    for (const cb of this.dataCbs) cb(bytes);
  }

  /** Bytes held for a listener, for tests. */
  get heldByteCount(): number {
    return this.heldBytes;
  }

  /** More arrived than may be held: close with `error`. Transports also stop reading from the device. */
  protected overflow(error: KioskError): void {
    this.emitClose(error);
  }

  emitClose(error?: Error): void {
    if (this.closedWith) return;
    this.closedWith = error ? { error } : {};
    if (this.flushing) {
      this.closeAfterFlush = true;
      return;
    }
    this.runCloseCbs();
  }

  private flush(): void {
    // Chunks that arrive while earlier ones are being delivered queue behind them.
    while (this.held.length > 0) {
      const bytes = this.held.shift()!;
      this.heldBytes -= bytes.length;
      for (const cb of this.dataCbs) cb(bytes);
    }
    this.flushing = false;
    if (this.closeAfterFlush) {
      this.closeAfterFlush = false;
      this.runCloseCbs();
    }
  }

  private runCloseCbs(): void {
    const e = this.closedWith?.error;
    const cbs = this.closeCbs;
    this.closeCbs = [];
    for (const cb of cbs) cb(e);
  }
}

/** One end of an in-memory pipe. */
class MemoryByteStream extends ByteStreamEvents implements ByteStream {
  peer: MemoryByteStream | undefined;

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('stream closed');
    const peer = this.peer;
    // Copy: the writer may reuse its buffer. Deliver later, as a real transport would.
    const copy = bytes.slice();
    queueMicrotask(() => peer?.emitData(copy));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.emitClose();
    const peer = this.peer;
    queueMicrotask(() => peer?.emitClose());
  }
}

/** Two connected in-memory byte streams: what one writes, the other reads. */
export function createMemoryByteStreamPair(): [ByteStream, ByteStream] {
  const a = new MemoryByteStream();
  const b = new MemoryByteStream();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
