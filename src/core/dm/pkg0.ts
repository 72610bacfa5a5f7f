/**
 * Package 0: the General Notification Initiated Session Alert (DM notification 6.2), the
 * binary trigger that asks a device to open a DM session with this server.
 *
 *   digest(128) | version(10) | ui-mode(2) | initiator(1) | future(27) | sessionid(16) |
 *   length-identifier(8) | server-identifier | vendor-specific
 *
 * Big-endian. Digest = MD5(B64(MD5(serverid:password)) + ":" + nonce + ":" + B64(MD5(trigger)))
 * where trigger = every byte after the digest and nonce = the server nonce as raw bytes.
 */
import { DecodeError } from '../errors';
import { RESYNC_NONCE, md5, md5UserSecret, toBase64 } from './auth';

export const PACKAGE0_CONTENT_TYPE = 'application/vnd.syncml.notification';
/** Version 1.1 as sent by DM 1.2 (binary 0000001011). */
export const PACKAGE0_VERSION_DM12 = 11;
const DIGEST_LENGTH = 16;
/** digest + 5 bytes of version/ui-mode/initiator/future + session id + length byte. */
const MIN_LENGTH = DIGEST_LENGTH + 5 + 2 + 1;

export type UiMode = 'not-specified' | 'background' | 'informative' | 'user-interaction';
const UI_MODES: readonly UiMode[] = ['not-specified', 'background', 'informative', 'user-interaction'];

export interface Package0Fields {
  /** 10-bit version number (11 = DM 1.2 notification); defaults to 11 when encoding. */
  version?: number;
  uiMode: UiMode;
  initiator: 'client' | 'server';
  /** 27 reserved bits, zero when sent; kept as decoded. */
  future?: number;
  /** 16-bit session id, 1..0xFFFF (0 is refused); the device puts it as upper-case hex in SessionID. */
  sessionId: number;
  serverId: string;
  vendor?: Uint8Array;
}

export interface Package0 extends Required<Package0Fields> {
  digest: Uint8Array;
  /** All bytes after the digest, as received (what the digest covers). */
  trigger: Uint8Array;
}

const utf8 = new TextEncoder();

