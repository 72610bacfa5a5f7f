/**
 * Large objects (DM protocol 2.2): one Replace/Add item split into chunks over several
 * messages of one package.
 *
 * Sender: each chunk is sized so the whole message (header, owed statuses, the chunk command)
 * encodes to at most the peer's MaxMsgSize, measured with the codec's exact `encodedSize`
 * (base64 growth in XML, the OPAQUE length prefix in WBXML). Every chunk but the last carries
 * MoreData; Meta/Size only rides in the first; the caller withholds Final until the last.
 * The object is pulled from a random-access source and never held whole.
 *
 * Receiver: reassembles through a LargeObjectSink, answering 213 per chunk, 424 when the
 * reassembled size differs from Meta/Size, 413 when Size exceeds MaxObjSize, and, when a new
 * command interrupts the object, Alert 1225 plus 412 for the unfinished command.
 */
import type { CommandReply, LargeObjectSink } from '../session/client-api';
import type { LargeObjectSource } from '../session/api';
import { base64Length } from './base64';
import type { Encoding, Item, ItemCommand, MetInf, SyncMLMessage } from './model';

export type MessageSizer = (msg: SyncMLMessage, encoding: Encoding) => number;

/** Bytes of an mb_u_int32 (WBXML multi-byte integer) holding n. */
export function mbUint32Length(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/** How many encoded bytes n data bytes take inside Data: base64 in XML, OPAQUE length + bytes in WBXML. */
export function dataGrowth(n: number, encoding: Encoding): number {
  return encoding === 'xml' ? base64Length(n) : n + mbUint32Length(n);
}

/** The largest n with base + dataGrowth(n) <= budget (0 when none fits). */
function solveLength(base: number, budget: number, encoding: Encoding): number {
  const room = budget - base;
  if (room <= 0) return 0;
  if (encoding === 'xml') return Math.floor(room / 4) * 3;
  let n = room - 1;
  while (n > 0 && n + mbUint32Length(n) > room) n--;
  return Math.max(0, n);
}

/**
 * The pure chunk planner: the largest chunk length (<= remaining) such that
 * `sizer(build(length), encoding) <= maxMsgSize`. `build(length)` makes the real message with a
 * chunk of that many bytes (content does not change the size, so a placeholder will do), and
 * decides MoreData itself (present when length < remaining). Returns 0 when not even one byte fits.
 * At most a few encodings per chunk: one probe, one solve, one check (more only if the codec's
 * overhead is not linear, e.g. digit counts changing).
 */
export function fitChunkLength(
  build: (length: number) => SyncMLMessage,
  remaining: number,
  maxMsgSize: number,
  encoding: Encoding,
  sizer: MessageSizer,
): number {
  if (remaining <= 0) return 0;
  if (remaining <= maxMsgSize && sizer(build(remaining), encoding) <= maxMsgSize) return remaining;
  // Probe a non-final chunk (with MoreData) to learn the fixed overhead.
  const probe = Math.max(1, Math.min(remaining - 1, maxMsgSize));
  const base = sizer(build(probe), encoding) - dataGrowth(probe, encoding);
  let n = Math.min(solveLength(base, maxMsgSize, encoding), remaining - 1);
  for (let guard = 0; n > 0 && guard < 64; guard++) {
    const size = sizer(build(n), encoding);
    if (size <= maxMsgSize) return n;
    const over = size - maxMsgSize;
    n -= encoding === 'xml' ? Math.max(3, Math.ceil(over / 4) * 3) : Math.max(1, over);
  }
  return Math.max(0, n);
}

export interface LargeObjectSenderOptions {
  uri: string;
  source: LargeObjectSource;
  encoding: Encoding;
  /** The peer's MaxMsgSize: every message must encode to at most this many bytes. */
  maxMsgSize: number;
  /** The peer's MaxObjSize, when it sent one. */
  maxObjSize?: number;
  /** Meta/Type of the object, e.g. application/octet-stream. */
  type?: string;
  /** Resume at this byte offset (a chunk boundary the receiver acknowledged before). */
  startOffset?: number;
  kind?: 'Replace' | 'Add';
  sizer: MessageSizer;
}

export interface PlannedChunk {
  message: SyncMLMessage;
  command: ItemCommand;
  offset: number;
  length: number;
  last: boolean;
}

/** Thrown when a message cannot hold even one byte of data next to its fixed content. */
export class ChunkDoesNotFitError extends Error {
  constructor(readonly maxMsgSize: number) {
    super(`a message of at most ${maxMsgSize} bytes cannot carry any object data`);
    this.name = 'ChunkDoesNotFitError';
  }
}

export class LargeObjectSender {
  private position: number;
  private first = true;
  private zeros: Uint8Array = new Uint8Array(0);

  constructor(private readonly options: LargeObjectSenderOptions) {
    this.position = options.startOffset ?? 0;
    if (this.position < 0 || this.position > options.source.size) throw new RangeError('start offset outside the object');
  }

  get totalBytes(): number {
    return this.options.source.size;
  }

  /** Bytes handed out so far (including the resume offset). */
  get offset(): number {
    return this.position;
  }

  get done(): boolean {
    return !this.first && this.position >= this.options.source.size;
  }

  /** 413 when the object exceeds the peer's MaxObjSize: refuse before sending anything. */
  refusal(): number | undefined {
    const max = this.options.maxObjSize;
    return max !== undefined && max > 0 && this.options.source.size > max ? 413 : undefined;
  }

  private placeholder(n: number): Uint8Array {
    if (this.zeros.length < n) this.zeros = new Uint8Array(Math.max(n, this.options.maxMsgSize));
    return this.zeros.subarray(0, n);
  }

  private command(data: Uint8Array, last: boolean, first: boolean): ItemCommand {
    const o = this.options;
    const meta: MetInf = { format: o.encoding === 'xml' ? 'b64' : 'bin', ...(o.type ? { type: o.type } : {}) };
    const item: Item = {
      target: { locURI: o.uri },
      ...(first ? { meta: { size: o.source.size } } : {}),
      data,
      ...(last ? {} : { moreData: true }),
    };
    return { kind: o.kind ?? 'Replace', cmdID: '', meta, items: [item] };
  }

  /**
   * Plan and read the next chunk. `frame(command, last)` places the chunk command into the
   * message that will carry it (header, owed statuses before it, Final only when last) and must
   * be deterministic: it is called to measure as well as to build the real message.
   * `maxChunkBytes` caps this chunk's data below what the message could carry.
   */
  async next(frame: (command: ItemCommand, last: boolean) => SyncMLMessage, maxChunkBytes?: number): Promise<PlannedChunk> {
    const total = this.options.source.size;
    const remaining = total - this.position;
    const first = this.first;
    let length: number;
    if (remaining === 0) length = 0;
    else {
      length = fitChunkLength(
        (n) => {
          const last = n >= remaining;
          return frame(this.command(this.placeholder(n), last, first), last);
        },
        remaining,
        this.options.maxMsgSize,
        this.options.encoding,
        this.options.sizer,
      );
      if (length <= 0) throw new ChunkDoesNotFitError(this.options.maxMsgSize);
      // A smaller chunk than the message allows (e.g. sized to the line rate): it still fits.
      if (maxChunkBytes !== undefined && maxChunkBytes >= 1 && length > maxChunkBytes) length = Math.floor(maxChunkBytes);
    }
    const data = length > 0 ? await this.options.source.read(this.position, length) : new Uint8Array(0);
    if (data.length !== length) throw new RangeError(`source returned ${data.length} bytes, ${length} asked at ${this.position}`);
    const last = this.position + length >= total;
    const command = this.command(data, last, first);
    const offset = this.position;
    this.position += length;
    this.first = false;
    return { message: frame(command, last), command, offset, length, last };
  }
}

/** What the receiver says about one chunk. */
export interface ChunkOutcome {
  /** Status for the carrying command: 213 (buffered), the sink's final status, 424, 413, 411. */
  status: number;
  /** True when the object is finished (completed or refused) and the receiver is idle again. */
  finished: boolean;
}

export type OpenSink = (uri: string, size: number, meta: MetInf | undefined) => Promise<LargeObjectSink | CommandReply>;

function isSink(x: LargeObjectSink | CommandReply): x is LargeObjectSink {
  return typeof (x as LargeObjectSink).write === 'function';
}

const utf8 = new TextEncoder();

/** A status for a failed write: the error's own `status` when it carries one (e.g. 420 device full), else 500. */
export function statusOfError(e: unknown): number {
  const s = (e as { status?: unknown } | null)?.status;
  return typeof s === 'number' && s >= 400 && s <= 599 ? s : 500;
}

/**
 * Client-side reassembly. The engine calls `accept` for an item that starts or continues a
 * chunked object, `continues` to know whether a command belongs to the open object, and
 * `interrupt` when another command arrives first (it then sends Alert 1225 and status 412).
 */
export class LargeObjectReceiver {
  private sink: LargeObjectSink | undefined;
  private targetUri: string | undefined;
  private declared = 0;
  private received = 0;
  /** MsgRef/CmdRef/kind of the last chunk's command, for the 412 status on interruption. */
  lastRef: { msgRef: string; cmdRef: string; cmd: string } | undefined;

  constructor(private readonly options: { encoding: Encoding; maxObjSize?: number }) {}

  get active(): boolean {
    return this.sink !== undefined;
  }

  get uri(): string | undefined {
    return this.targetUri;
  }

  get receivedBytes(): number {
    return this.received;
  }

  /** Is this item the next chunk of the open object? */
  continues(kind: string, item: Item): boolean {
    return this.active && (kind === 'Replace' || kind === 'Add') && item.target?.locURI === this.targetUri;
  }

  /** Does this item start a chunked object? */
  static starts(item: Item): boolean {
    return item.moreData === true;
  }

  private static bytes(data: Item['data']): Uint8Array {
    if (data === undefined) return new Uint8Array(0);
    return typeof data === 'string' ? utf8.encode(data) : data;
  }

  private sizeMatches(): boolean {
    if (this.received === this.declared) return true;
    // XML senders disagree whether Size counts decoded bytes or base64 text: accept either.
    return this.options.encoding === 'xml' && base64Length(this.received) === this.declared;
  }

  private reset(): void {
    this.sink = undefined;
    this.targetUri = undefined;
    this.declared = 0;
    this.received = 0;
    this.lastRef = undefined;
  }

  /**
   * Take one chunk. `ref` identifies the carrying command; `commandMeta` is the command's
   * Meta (Type/Format), `open` asks the application for a sink on the first chunk.
   */
  async accept(
    item: Item,
    commandMeta: MetInf | undefined,
    ref: { msgRef: string; cmdRef: string; cmd: string },
    open: OpenSink,
  ): Promise<ChunkOutcome> {
    const data = LargeObjectReceiver.bytes(item.data);
    if (!this.sink) {
      const size = item.meta?.size ?? commandMeta?.size;
      const uri = item.target?.locURI;
      if (size === undefined || uri === undefined) return { status: size === undefined ? 411 : 400, finished: true };
      const max = this.options.maxObjSize;
      if (max !== undefined && max > 0 && size > max) return { status: 413, finished: true };
      const opened = await open(uri, size, { ...commandMeta, ...item.meta });
      if (!isSink(opened)) return { status: opened.status, finished: true };
      this.sink = opened;
      this.targetUri = uri;
      this.declared = size;
      this.received = Math.max(0, Math.min(opened.resumeOffset ?? 0, size));
    }
    this.lastRef = ref;
    const sink = this.sink;
    this.received += data.length;
    // Far past the declared size (more than base64 could explain): stop buffering now.
    if (this.received > Math.max(this.declared, base64Length(this.declared))) {
      await sink.abort('more data than the declared size');
      this.reset();
      return { status: 424, finished: true };
    }
    if (data.length > 0) {
      try {
        await sink.write(data);
      } catch (e) {
        // The device could not store the chunk (e.g. out of space): the object fails as a whole.
        await sink.abort(`write failed: ${e instanceof Error ? e.message : String(e)}`).catch(() => undefined);
        this.reset();
        return { status: statusOfError(e), finished: true };
      }
    }
    if (item.moreData) return { status: 213, finished: false };
    if (!this.sizeMatches()) {
      await sink.abort(`size mismatch: declared ${this.declared}, received ${this.received}`);
      this.reset();
      return { status: 424, finished: true };
    }
    this.reset();
    try {
      const reply = await sink.finish();
      return { status: reply.status, finished: true };
    } catch (e) {
      return { status: statusOfError(e), finished: true };
    }
  }

  /**
   * A new command arrived before the last chunk: abandon the object. Returns what the engine
   * needs for Alert 1225 (the object's target) and the 412 status of the unfinished command.
   */
  async interrupt(reason = 'a new command arrived before the last chunk'): Promise<{ uri: string; ref: { msgRef: string; cmdRef: string; cmd: string } | undefined } | undefined> {
    if (!this.sink) return undefined;
    const out = { uri: this.targetUri ?? '', ref: this.lastRef };
    await this.sink.abort(reason);
    this.reset();
    return out;
  }

  /** The session ended with an object open. */
  async abort(reason: string): Promise<void> {
    if (!this.sink) return;
    await this.sink.abort(reason);
    this.reset();
  }
}
