/**
 * The signed summary in the receipt's QR code. It is compact JSON a phone camera shows as text:
 *
 *   {"t":"fumo-receipt","v":1,"id":...,"dev":"2800","mod":...,"from":...,"to":...,"res":"success",
 *    "at":"2026-12-02T14:32:00Z","chain":"17:<64 hex>","kid":"ed25519:<16 hex>","sig":"<base64url>"}
 *
 * sig is Ed25519 over the canonical JSON (keys sorted) of every field but sig, made with the
 * kiosk's own key. Anyone holding the kiosk's public key can check a receipt offline
 * (`fumo-kiosk history verify-receipt`); a changed field, a different kiosk or a forged code fail.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ed25519KeyId } from '../../core/catalog/bundle';
import type { AuditRecord } from '../store/audit';
import { canonicalJson } from '../store/context';
import { ReceiptError } from './errors';
import { deviceLast4, type ChainAnchor } from './model';

export const RECEIPT_PAYLOAD_TYPE = 'fumo-receipt';
export const RECEIPT_PAYLOAD_VERSION = 1;

/** The record facts the code carries (short keys keep the QR code small enough for a receipt roll). */
export interface ReceiptSummary {
  t: typeof RECEIPT_PAYLOAD_TYPE;
  v: typeof RECEIPT_PAYLOAD_VERSION;
  /** History record id. */
  id: string;
  /** Last 4 characters of the device id; never the whole id. */
  dev: string;
  mod: string | null;
  from: string | null;
  to: string | null;
  /** AttemptResult, or null while the attempt is still open. */
  res: string | null;
  /** When the attempt ended (or began, if still open), ISO 8601 UTC to the second. */
  at: string;
  /** "<seq>:<hash>" of the record's history entry, or null. */
  chain: string | null;
  /** Id of the signing key (see ed25519KeyId). */
  kid: string;
}

export interface SignedReceiptSummary extends ReceiptSummary {
  sig: string;
}

export interface ReceiptKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  /** The public key as PEM (SPKI), to hand to whoever checks receipts. */
  publicPem: string;
}

/** Where the kiosk keeps its receipt key in a data folder. One place, so the store's own per-kiosk key can be this one later. */
export function receiptKeyPath(dataDir: string): string {
  return path.join(dataDir, 'keys', 'kiosk-ed25519.pem');
}

/** The public half sits beside the private key: <name>.pub.pem. */
export function publicKeyPathFor(privateKeyPath: string): string {
  return privateKeyPath.replace(/\.pem$/i, '') + '.pub.pem';
}

