/**
 * Application-layer authentication of OMA DM 1.2 (DM protocol 2.4, DM security 5.1), in both
 * directions: the client to the server (SyncHdr Cred from the device) and the server to the
 * client (SyncHdr Cred from the kiosk). Three schemes:
 * - syncml:auth-basic  Cred Data = B64(user:pass)
 * - syncml:auth-md5    Cred Data = B64(MD5(B64(MD5(user:pass)) + ":" + nonce))
 * - syncml:auth-MAC    transport header x-syncml-hmac over the raw message bytes:
 *                      mac = B64(MD5(B64(MD5(user:pass)) + ":" + nonce + ":" + B64(MD5(body))))
 * The nonce is the byte string the peer sent, base64 decoded, in Chal Meta/NextNonce.
 *
 * `CredentialVerifier` is the authenticator's state for one session (one re-challenge after a
 * failure, then AUTH_FAILED); the account store keeps secrets and nonces across sessions.
 */
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';
import type { RandomSource } from '../clock';
import { KioskError } from '../errors';
import type { Chal, Cred } from './model';

export type AuthType = 'basic' | 'md5' | 'hmac';
/** What a verifier demands: one scheme, or nothing. */
export type AuthRequirement = AuthType | 'none';

export const AUTH_TYPE_BASIC = 'syncml:auth-basic';
export const AUTH_TYPE_MD5 = 'syncml:auth-md5';
export const AUTH_TYPE_HMAC = 'syncml:auth-MAC';
/** Name of the transport header that carries HMAC credentials (lower case, as Link headers are). */
export const HMAC_HEADER = 'x-syncml-hmac';
/** Nonce resynchronisation (DM notification 6.2): the default nonce 0x00000000, four zero bytes. */
export const RESYNC_NONCE: Uint8Array = new Uint8Array(4);

export function authTypeUri(type: AuthType): string {
  return type === 'basic' ? AUTH_TYPE_BASIC : type === 'md5' ? AUTH_TYPE_MD5 : AUTH_TYPE_HMAC;
}

/** Map a Meta/Type value to a scheme (case-insensitive: devices differ in `auth-MAC` spelling). */
export function authTypeOf(uri: string | undefined): AuthType | undefined {
  switch (uri?.trim().toLowerCase()) {
    case 'syncml:auth-basic':
      return 'basic';
    case 'syncml:auth-md5':
      return 'md5';
    case 'syncml:auth-mac':
      return 'hmac';
    default:
      return undefined;
  }
}

const utf8 = new TextEncoder();

function bytesOf(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? utf8.encode(s) : s;
}

export function md5(data: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHash('md5').update(bytesOf(data)).digest());
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decode base64 leniently (whitespace ignored); undefined when the text is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(clean, 'base64'));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const COLON = utf8.encode(':');

/** B64(MD5(user:pass)): the pre-computed secret an authenticator may store instead of the password. */
export function md5UserSecret(user: string, password: string): string {
  return toBase64(md5(`${user}:${password}`));
}

/** syncml:auth-basic value: B64(user:pass). */
export function basicCredential(user: string, password: string): string {
  return toBase64(utf8.encode(`${user}:${password}`));
}

export function parseBasicCredential(data: string): { user: string; password: string } | undefined {
  const raw = fromBase64(data);
  if (!raw) return undefined;
  const text = new TextDecoder().decode(raw);
  const i = text.indexOf(':');
  return i < 0 ? undefined : { user: text.slice(0, i), password: text.slice(i + 1) };
}

/** syncml:auth-md5 value: B64(MD5(B64(MD5(user:pass)) + ":" + nonce)). */
export function md5Credential(user: string, password: string, nonce: Uint8Array): string {
  return toBase64(md5(concat(utf8.encode(md5UserSecret(user, password)), COLON, nonce)));
}

