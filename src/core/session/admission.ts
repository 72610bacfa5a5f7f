/**
 * How a phone's DM session is let in over a link: the kiosk alerts it (package 0) or waits for
 * it to call, reads its package 1 to see whether it presents credentials, bootstraps a phone
 * with no account for this kiosk where that is allowed (a local cable only), and accepts the
 * authenticated session. The link is the caller's: nothing here closes it.
 */
import { RESYNC_NONCE } from '../dm/auth';
import { decodeMessage } from '../dm/codec';
import { encodePackage0, PACKAGE0_CONTENT_TYPE, type UiMode } from '../dm/pkg0';
import type { RandomSource } from '../clock';
import type { DmPayload, Link } from '../link';
import type { DmSession } from './api';
import { acceptSession, type ServerSessionOptions } from './server';

export interface PeekedLink {
  /** The same link, whose next receive() gives the peeked message again. */
  link: Link;
  /** The phone's first message carries credentials (SyncHdr Cred or an HMAC header). */
  credentials: boolean;
  /** SyncHdr Source of package 1. */
  devId?: string;
}

/** Read the phone's package 1 to see whether it authenticates, and hand it on unread. */
export async function peekFirstMessage(link: Link, timeoutMs: number): Promise<PeekedLink> {
  const first = await link.receive({ timeoutMs });
  let credentials = true;
  let devId: string | undefined;
  try {
    const { message } = decodeMessage(first.body, first.contentType);
    credentials = message.header.cred !== undefined || first.headers?.['x-syncml-hmac'] !== undefined;
    devId = message.header.source.locURI;
  } catch {
    // Unreadable: let the session engine report it as it always does.
  }
  return { link: replaying(link, first), credentials, ...(devId !== undefined ? { devId } : {}) };
}

/** A view of `link` whose next receive() returns `first` before anything new. */
export function replaying(link: Link, first: DmPayload): Link {
  let pending: DmPayload | undefined = first;
  return {
    get id() {
      return link.id;
    },
    get kind() {
      return link.kind;
    },
    send: (m) => link.send(m),
    receive: (o) => {
      const p = pending;
      pending = undefined;
      return p ? Promise.resolve(p) : link.receive(o);
    },
    close: () => link.close(),
  };
}

/** A random SessionID for package 0 (1..65534; 0 and 0xFFFF are avoided). */
export function newSessionId(random: RandomSource): number {
  const [a = 0, b = 0] = random.bytes(2);
  return 1 + (((a << 8) | b) % 0xfffe);
}

export interface AlertOptions {
  /** Options of the authenticated session. */
  session: ServerSessionOptions;
  random: RandomSource;
  /** How long to wait for the phone's package 1. */
  firstMessageTimeoutMs: number;
  uiMode?: UiMode;
  /**
   * The server password the phone checks package 0's digest with. `devId`: the DevId this link's
   * phone gave in an earlier package 1 here (after a bootstrap); undefined the first time, when
   * the kiosk may not know yet which phone is on the cable.
   */
  package0Password(devId?: string): Promise<string>;
  /**
   * Bootstrap over a local cable: a phone that answers without credentials and holds no
   * account for this kiosk gets one in an unauthenticated session used for nothing else.
   * Absent: such a phone is accepted (and refused) by the authenticated session as usual.
   */
  bootstrap?: {
    wanted(devId: string): boolean;
    provision(session: DmSession): Promise<void>;
  };
}

/**
 * Package 0 over the link, then accept the session the phone opens. After a bootstrap the phone
 * is alerted once more and must authenticate with its new credentials.
 */
export async function alertAndAccept(link: Link, o: AlertOptions): Promise<DmSession> {
  let bootstrappedDevId: string | undefined;
  for (let bootstrapped = false; ; bootstrapped = true) {
    // After a bootstrap the phone checks the digest with the account it was just given.
    const password = await o.package0Password(bootstrappedDevId);
    // The resynchronisation nonce: accepted by every phone whatever nonce it last stored.
    const body = encodePackage0(
      { uiMode: o.uiMode ?? 'background', initiator: 'server', sessionId: newSessionId(o.random), serverId: o.session.serverId },
      { password, nonce: RESYNC_NONCE },
    );
    await link.send({ body, contentType: PACKAGE0_CONTENT_TYPE });
    const first = await peekFirstMessage(link, o.firstMessageTimeoutMs);
    if (o.bootstrap && !bootstrapped && !first.credentials && first.devId !== undefined && o.bootstrap.wanted(first.devId)) {
      const session = await acceptSession(first.link, { ...o.session, clientAuth: 'none', accounts: undefined });
      try {
        await o.bootstrap.provision(session);
        bootstrappedDevId = first.devId;
      } finally {
        await session.end().catch(() => undefined);
      }
      continue;
    }
    return acceptSession(first.link, o.session);
  }
}

/** Wait for the phone to open a session by itself (after its install and reboot, or on its own). */
export function listenAndAccept(link: Link, session: ServerSessionOptions): Promise<DmSession> {
  return acceptSession(link, session);
}
