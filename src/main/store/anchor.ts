/**
 * The audit chain's anchor outside the database: a head file (<data>/history-head.json) naming
 * the newest chain entry, signed with a per-kiosk Ed25519 key (<data>/history-signing.key, 0600,
 * made on first use; its public half in history-signing.pub). A database edit cannot rewind
 * it: removing the newest records, emptying the database or losing a committed transaction
 * leaves the database behind the signed head, which `history verify` reports. The same key signs
 * every chain entry's hash, so entries written after the head (a crash between the database
 * commit and the head write) are still known to be the kiosk's own.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { KioskError } from '../../core/errors';
import { canonicalJson } from './context';
import { storeFailure } from './errors';
import { writeFileAtomic } from './files';
import { historyHeadPath, historyKeyPath, historyPublicKeyPath } from './paths';

/** The newest chain entry as the head file records it. */
export interface HistoryHead {
  seq: number;
  hash: string;
  recordId: string;
  kind: string;
  at: number;
}

/** What the head file says, checked against the kiosk's key. */
export type HeadFileState =
  | { state: 'missing' }
  | { state: 'unreadable'; problem: string }
  | { state: 'ok'; head: HistoryHead; signatureOk: boolean };

/** The head as shown to people and printed on receipts. */
export interface SignedHeadView extends HistoryHead {
  /** Base64 Ed25519 signature over the head (see headMessage). */
  signature: string;
  /** SHA-256 (hex) of the raw 32-byte public key that signed it. */
  keyFingerprint: string;
}

const FORMAT = 'fumo-kiosk-history-head';

/** The bytes signed for a head: sorted-key JSON of the format name, version and the head. */
export function headMessage(head: HistoryHead): Buffer {
  return Buffer.from(canonicalJson({ format: FORMAT, version: 1, ...head }), 'utf8');
}

/** The kiosk's Ed25519 history key: loaded from the data folder, or made on first use. */
export class HistoryKey {
  private key: KeyObject | undefined;
  private pub: KeyObject | undefined;

  constructor(private readonly dataDir: string) {}

  exists(): boolean {
    return existsSync(historyKeyPath(this.dataDir));
  }

  private load(create: boolean): KeyObject | undefined {
    if (this.key) return this.key;
    const file = historyKeyPath(this.dataDir);
    if (!existsSync(file)) {
      if (!create) return undefined;
      const pair = generateKeyPairSync('ed25519');
      writeFileAtomic(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      writeFileAtomic(historyPublicKeyPath(this.dataDir), pair.publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
      this.key = pair.privateKey;
      this.pub = pair.publicKey;
      return this.key;
    }
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw storeFailure(e, file);
    }
    try {
      this.key = createPrivateKey(pem);
      if (this.key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
    } catch {
      this.key = undefined;
      throw new KioskError('STORE_CORRUPT', { file, detail: 'the history signing key cannot be read' });
    }
    this.pub = createPublicKey(this.key);
    return this.key;
  }

  /** Sign with the key, making it when there is none yet. */
  sign(data: Uint8Array): string {
    return sign(null, data, this.load(true)!).toString('base64');
  }

  /** Check a signature; false when there is no key. */
  verify(data: Uint8Array, signature: string): boolean {
    if (!this.load(false)) return false;
    try {
      return verify(null, data, this.pub!, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** SHA-256 of the raw public key, or null when there is no key yet. */
  fingerprint(): string | null {
    if (!this.load(false)) return null;
    const der = this.pub!.export({ type: 'spki', format: 'der' });
    // The raw key is the last 32 bytes of the SPKI encoding of an Ed25519 key.
    return createHash('sha256').update(der.subarray(der.length - 32)).digest('hex');
  }
}

function isHead(v: unknown): v is HistoryHead & { signature: string } {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(o.seq) &&
    (o.seq as number) >= 1 &&
    typeof o.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(o.hash) &&
    typeof o.recordId === 'string' &&
    typeof o.kind === 'string' &&
    typeof o.at === 'number' &&
    typeof o.signature === 'string'
  );
}

/** The signed head file. */
export class HeadFile {
  readonly file: string;

  constructor(
    dataDir: string,
    private readonly key: HistoryKey,
  ) {
    this.file = historyHeadPath(dataDir);
  }

  read(): HeadFileState {
    let text: string;
    try {
      if (!existsSync(this.file)) return { state: 'missing' };
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      return { state: 'unreadable', problem: storeFailure(e, this.file).message };
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return { state: 'unreadable', problem: 'it is not readable JSON' };
    }
    if (!isHead(v) || (v as { format?: unknown }).format !== FORMAT) return { state: 'unreadable', problem: 'it does not have the fields of a history head' };
    const head: HistoryHead = { seq: v.seq, hash: v.hash, recordId: v.recordId, kind: v.kind, at: v.at };
    return { state: 'ok', head, signatureOk: this.key.verify(headMessage(head), v.signature) };
  }

  /** The head with its signature, or null when there is no valid head file. */
  view(): SignedHeadView | null {
    const s = this.read();
    if (s.state !== 'ok' || !s.signatureOk) return null;
    const v = JSON.parse(readFileSync(this.file, 'utf8')) as { signature: string };
    return { ...s.head, signature: v.signature, keyFingerprint: this.key.fingerprint() ?? '' };
  }

  /** Sign and write the head (temporary file, fsync, rename). */
  write(head: HistoryHead): void {
    const signature = this.key.sign(headMessage(head));
    writeFileAtomic(this.file, JSON.stringify({ format: FORMAT, version: 1, ...head, signature }, null, 2) + '\n');
  }
}