/** syncml:auth-MAC value: B64(MD5(B64(MD5(user:pass)) + ":" + nonce + ":" + B64(MD5(body)))). */
export function hmacCredential(user: string, password: string, nonce: Uint8Array, body: Uint8Array): string {
  return toBase64(
    md5(concat(utf8.encode(md5UserSecret(user, password)), COLON, nonce, COLON, utf8.encode(toBase64(md5(body))))),
  );
}

export interface HmacHeader {
  algorithm: string;
  username: string;
  mac: string;
}

export function formatHmacHeader(h: { username: string; mac: string; algorithm?: string }): string {
  return `algorithm=${h.algorithm ?? 'MD5'}, username="${h.username}", mac=${h.mac}`;
}

/** Parse `algorithm=MD5, username="...", mac=...` (parameters in any order; algorithm defaults to MD5). */
export function parseHmacHeader(value: string): HmacHeader | undefined {
  const params = new Map<string, string>();
  const re = /\s*([A-Za-z]+)\s*=\s*("([^"]*)"|[^,\s]*)\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(value)) !== null && m[0].length > 0) {
    params.set(m[1]!.toLowerCase(), m[3] ?? m[2] ?? '');
    last = re.lastIndex;
    if (last >= value.length) break;
  }
  if (last < value.trim().length) return undefined;
  const mac = params.get('mac');
  const username = params.get('username');
  if (!mac || username === undefined) return undefined;
  return { algorithm: params.get('algorithm') ?? 'MD5', username, mac };
}

/** A fresh nonce of `length` random bytes (16 as DM security 5.1.3.3 recommends). */
export function createNonce(random: RandomSource, length = 16): Uint8Array {
  return random.bytes(length);
}

export function makeChal(type: AuthType, nextNonce?: Uint8Array): Chal {
  return {
    meta: {
      type: authTypeUri(type),
      format: 'b64',
      ...(type !== 'basic' && nextNonce ? { nextNonce: toBase64(nextNonce) } : {}),
    },
  };
}

/** The SyncHdr Cred for basic or MD5 (HMAC travels in the transport header instead). */
export function makeCred(type: 'basic' | 'md5', user: string, password: string, nonce: Uint8Array): Cred {
  return {
    meta: { type: authTypeUri(type), format: 'b64' },
    data: type === 'basic' ? basicCredential(user, password) : md5Credential(user, password, nonce),
  };
}

/** The nonce a Chal carries, decoded; undefined when there is none or it is not base64. */
export function chalNonce(chal: Chal | undefined): Uint8Array | undefined {
  const n = chal?.meta.nextNonce;
  return n === undefined ? undefined : fromBase64(n);
}

/** Credentials as presented by the peer in one message. */
export interface PresentedCredentials {
  /** SyncHdr Cred, when present. */
  cred?: Cred;
  /** SyncHdr Source/LocName: the user name for MD5 digests. */
  locName?: string;
  /** The x-syncml-hmac header value, when present. */
  hmacHeader?: string;
  /** The raw message bytes (for HMAC). */
  body: Uint8Array;
}

export interface ExpectedCredentials {
  name: string;
  secret: string;
}

/**
 * Check presented credentials of `type` against the expected name and secret and the nonces
 * in `nonces` (tried in order, so a stale and a fresh nonce can both be accepted where the
 * protocol allows). Returns false for absent or wrong credentials; never throws.
 */
export function checkCredentials(
  type: AuthType,
  presented: PresentedCredentials,
  expected: ExpectedCredentials,
  nonces: Uint8Array[],
): boolean {
  if (type === 'hmac') {
    const h = presented.hmacHeader === undefined ? undefined : parseHmacHeader(presented.hmacHeader);
    if (!h || h.algorithm.toUpperCase() !== 'MD5' || h.username !== expected.name) return false;
    return nonces.some((n) => hmacCredential(expected.name, expected.secret, n, presented.body) === h.mac);
  }
  const cred = presented.cred;
  if (!cred || authTypeOf(cred.meta.type ?? AUTH_TYPE_BASIC) !== type) return false;
  if (type === 'basic') {
    const p = parseBasicCredential(cred.data.trim());
    return p !== undefined && p.user === expected.name && p.password === expected.secret;
  }
  if (presented.locName !== undefined && presented.locName !== expected.name) return false;
  const value = cred.data.trim();
  return nonces.some((n) => md5Credential(expected.name, expected.secret, n) === value);
}

