/**
 * The server session options the product uses, in one place, so every way a phone reaches the
 * kiosk (cable, HTTP, HTTPS) and the conformance suite get the same rules:
 * - the device authenticates with the scheme of its account (basic, md5 or hmac; md5 when the
 *   account names none), and a device without an account is refused;
 * - the kiosk sends its own credentials in its first message (DM security 5.1: client and server
 *   authenticate each other; some clients trust only a server that does so unasked);
 * - credentials built on the resynchronisation nonce are accepted after a package 0 resync.
 */
import type { Clock, RandomSource } from '../clock';
import type { AuthAccountStore } from '../dm/auth';
import type { ServerSessionOptions } from './server';

export interface KioskSessionConfig {
  serverId: string;
  accounts: AuthAccountStore;
  clock: Clock;
  random: RandomSource;
  /** How long to wait for each device message (default 60 s). */
  timeoutMs?: number;
  /** Pause between keep-alive packages while a result alert is awaited (default 2000 ms). */
  keepAliveIntervalMs?: number;
  /** MaxObjSize the kiosk advertises (and the largest object it reassembles from a device). */
  maxObjSize?: number;
}

export function kioskSessionOptions(c: KioskSessionConfig): ServerSessionOptions {
  return {
    serverId: c.serverId,
    clientAuth: 'account',
    serverCredentials: 'always',
    accounts: c.accounts,
    acceptResyncNonce: true,
    clock: c.clock,
    random: c.random,
    timeoutMs: c.timeoutMs ?? 60_000,
    keepAliveIntervalMs: c.keepAliveIntervalMs ?? 2000,
    ...(c.maxObjSize !== undefined ? { maxObjSize: c.maxObjSize } : {}),
  };
}
