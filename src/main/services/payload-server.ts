/**
 * The kiosk's own download server for DownloadAndUpdate with a PkgURL: a small HTTP server on
 * the loopback interface (or the address the kiosk is configured with), and on the address a
 * phone reached the kiosk's DM endpoint at where that is served over plain HTTP (a USB network
 * phone's cable interface): a phone on its own side of a USB network cannot reach the kiosk's
 * loopback. Each offered bundle is served at one unguessable per-job URL.
 *
 * - GET/HEAD /p/<token>/<name>: the stored bundle file, read through the store's payload reader
 *   (never whole in memory), with Content-Length and single-range support (206 / 416).
 * - Any other path, a withdrawn token or a wrong token: 404, without telling which.
 * - Bytes served are counted per token (progress of the phone's download).
 * - A URL is withdrawn (revoke) when its job ends; close() withdraws all and stops listening.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RandomSource } from '../../core/clock';
import type { PayloadReader } from '../../core/fumo/ports';

export interface PayloadServerOptions {
  /** Opens the stored bundle file (the store's payload reader). */
  open(bundleId: string): Promise<PayloadReader>;
  random: RandomSource;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0: any free port). */
  port?: number;
  /** Host name written into URLs (default: host). */
  publicHost?: string;
  /**
   * The kiosk's plain-HTTP address this phone last reached the DM endpoint at, if any: the
   * phone's URL is served there (on a port of its own) instead of on `host`.
   */
  reachedAt?(devId: string): string | undefined;
  /** Bytes served so far for a token, after each chunk written. */
  onProgress?(offer: PayloadOffer, servedBytes: number, totalBytes: number): void;
}

export interface PayloadOffer {
  token: string;
  bundleId: string;
  devId: string;
  url: string;
  /** Bytes written to clients for this URL (all requests together). */
  bytesServed: number;
  /** Requests answered with payload bytes (200 or 206). */
  requests: number;
}

const CHUNK = 256 * 1024;

export class PayloadServer {
  /** One listener per address, the configured one (`host`) first. */
  private readonly listeners = new Map<string, Promise<Server>>();
  private readonly sockets = new Set<Socket>();
  private readonly offers = new Map<string, PayloadOffer>();
  /** Requests for unknown tokens (a wrong token is never told apart from a withdrawn one). */
  rejected = 0;
  /** Withdrawn offers, oldest first (the last 100), with the bytes they served. */
  readonly withdrawn: PayloadOffer[] = [];
  private mainPort: number | undefined;

  constructor(private readonly options: PayloadServerOptions) {}

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Listen on the configured address (once); resolves when the server is reachable. */
  async start(): Promise<void> {
    await this.listenOn(this.host, this.options.port ?? 0);
  }

  private listenOn(host: string, port: number): Promise<Server> {
    let listening = this.listeners.get(host);
    if (!listening) {
      listening = new Promise<Server>((resolve, reject) => {
        const server = createServer((req, res) => void this.handle(req, res));
        server.on('connection', (s) => {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
        });
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          if (host === this.host) this.mainPort = (server.address() as AddressInfo).port;
          resolve(server);
        });
      });
      this.listeners.set(host, listening);
      // A listener that failed is forgotten, so a later offer tries again.
      listening.catch(() => {
        if (this.listeners.get(host) === listening) this.listeners.delete(host);
      });
    }
    return listening;
  }

  /** The port of the configured address, once it listens. */
  get port(): number | undefined {
    return this.mainPort;
  }

  /** A new URL for this device's download of this bundle (a fresh 128-bit token each time). */
  async offer(bundleId: string, devId: string): Promise<PayloadOffer> {
    const reached = this.options.reachedAt?.(devId);
    const listenHost = reached ?? this.host;
    const server = await this.listenOn(listenHost, reached === undefined || reached === this.host ? (this.options.port ?? 0) : 0);
    const port = (server.address() as AddressInfo).port;
    const token = Buffer.from(this.options.random.bytes(16)).toString('hex');
    const host = listenHost === this.host ? (this.options.publicHost ?? this.host) : listenHost;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const offer: PayloadOffer = {
      token,
      bundleId,
      devId,
      url: `http://${hostPart}:${port}/p/${token}/${encodeURIComponent(bundleId)}.fkb`,
      bytesServed: 0,
      requests: 0,
    };
    this.offers.set(token, offer);
    return offer;
  }

  /** The live offer for a token, if any. */
  get(token: string): PayloadOffer | undefined {
    return this.offers.get(token);
  }

  /** Live offers (for a device, when given). */
  list(devId?: string): PayloadOffer[] {
    return [...this.offers.values()].filter((o) => devId === undefined || o.devId === devId);
  }

  /** Withdraw a URL: later requests get 404. */
  revoke(token: string): void {
    const o = this.offers.get(token);
    if (!o) return;
    this.offers.delete(token);
    this.withdrawn.push(o);
    if (this.withdrawn.length > 100) this.withdrawn.shift();
  }

  /** Withdraw every URL offered to a device (its job ended). */
  revokeDevice(devId: string): PayloadOffer[] {
    const gone = this.list(devId);
    for (const o of gone) this.revoke(o.token);
    return gone;
  }

  async close(): Promise<void> {
    this.offers.clear();
    const listening = [...this.listeners.values()];
    this.listeners.clear();
    this.mainPort = undefined;
    for (const s of this.sockets) s.destroy();
    for (const l of listening) {
      const server = await l.catch(() => undefined);
      if (server) await new Promise<void>((r) => server.close(() => r()));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/p\/([0-9a-f]{32})(?:\/[^/]*)?$/.exec((req.url ?? '').split('?')[0] ?? '');
    const offer = m ? this.offers.get(m[1]!) : undefined;
    if (!offer || (req.method !== 'GET' && req.method !== 'HEAD')) {
      this.rejected++;
      res.writeHead(offer ? 405 : 404, { 'content-length': '0' }).end();
      return;
    }
    let reader: PayloadReader;
    try {
      reader = await this.options.open(offer.bundleId);
    } catch {
      res.writeHead(500, { 'content-length': '0' }).end();
      return;
    }
    try {
      const size = reader.size;
      const range = parseRange(req.headers.range, size);
      if (range === 'unsatisfiable') {
        res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': '0' }).end();
        return;
      }
      const [start, end] = range ?? [0, size - 1];
      const length = size === 0 ? 0 : end - start + 1;
      const headers: Record<string, string> = {
        'content-type': 'application/octet-stream',
        'content-length': String(length),
        'accept-ranges': 'bytes',
        'cache-control': 'no-store',
      };
      if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
      res.writeHead(range ? 206 : 200, headers);
      if (req.method === 'HEAD' || length === 0) {
        res.end();
        return;
      }
      offer.requests++;
      let offset = start;
      while (offset <= end) {
        if (res.destroyed || !this.offers.has(offer.token)) break;
        const chunk = await reader.read(offset, Math.min(CHUNK, end - offset + 1));
        if (chunk.length === 0) break;
        const drained = res.write(chunk);
        offset += chunk.length;
        offer.bytesServed += chunk.length;
        this.options.onProgress?.(offer, offer.bytesServed, size);
        if (!drained) await waitDrain(res);
      }
      if (offset <= end) res.destroy();
      else res.end();
    } catch {
      res.destroy();
    } finally {
      await reader.close?.().catch(() => undefined);
    }
  }
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; undefined for none (or several: served whole). */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