/** Whether a message presents any credentials at all (for 407 versus 401). */
export function hasCredentials(presented: PresentedCredentials): boolean {
  return presented.cred !== undefined || presented.hmacHeader !== undefined;
}

/**
 * One device account as both ends keep it (the kiosk per device, the device per server).
 * Nonces are base64 text, as they travel in NextNonce.
 */
export interface AuthAccount {
  /** The device (SyncHdr Source of the client), e.g. IMEI:493005100592800. */
  deviceId: string;
  /** The DM server's identifier (DMAcc ServerID). */
  serverId: string;
  /** What the client authenticates with (DMAcc AppAuth CLCRED AAuthName/AAuthSecret). */
  clientName: string;
  clientSecret: string;
  /** What the server authenticates with (DMAcc AppAuth SRVCRED). */
  serverName: string;
  serverSecret: string;
  /** The nonce the client must use in its next credentials (issued by the server). */
  clientNonce: string;
  /** The nonce the server must use in its next credentials and in package 0 (issued by the client). */
  serverNonce: string;
  /** Preferred scheme (DMAcc AAuthPref), when known: how the client authenticates. */
  authType?: AuthType;
  /** How the server authenticates to the client, when it differs from authType. */
  serverAuthType?: AuthType;
}

/** Persistence of accounts; the kiosk's store implements it, tests use `MemoryAuthAccountStore`. */
export interface AuthAccountStore {
  get(deviceId: string, serverId: string): Promise<AuthAccount | undefined>;
  put(account: AuthAccount): Promise<void>;
  /**
   * The account a device holds under another ServerID (an operator's account the
   * administrator imported), asked when it has none under the server's own id.
   */
  findForDevice?(deviceId: string): Promise<AuthAccount | undefined>;
}

export class MemoryAuthAccountStore implements AuthAccountStore {
  private readonly accounts = new Map<string, AuthAccount>();

  constructor(initial: AuthAccount[] = []) {
    for (const a of initial) this.accounts.set(MemoryAuthAccountStore.key(a.deviceId, a.serverId), { ...a });
  }

  private static key(deviceId: string, serverId: string): string {
    return `${deviceId}\u0000${serverId}`;
  }

  get(deviceId: string, serverId: string): Promise<AuthAccount | undefined> {
    const a = this.accounts.get(MemoryAuthAccountStore.key(deviceId, serverId));
    return Promise.resolve(a ? { ...a } : undefined);
  }

  put(account: AuthAccount): Promise<void> {
    this.accounts.set(MemoryAuthAccountStore.key(account.deviceId, account.serverId), { ...account });
    return Promise.resolve();
  }

  findForDevice(deviceId: string): Promise<AuthAccount | undefined> {
    for (const a of this.accounts.values()) if (a.deviceId === deviceId) return Promise.resolve({ ...a });
    return Promise.resolve(undefined);
  }
}

/** The answer an authenticator gives to one message's credentials. */
export interface AuthVerdict {
  /** Status for the SyncHdr: 200 (already authenticated), 212 (accepted), 401 (refused), 407 (missing). */
  status: 200 | 212 | 401 | 407;
  chal?: Chal;
  /** True once the peer is authenticated in this session. */
  authenticated: boolean;
}

/**
 * Verifies the peer's credentials for one session, issuing and rotating nonces: a fresh
 * NextNonce in every Chal (for HMAC with every message), and after 212 for MD5 the nonce for
 * the next session. After a failure the peer gets one more challenge with a fresh nonce; a
 * second failure throws AUTH_FAILED. Used by the server (verifying the device: `role`
 * 'client-credentials') and by the device (verifying the server: 'server-credentials').
 */
