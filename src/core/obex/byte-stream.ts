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

/** Base for ByteStream implementations: fan-out of data and close callbacks, close once. */
export class ByteStreamEvents {
  private dataCbs: Array<(bytes: Uint8Array) => void> = [];
  private closeCbs: Array<(error?: Error) => void> = [];
  private closedWith: { error?: Error } | undefined;

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  onData(cb: (bytes: Uint8Array) => void): void {
    this.dataCbs.push(cb);
  }

  onClose(cb: (error?: Error) => void): void {
    if (this.closedWith) {
      const e = this.closedWith.error;
      queueMicrotask(() => cb(e));
      return;
    }
    this.closeCbs.push(cb);
  }

  emitData(bytes: Uint8Array): void {
    if (this.closedWith) return;
    for (const cb of this.dataCbs) cb(bytes);
  }

  emitClose(error?: Error): void {
    if (this.closedWith) return;
    this.closedWith = error ? { error } : {};
    const cbs = this.closeCbs;
    this.closeCbs = [];
    for (const cb of cbs) cb(error);
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
