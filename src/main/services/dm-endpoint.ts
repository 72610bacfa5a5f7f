/**
 * The kiosk's DM endpoint over HTTP(S): where phones that speak DM over HTTP (on a USB network
 * interface, or a simulator on loopback) open their sessions. It listens on 127.0.0.1 unless an
 * administrator or the command line names other addresses; an address beyond loopback is served
 * only over HTTPS (a certificate and key the administrator installs, TLS 1.2 or later), or over
 * plain HTTP where an administrator marks it as a phone cable's own interface. Each accepted session is
 * handed on; a session that fails before it is accepted is answered at once by the binding.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Clock, RandomSource } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { DmSession } from '../../core/session/api';
import type { ServerSessionOptions } from '../../core/session/server';
import { acceptHttpSession, HttpDmServer } from '../../transport/http';
import { isLoopbackAddress } from '../hosts/security';
import { formatDmListen, isIpLiteral, parseDmListenSpec } from '../../shared/dm-listen';
import type { Settings } from '../../shared/schemas';

export interface DmListenAddress {
  /** An IP address, or (until resolveDmListen) the name of a network interface. */
  host: string;
  port: number;
  /** PEM key and certificate for HTTPS (required beyond loopback, unless `cable`). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** An administrator marked this address as a phone cable's own network interface: plain HTTP is allowed there. */
  cable?: boolean;
}

/** `HOST:PORT` (IPv6 in brackets; HOST may name a network interface) as given to --dm-listen or stored in the settings. */
export function parseDmListen(text: string): DmListenAddress {
  const parsed = parseDmListenSpec(text);
  if (typeof parsed === 'string') throw new KioskError('INVALID_REQUEST', { detail: parsed });
  return parsed;
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
  if ((f.dmCert === undefined) !== (f.dmKey === undefined)) throw new KioskError('INVALID_REQUEST', { detail: 'HTTPS on the DM endpoint needs both --dm-cert FILE and --dm-key FILE (or both settings dmCertFile and dmKeyFile)' });
  const tls = f.dmCert !== undefined && f.dmKey !== undefined ? { cert: readPem(f.dmCert, 'certificate'), key: readPem(f.dmKey, 'key') } : undefined;
  const listen = (f.dmListen ?? []).map((t) => ({ ...parseDmListen(t), ...(tls ? { tls } : {}) }));
  const cable = (f.dmCable ?? []).map((t) => ({ ...parseDmListen(t), cable: true }));
  if (tls && !listen.length) listen.push({ host: '127.0.0.1', port: 0, tls });
  const all = [...listen, ...cable];
  return all.length ? all : undefined;
}

/** The DM endpoint's settings as the flags would give them: one rule set for both. */
export function dmListenFromSettings(s: Pick<Settings, 'dmListen' | 'dmCable' | 'dmCertFile' | 'dmKeyFile'>): DmListenAddress[] | undefined {
  return dmListenFromFlags({
    dmListen: s.dmListen,
    dmCable: s.dmCable,
    ...(s.dmCertFile !== '' ? { dmCert: s.dmCertFile } : {}),
    ...(s.dmKeyFile !== '' ? { dmKey: s.dmKeyFile } : {}),
  });
}

const ALL_INTERFACES = new Set(['0.0.0.0', '::']);

/** Why an address may not be served as given, or undefined when it may. */
export function dmListenRefusal(a: DmListenAddress): string | undefined {
  const https = 'install a certificate and key (--dm-cert FILE --dm-key FILE, or the settings dmCertFile and dmKeyFile)';
  if (ALL_INTERFACES.has(a.host)) {
    if (a.tls) return undefined;
    // A cable's mark names one phone's interface; every interface is never that.
    return `the DM endpoint serves all interfaces (${a.host}) only over HTTPS: ${https}, or list the phone cable's own interface as a cable's (--dm-cable HOST:PORT, or the setting dmCable)`;
  }
  if (a.tls || a.cable || isLoopbackAddress(a.host)) return undefined;
  const shown = formatDmListen(a);
  return `the DM endpoint serves ${a.host} only over HTTPS (${https}), or over plain HTTP once an administrator marks it as a phone cable's interface (--dm-cable ${shown}, or ${shown} in the setting dmCable)`;
}

/** What os.networkInterfaces() tells: each interface's addresses. */
export type InterfaceTable = Record<string, { address: string; family: string | number }[] | undefined>;

/**
 * Interface names to their addresses (an IPv6 link-local one with its zone, e.g. fe80::1%usb0),
 * each with the mark and certificate of the entry that named it. A name this computer has no
 * interface of (a phone's USB interface appears only while the phone is plugged in) is left out
 * and listed in `missing`.
 */
export function resolveDmListen(listen: readonly DmListenAddress[], table: InterfaceTable = networkInterfaces()): { addresses: DmListenAddress[]; missing: string[] } {
  const addresses: DmListenAddress[] = [];
  const missing: string[] = [];
  for (const a of listen) {
    if (isIpLiteral(a.host) || a.host === 'localhost') {
      addresses.push(a);
      continue;
    }
    const infos = table[a.host];
    if (!infos?.length) {
      missing.push(formatDmListen(a));
      continue;
    }
    for (const info of infos) {
      const v6 = info.family === 'IPv6' || info.family === 6;
      const host = v6 && /^fe80:/i.test(info.address) ? `${info.address}%${a.host}` : info.address;
      addresses.push({ ...a, host });
    }
  }
  return { addresses, missing };
}

/** Refuse the first address that may not be served (INVALID_REQUEST with the reason). */
export function checkDmListen(listen: readonly DmListenAddress[]): void {
  for (const a of listen) {
    const refusal = dmListenRefusal(a);
    if (refusal) throw new KioskError('INVALID_REQUEST', { detail: refusal });
  }
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
  /** The addresses, or how to read them when the endpoint starts (the settings are read then). */
  listen: readonly DmListenAddress[] | (() => readonly DmListenAddress[]);
  sessionOptions(): ServerSessionOptions;
  onSession(session: DmSession, origin: DmSessionOrigin): void;
  clock: Clock;
  random: RandomSource;
  log(line: string): void;
  /** The computer's network interfaces (default: os.networkInterfaces()), read at start. */
  interfaces?: () => InterfaceTable;
}

export class DmEndpoint {
  private readonly servers: HttpDmServer[] = [];
  readonly urls: string[] = [];

  constructor(private readonly o: DmEndpointOptions) {}

  private planned: DmListenAddress[] | undefined;

  /**
   * Read, resolve and check the addresses without listening: a refused one throws
   * (INVALID_REQUEST) before the kiosk does anything else. start() plans first if this was not called.
   */
  plan(): readonly DmListenAddress[] {
    const listen = typeof this.o.listen === 'function' ? this.o.listen() : this.o.listen;
    const { addresses, missing } = resolveDmListen(listen, this.o.interfaces?.() ?? networkInterfaces());
    checkDmListen(addresses);
    for (const m of missing) this.o.log(`DM endpoint: not listening on ${m}: this computer has no such network interface now (a phone's USB interface appears when the phone is plugged in); it is looked up again when the kiosk next starts`);
    this.planned = addresses;
    return addresses;
  }

  async start(): Promise<string[]> {
    const addresses = this.planned ?? this.plan();
    for (const a of addresses) {
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
