/**
 * OMA DM over HTTP: the device POSTs each message, the reply travels in the HTTP response.
 * The kiosk is the HTTP server (`HttpDmServer`); each device session surfaces as a Link
 * (receive = the next POST body, send = the response to it). A session's first POST goes to
 * the base path; the session answers with a RespURI (`link.respUri`, a path carrying a session
 * token) to which the device sends the rest of the session. Listens on 127.0.0.1 unless
 * configured otherwise. `HttpDmClientLink` is the device side.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock, RandomSource } from '../core/clock';
import { systemClock } from '../core/clock';
import { KioskError } from '../core/errors';
import type { DmPayload, Link, ReceiveOptions } from '../core/link';
import type { ConfirmAnswer, DmSession, GenericAlert, GetResult, LargeObjectSource, ReplaceLargeOptions, UserInteractionOptions } from '../core/session/api';
import { acceptSession, type ServerSessionOptions } from '../core/session/server';
import type { ItemData } from '../core/dm/model';
import type { ErrorCode } from '../shared/errors';

/** Content types a DM peer may POST, including the SyncML 1.1-era names some phones still send. */
export const HTTP_DM_CONTENT_TYPES = [
  'application/vnd.syncml.dm+wbxml',
  'application/vnd.syncml.dm+xml',
  'application/vnd.syncml+wbxml',
  'application/vnd.syncml+xml',
  'application/vnd.syncml.notification',
] as const;

/** Transport headers passed through to DmPayload.headers (lower case). */
export const HTTP_DM_PASSED_HEADERS = ['x-syncml-hmac'] as const;

export interface HttpDmServerOptions {
  /** Default 127.0.0.1: nothing listens beyond loopback unless an admin turns it on. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Base path of the DM endpoint; default '/dm'. */
  path?: string;
  /** Largest accepted POST body; default 16 MiB. */
  maxBodyBytes?: number;
  /** How long a POST may wait for the session's answer before 504; default 120 s. */
  replyTimeoutMs?: number;
  /**
   * Serve HTTPS with this PEM key and certificate (TLS 1.2 or later); plain HTTP without.
   * An administrator installs them; plain HTTP is for loopback and a cable's own interface.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  clock?: Clock;
  random?: RandomSource;
}

/**
 * The HTTP status a POST still waiting for its answer gets when its session fails: the device
 * learns at once that this session is over (it may start a new one at the base URL).
 */
export function httpStatusForError(code: ErrorCode): number {
  switch (code) {
    case 'DECODE_ERROR':
    case 'PROTOCOL_ERROR':
      return 400;
    case 'AUTH_FAILED':
      return 403;
    case 'LINK_TIMEOUT':
      return 504;
    case 'INTERNAL':
    case 'STORE_ERROR':
      return 500;
    default:
      return 410;
  }
}

interface PendingPost {
  res: ServerResponse;
  answered: boolean;
  gone: boolean;
  timer?: unknown;
}

interface Waiter {
  resolve(p: DmPayload): void;
  reject(e: Error): void;
  timer?: unknown;
}

/** The kiosk's side of one device's HTTP session. */
export class HttpServerLink implements Link {
  readonly kind = 'http' as const;
  private inbox: DmPayload[] = [];
  private waiters: Waiter[] = [];
  private pending: PendingPost[] = [];
  private closedWith: KioskError | undefined;
  /** The phone's IP address as its first POST came from. */
  remoteAddress: string | undefined;
  /** The kiosk's own IP address the phone's first POST arrived at (the interface it reached the kiosk on). */
  localAddress: string | undefined;

  constructor(
    readonly id: string,
    /** Session token in the RespURI path. */
    readonly token: string,
    /** Absolute RespURI for this session, to put in the server's SyncHdr. */
    readonly respUri: string,
    private readonly clock: Clock,
    private readonly onClosed: () => void,
  ) {}

  /** Called by the server for each POST of this session. */
  deliver(payload: DmPayload, post: PendingPost): void {
    this.pending.push(post);
    const w = this.waiters.shift();
    if (w) {
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      w.resolve(payload);
    } else this.inbox.push(payload);
  }

  get awaitingReply(): boolean {
    return this.pending.some((p) => !p.answered && !p.gone);
  }

