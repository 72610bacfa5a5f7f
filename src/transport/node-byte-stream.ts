/**
 * ByteStream adapters over Node streams: a serial port, a socket, a child's stdio.
 */
import type { Readable, Writable } from 'node:stream';
import { ByteStreamEvents, type ByteStream } from '../core/obex/byte-stream';
import type { KioskError } from '../core/errors';

export interface NodeByteStreamOptions {
  /** Extra teardown when close() is called (e.g. close the port, kill the child). */
  onClose?: () => Promise<void> | void;
  /**
   * Most bytes held while nobody reads (before the link attaches); past it the stream closes
   * with DEVICE_MESSAGE_TOO_LARGE and stops reading. Default: ByteStreamEvents' bound (16 MiB).
   */
  maxHeldBytes?: number;
}

class NodeByteStream extends ByteStreamEvents implements ByteStream {
  constructor(
    private readonly readable: Readable,
    private readonly writable: Writable,
    private readonly options: NodeByteStreamOptions,
  ) {
    super();
    if (options.maxHeldBytes !== undefined) this.maxHeldBytes = options.maxHeldBytes;
    readable.on('data', (chunk: Buffer) => this.emitData(chunk));
    const ended = (error?: Error) => this.emitClose(error);
    readable.on('end', () => ended());
    readable.on('close', () => ended());
    readable.on('error', (e: Error) => ended(e));
    if (writable !== (readable as unknown)) {
      writable.on('error', (e: Error) => ended(e));
      writable.on('close', () => ended());
    }
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('stream closed'));
    return new Promise<void>((resolve, reject) => {
      // Resolve when the chunk is handed to the OS, which paces the writer to the reader.
      const ok = this.writable.write(bytes, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else {
        const onDrain = () => {
          this.writable.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          this.writable.off('drain', onDrain);
          reject(new Error('stream closed'));
        };
        this.writable.once('drain', onDrain);
        this.writable.once('close', onClose);
      }
    });
  }

  async close(): Promise<void> {
    if (!this.closed) this.emitClose();
    await this.options.onClose?.();
  }

  /** Too much arrived with nobody reading: stop taking bytes from the device, then tear down. */
  protected override overflow(error: KioskError): void {
    this.readable.pause();
    super.overflow(error);
    if (this.options.onClose) void Promise.resolve(this.options.onClose()).catch(() => undefined);
    else this.readable.destroy();
  }
}

/** Wrap a readable and a writable (or one duplex passed twice) as a ByteStream. */
export function nodeByteStream(readable: Readable, writable: Writable, options: NodeByteStreamOptions = {}): ByteStream {
  return new NodeByteStream(readable, writable, options);
}
