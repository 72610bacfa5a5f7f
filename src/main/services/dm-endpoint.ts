/**
 * The kiosk's DM endpoint over HTTP(S): where phones that speak DM over HTTP (on a USB network
 * interface, or a simulator on loopback) open their sessions. It listens on 127.0.0.1 unless an
 * administrator or the command line names other addresses; an address beyond loopback is served
 * only over HTTPS (a certificate and key the administrator installs, TLS 1.2 or later), or over
 * plain HTTP where an administrator marks it as a phone cable's own interface. Each accepted session is
 * handed on; a session that fails before it is accepted is answered at once by the binding.
 */
import { readFileSync } from 'node:fs';
import type { Clock, RandomSource } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { DmSession } from '../../core/session/api';
import type { ServerSessionOptions } from '../../core/session/server';
import { acceptHttpSession, HttpDmServer } from '../../transport/http';
import { isLoopbackAddress } from '../hosts/security';

export interface DmListenAddress {
  host: string;
  port: number;
  /** PEM key and certificate for HTTPS (required beyond loopback, unless `cable`). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** An administrator marked this address as a phone cable's own network interface: plain HTTP is allowed there. */
  cable?: boolean;
}

/** `HOST:PORT` (IPv6 in brackets) as given to --dm-listen. */
export function parseDmListen(text: string): DmListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new KioskError('INVALID_REQUEST', { detail: `--dm-listen takes HOST:PORT, e.g. 127.0.0.1:8443 (got ${JSON.stringify(text).slice(0, 60)})` });
  return { host: (m[1] ?? m[2])!, port };
}

/** The command-line flags that choose where the DM endpoint listens and how. */
export interface DmListenFlags {
  /** --dm-listen HOST:PORT (repeatable): HTTPS with --dm-cert/--dm-key, else plain HTTP (loopback only). */
  dmListen?: string[];
  /** --dm-cable HOST:PORT (repeatable): a phone cable's own interface, plain HTTP allowed. */
  dmCable?: string[];
  /** --dm-cert FILE and --dm-key FILE: the PEM certificate (chain) and key for HTTPS. */
  dmCert?: string;
  dmKey?: string;
}

function readPem(file: string, what: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (e) {
    throw new KioskError('INVALID_REQUEST', { detail: `the DM endpoint's ${what} ${file} cannot be read (${e instanceof Error ? e.message : String(e)})` });
  }
  if (!pem.toString('latin1').includes('-----BEGIN ')) throw new KioskError('INVALID_REQUEST', { detail: `the DM endpoint's ${what} ${file} is not a PEM file` });
  return pem;
}

/**
 * The listen addresses the flags name, undefined when they name none (the service's default,
 * 127.0.0.1 on a free port). A certificate without a key (or a key without one) is refused.
 */
export function dmListenFromFlags(f: DmListenFlags): DmListenAddress[] | undefined {
  if ((f.dmCert === undefined) !== (f.dmKey === undefined)) throw new KioskError('INVALID_REQUEST', { detail: 'HTTPS on the DM endpoint needs both --dm-cert FILE and --dm-key FILE' });
  const tls = f.dmCert !== undefined && f.dmKey !== undefined ? { cert: readPem(f.dmCert, 'certificate'), key: readPem(f.dmKey, 'key') } : undefined;
  const listen = (f.dmListen ?? []).map((t) => ({ ...parseDmListen(t), ...(tls ? { tls } : {}) }));
  const cable = (f.dmCable ?? []).map((t) => ({ ...parseDmListen(t), cable: true }));
  if (tls && !listen.length) listen.push({ host: '127.0.0.1', port: 0, tls });
  const all = [...listen, ...cable];
  return all.length ? all : undefined;
}

/** Why an address may not be served as given, or undefined when it may. */
export function dmListenRefusal(a: DmListenAddress): string | undefined {
  if (a.tls || a.cable || isLoopbackAddress(a.host)) return undefined;
  if (a.host === '0.0.0.0' || a.host === '::') return `the DM endpoint serves all interfaces (${a.host}) only over HTTPS: install a certificate and key (--dm-cert FILE --dm-key FILE), or name the phone cable's interface with --dm-cable HOST:PORT`;
  return `the DM endpoint serves ${a.host} only over HTTPS (install a certificate and key: --dm-cert FILE --dm-key FILE), or over plain HTTP once an administrator marks it as a phone cable's interface (--dm-cable ${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port})`;
}

/** Where a phone's session came in. */
export interface DmSessionOrigin {
  /** The phone's IP address. */
  remoteAddress: string | undefined;
  /** The kiosk's own address the session arrived at. */
  localAddress: string | undefined;
  /** The address is served over plain HTTP (loopback, or a phone cable's interface), not HTTPS. */
  plainHttp: boolean;
}

export interface DmEndpointOptions {
  listen: DmListenAddress[];
  sessionOptions(): ServerSessionOptions;
  onSession(session: DmSession, origin: DmSessionOrigin): void;
  clock: Clock;
  random: RandomSource;
  log(line: string): void;
}

export class DmEndpoint {
  private readonly servers: HttpDmServer[] = [];
  readonly urls: string[] = [];

  constructor(private readonly o: DmEndpointOptions) {}

  async start(): Promise<string[]> {
    // Every address is checked before any listens: a refused one leaves nothing half-open.
    for (const a of this.o.listen) {
      const refusal = dmListenRefusal(a);
      if (refusal) throw new KioskError('INVALID_REQUEST', { detail: refusal });
    }
    for (const a of this.o.listen) {
      const server = new HttpDmServer({ host: a.host, port: a.port, clock: this.o.clock, random: this.o.random, ...(a.tls ? { tls: a.tls } : {}) });
      server.on('session', (link) => {
        acceptHttpSession(link, this.o.sessionOptions()).then(
          (session) => this.o.onSession(session, { remoteAddress: link.remoteAddress, localAddress: link.localAddress, plainHttp: !a.tls }),
          (e: unknown) => this.o.log(`DM endpoint: a session was refused (${e instanceof Error ? e.message : String(e)})`),
        );
      });
      this.urls.push(await server.start());
      this.servers.push(server);
    }
    return this.urls;
  }

  async close(): Promise<void> {
    for (const s of this.servers.splice(0)) await s.close().catch(() => undefined);
  }
}
