/**
 * The kiosk's DM endpoint as the product runs it: HttpDmServer over real loopback HTTP, each
 * session accepted with the product's session options (kioskSessionOptions). A test queues
 * what the kiosk does in each session (a script over the DmSession) and plays the phone with
 * the spec-written DmClient.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/core/clock';
import { MemoryAuthAccountStore, type AuthAccount, type AuthAccountStore } from '../../src/core/dm/auth';
import type { DmSession } from '../../src/core/session/api';
import { kioskSessionOptions } from '../../src/core/session/kiosk-session';
import { HttpDmServer, acceptHttpSession, type HttpDmServerOptions } from '../../src/transport/http';
import type { ClientAccount } from './dm-client';

export const SERVER_ID = 'fumo-kiosk';

export type Script = (s: DmSession) => Promise<void>;

export interface Kiosk {
  url: string;
  server: HttpDmServer;
  store: MemoryAuthAccountStore;
  /** What the kiosk does in its next session (default: end at once). */
  script(fn: Script): void;
  /** The outcome of the n-th session (0-based): the session, or the error it failed with. */
  outcome(n: number): Promise<{ session?: DmSession; error?: unknown }>;
  close(): Promise<void>;
}

export function account(devId: string, type: 'basic' | 'md5' | 'hmac', overrides: Partial<AuthAccount> = {}): AuthAccount {
  return {
    deviceId: devId,
    serverId: SERVER_ID,
    clientName: `user-${devId.slice(-4)}`,
    clientSecret: 'client-secret',
    serverName: SERVER_ID,
    serverSecret: 'server-secret',
    clientNonce: Buffer.from('client-nonce-1').toString('base64'),
    serverNonce: Buffer.from('server-nonce-1').toString('base64'),
    authType: type,
    ...overrides,
  };
}

/** The phone's copy of the same account (DMAcc AppAuth as the phone holds it). */
export function phoneAccount(a: AuthAccount): ClientAccount {
  return {
    user: a.clientName,
    secret: a.clientSecret,
    type: a.authType ?? 'md5',
    nonce: Buffer.from(a.clientNonce, 'base64'),
    serverUser: a.serverName,
    serverSecret: a.serverSecret,
    serverNonce: Buffer.from(a.serverNonce, 'base64'),
  };
}

export async function startKiosk(
  accounts: AuthAccount[],
  options: HttpDmServerOptions & { maxObjSize?: number; accountStore?: AuthAccountStore } = {},
): Promise<Kiosk> {
  const store = new MemoryAuthAccountStore(accounts);
  const sessionStore: AuthAccountStore = options.accountStore ?? store;
  const server = new HttpDmServer({ replyTimeoutMs: 60_000, ...options });
  const url = await server.start();
  const scripts: Script[] = [];
  const outcomes: Array<Promise<{ session?: DmSession; error?: unknown }>> = [];
  const waiters: Array<() => void> = [];
  server.on('session', (link) => {
    const script = scripts.shift();
    outcomes.push(
      acceptHttpSession(
        link,
        kioskSessionOptions({
          serverId: SERVER_ID,
          accounts: sessionStore,
          clock: systemClock,
          random: { bytes: (n) => new Uint8Array(randomBytes(n)) },
          timeoutMs: 30_000,
          keepAliveIntervalMs: 20,
          ...(options.maxObjSize !== undefined ? { maxObjSize: options.maxObjSize } : {}),
        }),
      ).then(
        async (session) => {
          try {
            if (script) await script(session);
            else await session.end();
            return { session };
          } catch (error) {
            return { session, error };
          }
        },
        (error: unknown) => ({ error }),
      ),
    );
    for (const w of waiters.splice(0)) w();
  });
  return {
    url,
    server,
    store,
    script: (fn) => void scripts.push(fn),
    async outcome(n) {
      while (outcomes.length <= n) await new Promise<void>((r) => waiters.push(r));
      return outcomes[n]!;
    },
    close: () => server.close(),
  };
}