  receive(options: ReceiveOptions = {}): Promise<DmPayload> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    // An aborted receive is the session giving up waiting for the phone (its timeout), not a
    // technician cancelling: it is reported as LINK_TIMEOUT unless the signal names its reason.
    const aborted = (): KioskError => {
      const r: unknown = options.signal?.reason;
      return r instanceof KioskError ? r : new KioskError('LINK_TIMEOUT');
    };
    return new Promise<DmPayload>((resolve, reject) => {
      if (options.signal?.aborted) return reject(aborted());
      const w: Waiter = { resolve, reject };
      const drop = (e: KioskError) => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(e);
      };
      if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
        w.timer = this.clock.setTimeout(() => drop(new KioskError('LINK_TIMEOUT')), options.timeoutMs);
      }
      options.signal?.addEventListener('abort', () => drop(aborted()), { once: true });
      this.waiters.push(w);
    });
  }

  async send(message: DmPayload): Promise<void> {
    if (this.closedWith) throw this.closedWith;
    const post = this.pending.shift();
    if (!post) throw new KioskError('PROTOCOL_ERROR', { detail: 'no request from the phone is waiting for an answer' });
    if (post.timer !== undefined) this.clock.clearTimeout(post.timer);
    if (post.gone) throw new KioskError('CABLE_UNPLUGGED');
    // Already answered 504: the device gave up waiting for this reply.
    if (post.answered) throw new KioskError('LINK_TIMEOUT');
    post.answered = true;
    const headers: Record<string, string | number> = { 'content-type': message.contentType, 'content-length': message.body.length };
    for (const [k, v] of Object.entries(message.headers ?? {})) headers[k.toLowerCase()] = v;
    await new Promise<void>((resolve, reject) => {
      post.res.writeHead(200, headers);
      post.res.end(message.body, () => resolve());
      post.res.once('error', reject);
    }).catch((e: unknown) => {
      throw new KioskError('CABLE_UNPLUGGED', {}, { cause: e });
    });
  }

  /** The device went away (its POST connection dropped unanswered). */
  abandon(post: PendingPost): void {
    post.gone = true;
  }

  fail(error: KioskError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const w of this.waiters.splice(0)) {
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      w.reject(error);
    }
    for (const p of this.pending.splice(0)) {
      if (p.timer !== undefined) this.clock.clearTimeout(p.timer);
      if (!p.answered && !p.gone) {
        p.answered = true;
        const code = httpStatusForError(error.code);
        p.res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`session closed: ${error.message}\n`);
      }
    }
    this.onClosed();
  }

  async close(): Promise<void> {
    this.fail(new KioskError('LINK_CLOSED'));
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }
}

export interface HttpDmServerEvents {
  session: [link: HttpServerLink];
}

export class HttpDmServer extends EventEmitter<HttpDmServerEvents> {
  private server: Server | undefined;
  private readonly sessions = new Map<string, HttpServerLink>();
  private readonly basePath: string;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private baseUrl = '';
  private counter = 0;

  constructor(private readonly options: HttpDmServerOptions = {}) {
    super();
    this.basePath = (options.path ?? '/dm').replace(/\/+$/, '') || '/dm';
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? { bytes: (n) => new Uint8Array(randomBytes(n)) };
  }