function encodeTrigger(f: Package0Fields): Uint8Array {
  const version = f.version ?? PACKAGE0_VERSION_DM12;
  const future = f.future ?? 0;
  if (!Number.isInteger(version) || version < 0 || version > 0x3ff) throw new RangeError('version must fit 10 bits');
  // DM notification 6.2.2.10: the session id is 1 through FFFF (the device writes it as hex in SessionID).
  if (!Number.isInteger(f.sessionId) || f.sessionId < 1 || f.sessionId > 0xffff) throw new RangeError('session id must be 1..0xFFFF');
  if (!Number.isInteger(future) || future < 0 || future > 0x7ffffff) throw new RangeError('future bits must fit 27 bits');
  const id = utf8.encode(f.serverId);
  if (id.length > 255) throw new RangeError('server id longer than 255 bytes');
  const vendor = f.vendor ?? new Uint8Array(0);
  const out = new Uint8Array(5 + 2 + 1 + id.length + vendor.length);
  const ui = UI_MODES.indexOf(f.uiMode);
  if (ui < 0) throw new RangeError(`unknown ui mode ${String(f.uiMode)}`);
  // 40 bits: version(10) ui(2) initiator(1) future(27)
  const hi = (version << 3) | (ui << 1) | (f.initiator === 'server' ? 1 : 0); // 13 bits
  const bits = BigInt(hi) * 2n ** 27n + BigInt(future);
  for (let i = 0; i < 5; i++) out[i] = Number((bits >> BigInt(8 * (4 - i))) & 0xffn);
  out[5] = f.sessionId >> 8;
  out[6] = f.sessionId & 0xff;
  out[7] = id.length;
  out.set(id, 8);
  out.set(vendor, 8 + id.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** MD5(B64(MD5(serverid:password)) + ":" + nonce + ":" + B64(MD5(trigger))). */
export function computePackage0Digest(serverId: string, password: string, nonce: Uint8Array, trigger: Uint8Array): Uint8Array {
  const colon = utf8.encode(':');
  const triggerHash = toBase64(md5(trigger));
  return md5(concat([utf8.encode(md5UserSecret(serverId, password)), colon, nonce, colon, utf8.encode(triggerHash)]));
}

/** Build a package 0 with its digest over the trigger. */
export function encodePackage0(fields: Package0Fields, secret: { password: string; nonce: Uint8Array }): Uint8Array {
  const trigger = encodeTrigger(fields);
  const digest = computePackage0Digest(fields.serverId, secret.password, secret.nonce, trigger);
  return concat([digest, trigger]);
}

/** Parse a package 0. Throws DecodeError (and nothing else) for malformed input. */
export function decodePackage0(bytes: Uint8Array): Package0 {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('package 0 is not a byte array');
  if (bytes.length < MIN_LENGTH) throw new DecodeError(`package 0 too short: ${bytes.length} bytes, at least ${MIN_LENGTH} needed`, bytes.length);
  const d = DIGEST_LENGTH;
  const b = (i: number): number => bytes[d + i] ?? 0;
  const version = (b(0) << 2) | (b(1) >> 6);
  const uiMode = UI_MODES[(b(1) >> 4) & 3] ?? 'not-specified';
  const initiator = (b(1) >> 3) & 1 ? 'server' : 'client';
  const future = ((b(1) & 7) << 24) | (b(2) << 16) | (b(3) << 8) | b(4);
  const sessionId = (b(5) << 8) | b(6);
  const idLength = b(7);
  const idStart = d + 8;
  if (idStart + idLength > bytes.length) {
    throw new DecodeError(`server identifier of ${idLength} bytes runs past the end of the ${bytes.length}-byte package`, d + 7);
  }
  let serverId: string;
  try {
    serverId = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(idStart, idStart + idLength));
  } catch {
    throw new DecodeError('server identifier is not valid UTF-8', idStart);
  }
  return {
    digest: bytes.slice(0, d),
    trigger: bytes.slice(d),
    version,
    uiMode,
    initiator,
    future: future >>> 0,
    sessionId,
    serverId,
    vendor: bytes.slice(idStart + idLength),
  };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** Does the digest verify with this password and nonce (the server id is the package's own)? */
export function verifyPackage0Digest(pkg: Package0 | Uint8Array, password: string, nonce: Uint8Array): boolean {
  const p = pkg instanceof Uint8Array ? decodePackage0(pkg) : pkg;
  return equalBytes(p.digest, computePackage0Digest(p.serverId, password, nonce, p.trigger));
}

export type Package0Verification =
  | { ok: true; nonce: 'stored' | 'resync' }
  | { ok: false };

/**
 * The device's check with nonce resynchronisation (DM notification, "Nonce Resynchronisation"):
 * try the stored server nonce; when that fails, re-verify with the default nonce 0x00000000.
 * On 'resync' the device opens the session with credentials built on that default nonce, and
 * both sides exchange fresh nonces in the Chal of packages 2 and 3. Otherwise it ignores the
 * notification.
 */
export function verifyPackage0WithResync(pkg: Package0 | Uint8Array, password: string, storedNonce: Uint8Array): Package0Verification {
  const p = pkg instanceof Uint8Array ? decodePackage0(pkg) : pkg;
  if (verifyPackage0Digest(p, password, storedNonce)) return { ok: true, nonce: 'stored' };
  if (verifyPackage0Digest(p, password, RESYNC_NONCE)) return { ok: true, nonce: 'resync' };
  return { ok: false };
}

/** SessionID text a device derives from the package 0 session id: upper-case hex, no leading zeros. */
export function sessionIdText(sessionId: number): string {
  return sessionId.toString(16).toUpperCase();
}
