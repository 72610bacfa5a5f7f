/**
 * The kiosk's DM endpoint over HTTP(S): where phones that speak DM over HTTP (on a USB network
 * interface, or a simulator on loopback) open their sessions. It listens on 127.0.0.1 unless an
 * administrator or the command line names other addresses; an address beyond loopback is served
 * only over HTTPS (a certificate and key the administrator installs). Each accepted session is
 * handed on; a session that fails before it is accepted is answered at once by the binding.
 */
import type { Clock, RandomSource } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { DmSession } from '../../core/session/api';
import type { ServerSessionOptions } from '../../core/session/server';
import { acceptHttpSession, HttpDmServer } from '../../transport/http';
import { isLoopbackAddress } from '../hosts/security';

export interface DmListenAddress {
  host: string;
  port: number;
  /** PEM key and certificate for HTTPS (required beyond loopback). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** `HOST:PORT` (IPv6 in brackets) as given to --dm-listen. */
export function parseDmListen(text: string): DmListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new KioskError('INVALID_REQUEST', { detail: `--dm-listen takes HOST:PORT, e.g. 127.0.0.1:8443 (got ${JSON.stringify(text).slice(0, 60)})` });
  return { host: (m[1] ?? m[2])!, port };
}

export interface DmEndpointOptions {
  listen: DmListenAddress[];
  sessionOptions(): ServerSessionOptions;
  onSession(session: DmSession): void;
  clock: Clock;
  random: RandomSource;
  log(line: string): void;
}

export class DmEndpoint {
  private readonly servers: HttpDmServer[] = [];
  readonly urls: string[] = [];

  constructor(private readonly o: DmEndpointOptions) {}

  async start(): Promise<string[]> {
    for (const a of this.o.listen) {
      if (!isLoopbackAddress(a.host) && !a.tls) {
        throw new KioskError('INVALID_REQUEST', { detail: `the DM endpoint serves ${a.host} only over HTTPS: install a certificate and key first` });
      }
      const server = new HttpDmServer({ host: a.host, port: a.port, clock: this.o.clock, random: this.o.random, ...(a.tls ? { tls: a.tls } : {}) });
      server.on('session', (link) => {
        acceptHttpSession(link, this.o.sessionOptions()).then(
          (session) => this.o.onSession(session),
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