export class CredentialVerifier {
  private failures = 0;
  private authenticatedFlag = false;
  /** The nonce issued in this session's last Chal: the one the peer must use next. */
  private issued: Uint8Array | undefined;

  constructor(
    private readonly options: {
      requirement: AuthRequirement;
      store: AuthAccountStore;
      account: AuthAccount;
      random: RandomSource;
      /** Whose credentials are checked: the client's (on the server) or the server's (on the device). */
      role: 'client-credentials' | 'server-credentials';
      /** Also accept the resynchronisation nonce 0x00000000 (DM notification 6.2). */
      acceptResyncNonce?: boolean;
    },
  ) {}

  get authenticated(): boolean {
    return this.authenticatedFlag || this.options.requirement === 'none';
  }

  get account(): AuthAccount {
    return this.options.account;
  }

  private get expected(): ExpectedCredentials {
    const a = this.options.account;
    return this.options.role === 'client-credentials'
      ? { name: a.clientName, secret: a.clientSecret }
      : { name: a.serverName, secret: a.serverSecret };
  }

  private storedNonce(): Uint8Array {
    const a = this.options.account;
    const text = this.options.role === 'client-credentials' ? a.clientNonce : a.serverNonce;
    return fromBase64(text) ?? new Uint8Array(0);
  }

  private async issueNonce(): Promise<Uint8Array> {
    const nonce = createNonce(this.options.random);
    this.issued = nonce;
    const a = this.options.account;
    if (this.options.role === 'client-credentials') a.clientNonce = toBase64(nonce);
    else a.serverNonce = toBase64(nonce);
    await this.options.store.put(a);
    return nonce;
  }

  /** Judge one incoming message. Throws KioskError AUTH_FAILED after the second refusal. */
  async verify(presented: PresentedCredentials): Promise<AuthVerdict> {
    const type = this.options.requirement;
    if (type === 'none') return { status: 200, authenticated: true };
    // Basic and MD5 authenticate the session once (212); HMAC authenticates every message.
    if (this.authenticatedFlag && type !== 'hmac') return { status: 200, authenticated: true };
    const nonces: Uint8Array[] = [];
    if (this.issued) nonces.push(this.issued);
    else nonces.push(this.storedNonce());
    if (this.options.acceptResyncNonce) nonces.push(RESYNC_NONCE);
    if (checkCredentials(type, presented, this.expected, nonces)) {
      const first = !this.authenticatedFlag;
      this.authenticatedFlag = true;
      this.failures = 0;
      // A fresh nonce for the next use: the next session (MD5), or the next message (HMAC).
      const chal = type === 'basic' ? undefined : makeChal(type, await this.issueNonce());
      return { status: first ? 212 : 200, ...(chal ? { chal } : {}), authenticated: true };
    }
    if (!hasCredentials(presented) && this.failures === 0) {
      return { status: 407, chal: makeChal(type, type === 'basic' ? undefined : await this.issueNonce()), authenticated: false };
    }
    this.failures += 1;
    if (this.failures > 1) {
      throw new KioskError('AUTH_FAILED', {
        detail: `${this.options.role === 'client-credentials' ? 'the phone' : 'the kiosk'} presented wrong ${authTypeUri(type)} credentials twice`,
      });
    }
    return { status: 401, chal: makeChal(type, type === 'basic' ? undefined : await this.issueNonce()), authenticated: false };
  }
}

/**
 * The side that presents credentials (the device to the server, or the kiosk to the device):
 * tracks the nonce to use (the stored one, then the last Chal's NextNonce) and whether
 * credentials must still be sent. Per DM security 5.1.3.4 a nonce from a not yet authenticated
 * peer is used for the next credentials but is only persisted once the peer accepted them.
 */
export class CredentialPresenter {
  private nonce: Uint8Array;
  private pendingNonce: Uint8Array | undefined;
  private acceptedFlag = false;
  private challengedType: AuthType | undefined;
  private refusals = 0;