  /** Start listening; resolves with the endpoint URL devices POST their first message to. */
  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      // Whatever a request holds, it never becomes an unhandled rejection.
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' }).end('internal error\n');
        else res.destroy();
      });
    };
    const tls = this.options.tls;
    const server: Server = tls ? createTlsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler) : createServer(handler);
    // A request line Node cannot parse (e.g. `POST http://[ HTTP/1.1`) is answered 400 and dropped.
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.server = server;
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.baseUrl = `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;
    return this.url;
  }

  get url(): string {
    return `${this.baseUrl}${this.basePath}`;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    for (const link of [...this.sessions.values()]) link.fail(new KioskError('LINK_CLOSED'));
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private token(): string {
    return Buffer.from(this.random.bytes(16)).toString('hex');
  }

  /** The path of a request, or undefined when its target is not a URL at all. */
  private static pathOf(target: string | undefined): string | undefined {
    try {
      return new URL(target ?? '/', 'http://localhost').pathname;
    } catch {
      return undefined;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const plain = (code: number, text: string) => {
      if (res.headersSent) return;
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(text + '\n');
    };
    const path = HttpDmServer.pathOf(req.url);
    if (path === undefined) return plain(400, 'the request target is not a URL');
    if (path !== this.basePath && !path.startsWith(this.basePath + '/s/')) return plain(404, 'not found');
    if (req.method !== 'POST') return plain(405, 'DM messages are POSTed');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(HTTP_DM_CONTENT_TYPES as readonly string[]).includes(contentType)) return plain(415, `unsupported content type ${contentType}`);
    let link: HttpServerLink | undefined;
    if (path !== this.basePath) {
      link = this.sessions.get(path.slice(this.basePath.length + 3));
      if (!link || link.closed) return plain(404, 'unknown or finished session: start a new one at the base URL');
      // Cheap early refusal; the binding check is after the body (below).
      if (link.awaitingReply) return plain(409, 'the previous message of this session is still being answered');
    }
    const max = this.options.maxBodyBytes ?? 16 * 1024 * 1024;
    const declared = Number(req.headers['content-length'] ?? '0');
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      plain(413, `message larger than ${max} bytes`);
      link?.fail(new KioskError('PROTOCOL_ERROR', { detail: `a message larger than ${max} bytes` }));
    };
    if (declared > max) {
      tooLarge();
      req.resume();
      return;
    }
    const body = await readBounded(req, max);
    if (body === 'gone') return; // the device dropped the connection mid-POST
    if (body === 'too-large') return tooLarge();
    if (body.length === 0) {
      plain(400, 'empty DM message');
      link?.fail(new KioskError('DECODE_ERROR', { detail: 'an empty message' }));
      return;
    }
    // Checked again now that the body is in: two POSTs of one session read at the same time
    // both passed the early check, and only the first may reach the session.
    if (link && (link.closed || link.awaitingReply)) {
      return link.closed ? plain(404, 'unknown or finished session: start a new one at the base URL') : plain(409, 'the previous message of this session is still being answered');
    }
    const headers: Record<string, string> = {};
    for (const name of HTTP_DM_PASSED_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const payload: DmPayload = { body, contentType };
    if (Object.keys(headers).length > 0) payload.headers = headers;
    const post: PendingPost = { res, answered: false, gone: false };
    res.on('close', () => {
      if (!post.answered) link?.abandon(post);
    });
    if (!link) {
      const token = this.token();
      const id = `http-${++this.counter}`;
      const created = new HttpServerLink(id, token, `${this.baseUrl}${this.basePath}/s/${token}`, this.clock, () => this.sessions.delete(token));
      // Where the phone is on this interface (an OMA push for its next session goes there).
      created.remoteAddress = req.socket.remoteAddress?.replace(/^::ffff:/, '');
      created.localAddress = req.socket.localAddress?.replace(/^::ffff:/, '');
      this.sessions.set(token, created);
      link = created;
      link.deliver(payload, post);
      this.emit('session', created);
    } else {
      link.deliver(payload, post);
    }
    const timeout = this.options.replyTimeoutMs ?? 120_000;
    post.timer = this.clock.setTimeout(() => {
      if (!post.answered && !post.gone) {
        post.answered = true;
        plain(504, 'the kiosk did not answer in time');
      }
    }, timeout);
  }
}

/**
 * Read a request body, never holding more than `max` bytes: past it the rest is discarded as it
 * arrives (so the 413 can still be delivered) and 'too-large' is returned.
 */
function readBounded(req: IncomingMessage, max: number): Promise<Uint8Array | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!over) resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    req.once('aborted', () => resolve('gone'));
    req.once('error', () => resolve('gone'));
    req.once('close', () => {
      if (!req.complete && !over) resolve('gone');
    });
  });
}

function asKioskError(e: unknown): KioskError {
  return e instanceof KioskError ? e : new KioskError('INTERNAL', { detail: e instanceof Error ? e.message : String(e) });
}

/**
 * A server session on an HTTP link. The link is closed when the session ends or fails, so its
 * RespURI stops working at once and a POST still waiting is answered at once (4xx/5xx by the
 * error) instead of after the reply timeout.
 */
class HttpDmSession implements DmSession {
  constructor(
    private readonly inner: DmSession,
    private readonly link: HttpServerLink,
  ) {}

  get hello() {
    return this.inner.hello;
  }
  get genericAlerts(): readonly GenericAlert[] {
    return this.inner.genericAlerts;
  }
  get ended(): boolean {
    return this.inner.ended;
  }
  get respURI(): string | undefined {
    return this.inner.respURI;
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      const value = await run();
      if (this.inner.ended) await this.link.close();
      return value;
    } catch (e) {
      this.link.fail(asKioskError(e));
      throw e;
    }
  }

  get(uris: string[]): Promise<GetResult[]> {
    return this.guard(() => this.inner.get(uris));
  }
  replace(uri: string, data: ItemData, meta?: { format?: string; type?: string }): Promise<number> {
    return this.guard(() => this.inner.replace(uri, data, meta));
  }
  add(uri: string, data: ItemData | undefined, meta?: { format?: string; type?: string }): Promise<number> {
    return this.guard(() => this.inner.add(uri, data, meta));
  }
  delete(uri: string): Promise<number> {
    return this.guard(() => this.inner.delete(uri));
  }
  replaceLarge(uri: string, source: LargeObjectSource, options?: ReplaceLargeOptions): Promise<number> {
    return this.guard(() => this.inner.replaceLarge(uri, source, options));
  }
  exec(uri: string, options?: { correlator?: string; data?: string }): Promise<number> {
    return this.guard(() => this.inner.exec(uri, options));
  }
  display(text: string, options?: UserInteractionOptions): Promise<number> {
    return this.guard(() => this.inner.display(text, options));
  }
  confirm(text: string, options?: UserInteractionOptions): Promise<ConfirmAnswer> {
    return this.guard(() => this.inner.confirm(text, options));
  }
  waitForGenericAlert(predicate: (alert: GenericAlert) => boolean, timeoutMs: number): Promise<GenericAlert> {
    return this.guard(() => this.inner.waitForGenericAlert(predicate, timeoutMs));
  }
  async end(): Promise<void> {
    try {
      await this.inner.end();
    } finally {
      // The final answer is written before end() resolves; the session's RespURI goes with it.
      await this.link.close();
    }
  }
}

/**
 * Accept the DM session a device opens on an HTTP link: the link's RespURI goes in every SyncHdr
 * of the kiosk, and the link (with its RespURI) is closed as soon as the session ends or fails.
 * Package 1 that cannot be read, or a device that does not authenticate, is answered at once.
 */
export async function acceptHttpSession(link: HttpServerLink, options: ServerSessionOptions): Promise<DmSession> {
  let session: DmSession;
  try {
    session = await acceptSession(link, { ...options, respURI: link.respUri });
  } catch (e) {
    link.fail(asKioskError(e));
    throw e;
  }
  return new HttpDmSession(session, link);
}

export interface HttpDmClientLinkOptions {
  id?: string;
  /** Per-request timeout; default 120 s. */
  timeoutMs?: number;
}

/**
 * The device side of DM over HTTP: send() POSTs a message, receive() yields the response to
 * the last POST. `target` starts at the server URL; switch it to the RespURI the server names.
 */
export class HttpDmClientLink implements Link {
  readonly kind = 'http' as const;
  readonly id: string;
  target: string;
  private reply: Promise<DmPayload> | undefined;
  private closed = false;

  constructor(url: string, private readonly options: HttpDmClientLinkOptions = {}) {
    this.target = url;
    this.id = options.id ?? `http-client:${url}`;
  }

  /** Send following messages to this URL (the RespURI from the server's SyncHdr). */
  setTarget(url: string): void {
    this.target = url;
  }

  async send(message: DmPayload): Promise<void> {
    if (this.closed) throw new KioskError('LINK_CLOSED');
    const headers: Record<string, string> = { 'content-type': message.contentType };
    for (const [k, v] of Object.entries(message.headers ?? {})) headers[k.toLowerCase()] = v;
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 120_000);
    const request = fetch(this.target, { method: 'POST', headers, body: message.body as Uint8Array<ArrayBuffer>, signal }).then(
      async (res) => {
        const body = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 200) {
          throw new KioskError('PROTOCOL_ERROR', { detail: `HTTP ${res.status} ${new TextDecoder().decode(body).trim()}` });
        }
        const payload: DmPayload = { body, contentType: (res.headers.get('content-type') ?? '').split(';')[0]!.trim() };
        const passed: Record<string, string> = {};
        for (const name of HTTP_DM_PASSED_HEADERS) {
          const v = res.headers.get(name);
          if (v !== null) passed[name] = v;
        }
        if (Object.keys(passed).length > 0) payload.headers = passed;
        return payload;
      },
      (e: unknown) => {
        if (e instanceof Error && e.name === 'TimeoutError') throw new KioskError('LINK_TIMEOUT', {}, { cause: e });
        throw new KioskError('CABLE_UNPLUGGED', {}, { cause: e });
      },
    );
    request.catch(() => undefined);
    this.reply = request;
  }

  async receive(_options: ReceiveOptions = {}): Promise<DmPayload> {
    if (this.closed) throw new KioskError('LINK_CLOSED');
    const r = this.reply;
    this.reply = undefined;
    if (!r) throw new KioskError('PROTOCOL_ERROR', { detail: 'nothing was sent, so no answer is expected' });
    return r;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