function keyFrom(privateKey: KeyObject): ReceiptKey {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: ed25519KeyId(publicKey), publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

/**
 * The kiosk's Ed25519 key at privateKeyPath (PKCS#8 PEM, mode 0600), created on first use with
 * its public half beside it. A key file that exists but cannot be read is an error, never
 * silently replaced: receipts already handed out were signed with it.
 */
export function loadOrCreateReceiptKey(privateKeyPath: string): ReceiptKey {
  if (existsSync(privateKeyPath)) {
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(privateKeyPath));
    } catch (e) {
      throw new ReceiptError('RECEIPT_KEY_UNREADABLE', { detail: privateKeyPath }, { cause: e });
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new ReceiptError('RECEIPT_KEY_UNREADABLE', { detail: `${privateKeyPath} (not an Ed25519 key)` });
    const k = keyFrom(key);
    const pub = publicKeyPathFor(privateKeyPath);
    if (!existsSync(pub)) writeFileSync(pub, k.publicPem, { mode: 0o644 });
    return k;
  }
  mkdirSync(path.dirname(privateKeyPath), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  // 'wx': never overwrite a key another process made meanwhile; read that one instead.
  try {
    writeFileSync(privateKeyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateReceiptKey(privateKeyPath);
    throw new ReceiptError('RECEIPT_KEY_UNREADABLE', { detail: privateKeyPath }, { cause: e });
  }
  chmodSync(privateKeyPath, 0o600);
  const k = keyFrom(privateKey);
  writeFileSync(publicKeyPathFor(privateKeyPath), k.publicPem, { mode: 0o644 });
  return k;
}

export function summaryOf(r: AuditRecord, chain: ChainAnchor | null, keyId: string): ReceiptSummary {
  return {
    t: RECEIPT_PAYLOAD_TYPE,
    v: RECEIPT_PAYLOAD_VERSION,
    id: r.id,
    dev: deviceLast4(r.devId),
    mod: r.model,
    from: r.fromVersion,
    to: r.targetVersion,
    res: r.result,
    at: new Date(r.finishedAt ?? r.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    chain: chain ? `${chain.seq}:${chain.hash}` : null,
    kid: keyId,
  };
}

/** The QR payload text for a record: the summary and its signature. */
export function signedReceiptPayload(r: AuditRecord, chain: ChainAnchor | null, key: ReceiptKey): string {
  const summary = summaryOf(r, chain, key.keyId);
  const sig = sign(null, Buffer.from(canonicalJson(summary)), key.privateKey).toString('base64url');
  const signed: SignedReceiptSummary = { ...summary, sig };
  return JSON.stringify(signed);
}

export type ReceiptCheck =
  | { valid: true; summary: SignedReceiptSummary }
  | { valid: false; summary: SignedReceiptSummary | null; reason: string };

const FIELDS: { key: keyof ReceiptSummary; nullable: boolean }[] = [
  { key: 'id', nullable: false },
  { key: 'dev', nullable: false },
  { key: 'mod', nullable: true },
  { key: 'from', nullable: true },
  { key: 'to', nullable: true },
  { key: 'res', nullable: true },
  { key: 'at', nullable: false },
  { key: 'chain', nullable: true },
  { key: 'kid', nullable: false },
];

/** Read a QR payload; throws RECEIPT_PAYLOAD_UNREADABLE when it is not one. */
export function parseReceiptPayload(text: string): SignedReceiptSummary {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: 'the text is not JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: 'the text is not an object' });
  const o = value as Record<string, unknown>;
  if (o.t !== RECEIPT_PAYLOAD_TYPE) throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: `its type is ${JSON.stringify(o.t)}, expected "${RECEIPT_PAYLOAD_TYPE}"` });
  if (o.v !== RECEIPT_PAYLOAD_VERSION) throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: `format version ${JSON.stringify(o.v)} is not known to this kiosk` });
  for (const f of FIELDS) {
    const v = o[f.key];
    if (!(typeof v === 'string' || (f.nullable && v === null))) throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: `field "${f.key}" is missing or not text` });
  }
  if (typeof o.sig !== 'string' || o.sig === '') throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: 'it has no signature' });
  const known = new Set<string>(['t', 'v', 'sig', ...FIELDS.map((f) => f.key)]);
  const extra = Object.keys(o).filter((k) => !known.has(k));
  if (extra.length) throw new ReceiptError('RECEIPT_PAYLOAD_UNREADABLE', { detail: `unknown field "${extra[0]}"` });
  return o as unknown as SignedReceiptSummary;
}

/** Check a QR payload against the kiosk's public key (PEM or KeyObject). Works offline. */
export function verifyReceiptPayload(text: string, publicKey: KeyObject | string): ReceiptCheck {
  const summary = parseReceiptPayload(text);
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const keyId = ed25519KeyId(key);
  const { sig, ...signed } = summary;
  const sigBytes = Buffer.from(sig, 'base64url');
  const ok = sigBytes.length === 64 && verify(null, Buffer.from(canonicalJson(signed)), key, sigBytes);
  if (ok && summary.kid === keyId) return { valid: true, summary };
  if (summary.kid !== keyId && !ok) {
    return { valid: false, summary, reason: `it was signed by key ${summary.kid}, not by this kiosk's key ${keyId}` };
  }
  return { valid: false, summary, reason: 'the signature does not match its contents (the receipt was changed or forged)' };
}