  constructor(
    private readonly options: {
      type: AuthRequirement;
      store: AuthAccountStore;
      account: AuthAccount;
      role: 'client-credentials' | 'server-credentials';
      /** Start from this nonce instead of the stored one (e.g. RESYNC_NONCE after a package 0 resync). */
      initialNonce?: Uint8Array;
      /** Scheme to answer a challenge that names none (default md5). */
      fallbackType?: AuthType;
    },
  ) {
    const a = options.account;
    this.nonce =
      options.initialNonce ?? fromBase64(options.role === 'client-credentials' ? a.clientNonce : a.serverNonce) ?? new Uint8Array(0);
  }

  /** The scheme in use: the configured one, or the one the peer challenged for. */
  get type(): AuthRequirement {
    return this.challengedType ?? this.options.type;
  }

  get accepted(): boolean {
    return this.acceptedFlag;
  }

  private get creds(): ExpectedCredentials {
    const a = this.options.account;
    return this.options.role === 'client-credentials'
      ? { name: a.clientName, secret: a.clientSecret }
      : { name: a.serverName, secret: a.serverSecret };
  }

  get userName(): string {
    return this.creds.name;
  }

  /** Whether the next message must carry credentials. */
  get mustSend(): boolean {
    const t = this.type;
    if (t === 'none') return false;
    return t === 'hmac' || !this.acceptedFlag;
  }

  /** SyncHdr Cred for basic/MD5, or undefined (HMAC uses `hmacHeader`). */
  cred(): Cred | undefined {
    const t = this.type;
    if (t !== 'basic' && t !== 'md5') return undefined;
    return makeCred(t, this.creds.name, this.creds.secret, this.nonce);
  }

  /** The x-syncml-hmac header value for an encoded message. */
  hmacHeader(body: Uint8Array): string | undefined {
    if (this.type !== 'hmac') return undefined;
    return formatHmacHeader({ username: this.creds.name, mac: hmacCredential(this.creds.name, this.creds.secret, this.nonce, body) });
  }

  /**
   * The peer's Status for our SyncHdr. Returns 'resend' when the peer challenged (401/407) and
   * the request should be repeated with credentials; throws AUTH_FAILED after the peer refused
   * credentials twice.
   */
  async onHeaderStatus(status: number, chal: Chal | undefined): Promise<'ok' | 'resend'> {
    const next = chalNonce(chal);
    const chalType = authTypeOf(chal?.meta.type);
    if (status === 212 || (status >= 200 && status < 300)) {
      if (status === 212 || this.options.type !== 'none') this.acceptedFlag = true;
      if (next) {
        this.nonce = next;
        this.pendingNonce = undefined;
        const a = this.options.account;
        if (this.options.role === 'client-credentials') a.clientNonce = toBase64(next);
        else a.serverNonce = toBase64(next);
        await this.options.store.put(a);
      } else if (this.pendingNonce) {
        // The peer accepted credentials built on a nonce it sent before authenticating: keep it.
        const a = this.options.account;
        if (this.options.role === 'client-credentials') a.clientNonce = toBase64(this.pendingNonce);
        else a.serverNonce = toBase64(this.pendingNonce);
        this.pendingNonce = undefined;
        await this.options.store.put(a);
      }
      return 'ok';
    }
    if (status === 401 || status === 407) {
      // 401 refuses the credentials sent; 407 after credentials were sent is a refusal too.
      if (status === 401 || this.type !== 'none') this.refusals += 1;
      if (this.refusals > 1) {
        throw new KioskError('AUTH_FAILED', {
          detail: `${this.options.role === 'client-credentials' ? 'the kiosk refused the phone' : 'the phone refused the kiosk'}'s credentials twice`,
        });
      }
      if (chalType) this.challengedType = chalType;
      else if (this.type === 'none') this.challengedType = this.options.fallbackType ?? 'md5';
      if (next) {
        this.nonce = next;
        this.pendingNonce = next;
      }
      this.acceptedFlag = false;
      return 'resend';
    }
    return 'ok';
  }
}
