/**
 * The signed firmware bundle: one file made of
 *
 *   header (16 bytes) | manifest (UTF-8 JSON) | payload (the update package) | signature block (72 bytes)
 *
 * The Ed25519 signature covers header + manifest; the manifest carries the payload's size and
 * SHA-256, so one streaming pass verifies everything. See docs/bundle-format.md.
 *
 * Pure: used by the kiosk when importing and by the reference device on the package it receives.
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { KioskError } from '../errors';

export const BUNDLE_MAGIC = 'FUMOBNDL';
export const BUNDLE_FORMAT_VERSION = 1;
export const BUNDLE_HEADER_SIZE = 16;
export const SIGNATURE_MAGIC = 'FSIG';
export const SIGNATURE_ALG_ED25519 = 1;
export const ED25519_SIGNATURE_SIZE = 64;
export const SIGNATURE_BLOCK_SIZE = 8 + ED25519_SIGNATURE_SIZE;
/** Manifests are small; a larger one is refused before it is buffered. */
export const MAX_MANIFEST_SIZE = 1024 * 1024;
export const BUNDLE_FILE_EXTENSION = '.fumo';

export const SEVERITIES = ['critical', 'recommended', 'optional'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const RELEASE_NOTE_LANGUAGES = ['en', 'de', 'es'] as const;

export interface BundleApproval {
  regulator: string;
  reference: string;
  /** YYYY-MM-DD */
  date: string;
}

export interface BundleManifest {
  bundleId: string;
  manufacturer: string;
  /** DevInfo Mod values this bundle is for. */
  models: string[];
  /** Firmware versions it applies to: exact values, "*" (any), or a prefix pattern like "1.0.*". */
  fromVersions: string[];
  targetVersion: string;
  /** Payload size in bytes. */
  size: number;
  /** Payload SHA-256, lowercase hex. */
  sha256: string;
  /** Plain-text release notes by language code; "en" is required. */
  releaseNotes: Record<string, string>;
  severity: Severity;
  /** Regulator approval; absent or null means not approved (the catalogue refuses it). */
  approval?: BundleApproval | null;
  /** Id of the manufacturer key that signed the bundle (see ed25519KeyId). */
  keyId: string;
  /** ISO 8601 UTC time the bundle was made. */
  createdAt: string;
}

export interface BundleHeader {
  formatVersion: number;
  flags: number;
  manifestLength: number;
}

function bundleInvalid(detail: string, expected?: string | number, found?: string | number): KioskError {
  const named = expected !== undefined || found !== undefined ? ` (expected ${expected ?? '?'}, found ${found ?? '?'})` : '';
  return new KioskError('BUNDLE_INVALID', {
    detail: detail + named,
    ...(expected !== undefined ? { expected: String(expected), required: String(expected) } : {}),
    ...(found !== undefined ? { found: String(found), measured: String(found) } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Header

export function encodeBundleHeader(manifestLength: number, formatVersion = BUNDLE_FORMAT_VERSION): Uint8Array {
  const b = Buffer.alloc(BUNDLE_HEADER_SIZE);
  b.write(BUNDLE_MAGIC, 0, 'latin1');
  b.writeUInt16BE(formatVersion, 8);
  b.writeUInt16BE(0, 10);
  b.writeUInt32BE(manifestLength, 12);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Parse the fixed 16-byte header. Throws KioskError BUNDLE_INVALID with expected and found. */
export function parseBundleHeader(bytes: Uint8Array): BundleHeader {
  if (bytes.length < BUNDLE_HEADER_SIZE) {
    throw bundleInvalid(`the file is too short for a bundle header`, `${BUNDLE_HEADER_SIZE} bytes`, `${bytes.length} bytes`);
  }
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = b.toString('latin1', 0, 8);
  if (magic !== BUNDLE_MAGIC) {
    throw bundleInvalid(`it does not start with "${BUNDLE_MAGIC}"`, BUNDLE_MAGIC, JSON.stringify(magic));
  }
  const formatVersion = b.readUInt16BE(8);
  if (formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw bundleInvalid(`unsupported format version`, BUNDLE_FORMAT_VERSION, formatVersion);
  }
  const flags = b.readUInt16BE(10);
  if (flags !== 0) throw bundleInvalid('unknown header flags', 0, flags);
  const manifestLength = b.readUInt32BE(12);
  if (manifestLength < 2 || manifestLength > MAX_MANIFEST_SIZE) {
    throw bundleInvalid('manifest length out of range', `2..${MAX_MANIFEST_SIZE}`, manifestLength);
  }
  return { formatVersion, flags, manifestLength };
}

// ---------------------------------------------------------------------------------------------
// Manifest

const MANIFEST_FIELDS = [
  'bundleId',
  'manufacturer',
  'models',
  'fromVersions',
  'targetVersion',
  'size',
  'sha256',
  'releaseNotes',
  'severity',
  'approval',
  'keyId',
  'createdAt',
] as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const LANG_RE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(name: string, problem: string): KioskError {
  return bundleInvalid(`manifest field "${name}" ${problem}`);
}

function text(obj: Record<string, unknown>, name: string, max = 256): string {
  const v = obj[name];
  if (typeof v !== 'string') throw field(name, v === undefined ? 'is missing' : 'must be a string');
  if (v.trim() === '') throw field(name, 'must not be empty');
  if (v.length > max) throw field(name, `is longer than ${max} characters`);
  return v;
}

function textList(obj: Record<string, unknown>, name: string): string[] {
  const v = obj[name];
  if (!Array.isArray(v)) throw field(name, v === undefined ? 'is missing' : 'must be a list of strings');
  if (v.length === 0) throw field(name, 'must list at least one value');
  if (v.length > 256) throw field(name, 'lists more than 256 values');
  return v.map((x, i) => {
    if (typeof x !== 'string' || x.trim() === '' || x.length > 128) throw field(`${name}[${i}]`, 'must be a non-empty string of at most 128 characters');
    return x;
  });
}

/** Validate a parsed manifest object strictly; every problem names its field. */
export function validateManifest(value: unknown): BundleManifest {
  if (!isRecord(value)) throw bundleInvalid('the manifest is not a JSON object');
  for (const key of Object.keys(value)) {
    if (!(MANIFEST_FIELDS as readonly string[]).includes(key)) throw field(key, 'is not a known manifest field');
  }
  const bundleId = text(value, 'bundleId', 128);
  if (!ID_RE.test(bundleId)) throw field('bundleId', 'may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit');
  const manufacturer = text(value, 'manufacturer');
  const models = textList(value, 'models');
  const fromVersions = textList(value, 'fromVersions');
  const targetVersion = text(value, 'targetVersion', 128);
  if (targetVersion.includes('*')) throw field('targetVersion', 'must be one exact version, not a pattern');

  const size = value.size;
  if (size === undefined) throw field('size', 'is missing');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw field('size', 'must be a whole number of bytes, 0 or more');

  const sha256 = value.sha256;
  if (sha256 === undefined) throw field('sha256', 'is missing');
  if (typeof sha256 !== 'string' || !HEX64_RE.test(sha256)) throw field('sha256', 'must be 64 lowercase hexadecimal digits');

  const notes = value.releaseNotes;
  if (notes === undefined) throw field('releaseNotes', 'is missing');
  if (!isRecord(notes)) throw field('releaseNotes', 'must be an object keyed by language code');
  const releaseNotes: Record<string, string> = {};
  for (const [lang, note] of Object.entries(notes)) {
    if (!LANG_RE.test(lang)) throw field(`releaseNotes.${lang}`, 'is not a language code (e.g. "en", "de", "es")');
    if (typeof note !== 'string' || note.length > 16384) throw field(`releaseNotes.${lang}`, 'must be a string of at most 16384 characters');
    releaseNotes[lang] = note;
  }
  if (typeof releaseNotes.en !== 'string' || releaseNotes.en.trim() === '') throw field('releaseNotes.en', 'is missing (English notes are required)');

  const severity = value.severity;
  if (severity === undefined) throw field('severity', 'is missing');
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) {
    throw field('severity', `must be one of ${SEVERITIES.join(', ')}`);
  }

  let approval: BundleApproval | null = null;
  const a = value.approval;
  if (a !== undefined && a !== null) {
    if (!isRecord(a)) throw field('approval', 'must be an object {regulator, reference, date} or null');
    for (const key of Object.keys(a)) {
      if (!['regulator', 'reference', 'date'].includes(key)) throw field(`approval.${key}`, 'is not a known approval field');
    }
    const regulator = text(a, 'regulator');
    const reference = text(a, 'reference');
    const date = a.date;
    if (typeof date !== 'string' || !DATE_RE.test(date) || Number.isNaN(Date.parse(date))) throw field('approval.date', 'must be a date YYYY-MM-DD');
    approval = { regulator, reference, date };
  }

  const keyId = text(value, 'keyId', 128);
  const createdAt = value.createdAt;
  if (createdAt === undefined) throw field('createdAt', 'is missing');
  if (typeof createdAt !== 'string' || !ISO_RE.test(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    throw field('createdAt', 'must be an ISO 8601 time such as 2026-01-15T09:00:00Z');
  }

  return {
    bundleId,
    manufacturer,
    models,
    fromVersions,
    targetVersion,
    size,
    sha256,
    releaseNotes,
    severity: severity as Severity,
    approval,
    keyId,
    createdAt,
  };
}

/** Decode and validate the manifest bytes (UTF-8 JSON). */
export function parseManifest(bytes: Uint8Array): BundleManifest {
  let textValue: string;
  try {
    textValue = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bundleInvalid('the manifest is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(textValue);
  } catch (e) {
    throw bundleInvalid(`the manifest is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return validateManifest(parsed);
}

/** The manifest as written into a bundle: JSON with the fields in the documented order. */
export function encodeManifest(manifest: BundleManifest): Uint8Array {
  const ordered: Record<string, unknown> = {};
  for (const key of MANIFEST_FIELDS) {
    const v = manifest[key];
    if (v !== undefined) ordered[key] = v;
  }
  return new TextEncoder().encode(JSON.stringify(ordered));
}

// ---------------------------------------------------------------------------------------------
// Signatures

export type PublicKeyLike = KeyObject | string;

function toPublicKey(key: PublicKeyLike): KeyObject {
  return typeof key === 'string' ? createPublicKey(key) : key;
}

/** The bytes the manufacturer signs: the header followed by the manifest, exactly as in the file. */
export function signingInput(header: Uint8Array, manifest: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + manifest.length);
  out.set(header, 0);
  out.set(manifest, header.length);
  return out;
}

/** Raw 32-byte Ed25519 public key. Throws KioskError SIGNATURE_INVALID for other key types. */
export function ed25519RawPublicKey(key: PublicKeyLike): Uint8Array {
  let k: KeyObject;
  try {
    k = toPublicKey(key);
  } catch (e) {
    throw new KioskError('SIGNATURE_INVALID', { detail: `the public key cannot be read (${e instanceof Error ? e.message : String(e)})` });
  }
  if (k.asymmetricKeyType !== 'ed25519') {
    throw new KioskError('SIGNATURE_INVALID', { detail: `the key is ${k.asymmetricKeyType ?? 'unknown'}, expected ed25519` });
  }
  const jwk = k.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(String(jwk.x), 'base64url'));
}

/** Key id: "ed25519:" + the first 16 hex digits of SHA-256 over the raw 32-byte public key. */
export function ed25519KeyId(key: PublicKeyLike): string {
  const raw = ed25519RawPublicKey(key);
  return 'ed25519:' + createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

export function encodeSignatureBlock(signature: Uint8Array): Uint8Array {
  if (signature.length !== ED25519_SIGNATURE_SIZE) throw new RangeError(`an Ed25519 signature has ${ED25519_SIGNATURE_SIZE} bytes, got ${signature.length}`);
  const b = Buffer.alloc(SIGNATURE_BLOCK_SIZE);
  b.write(SIGNATURE_MAGIC, 0, 'latin1');
  b.writeUInt16BE(SIGNATURE_ALG_ED25519, 4);
  b.writeUInt16BE(ED25519_SIGNATURE_SIZE, 6);
  b.set(signature, 8);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Parse the trailing signature block; returns the 64 signature bytes. */
export function parseSignatureBlock(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== SIGNATURE_BLOCK_SIZE) throw bundleInvalid('the signature block is incomplete', `${SIGNATURE_BLOCK_SIZE} bytes`, `${bytes.length} bytes`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = b.toString('latin1', 0, 4);
  if (magic !== SIGNATURE_MAGIC) throw bundleInvalid('the signature block is missing or misplaced', SIGNATURE_MAGIC, JSON.stringify(magic));
  const alg = b.readUInt16BE(4);
  if (alg !== SIGNATURE_ALG_ED25519) throw bundleInvalid('unsupported signature algorithm', `${SIGNATURE_ALG_ED25519} (Ed25519)`, alg);
  const len = b.readUInt16BE(6);
  if (len !== ED25519_SIGNATURE_SIZE) throw bundleInvalid('signature length', ED25519_SIGNATURE_SIZE, len);
  return bytes.slice(8);
}

/**
 * Everything of a bundle but the payload, for a producer: write `head`, then the payload bytes,
 * then `tail`. `sign` returns the Ed25519 signature of its input (e.g. crypto.sign(null, data, key)).
 */
export function buildBundleFrame(manifest: BundleManifest, sign: (data: Uint8Array) => Uint8Array): { head: Uint8Array; tail: Uint8Array } {
  const manifestBytes = encodeManifest(validateManifest(manifest));
  const header = encodeBundleHeader(manifestBytes.length);
  const head = signingInput(header, manifestBytes);
  return { head, tail: encodeSignatureBlock(sign(head)) };
}

/** Total file size of a bundle with this manifest. */
export function bundleFileSize(manifest: BundleManifest): number {
  return BUNDLE_HEADER_SIZE + encodeManifest(manifest).length + manifest.size + SIGNATURE_BLOCK_SIZE;
}

// ---------------------------------------------------------------------------------------------
// Streaming verification

export type BundleStage = 'header' | 'manifest' | 'payload' | 'signature' | 'end';

export type BundleVerdict =
  | {
      ok: true;
      manifest: BundleManifest;
      header: BundleHeader;
      /** Bytes the verifier saw: the whole file. */
      fileSize: number;
      /** Byte offset of the payload in the file. */
      payloadOffset: number;
      signature: Uint8Array;
    }
  | {
      ok: false;
      /** BUNDLE_INVALID or SIGNATURE_INVALID; details carry expected/found (also as required/measured). */
      error: KioskError;
      /** Where it failed. */
      stage: BundleStage;
      expected?: string;
      found?: string;
      /** The manifest, when it was read before the failure. */
      manifest?: BundleManifest;
    };

export interface BundleVerifierOptions {
  /**
   * Public key for a manifest's keyId, or undefined when the key is not trusted. When this option
   * is absent the signature is NOT checked (structure, size and hash only).
   */
  resolveKey?: (keyId: string, manifest: BundleManifest) => PublicKeyLike | undefined;
}

export interface BundleVerifier {
  /** Feed the next bytes of the file. Never throws: a failure is kept for finish(). */
  update(chunk: Uint8Array): void;
  /** Call after the last chunk. */
  finish(): BundleVerdict;
  /** The manifest once it has been read and validated (before the payload). */
  readonly manifest: BundleManifest | undefined;
  readonly bytesSeen: number;
  /** True once a failure is certain (the caller may stop feeding bytes). */
  readonly failed: boolean;
}

class StreamingBundleVerifier implements BundleVerifier {
  private stage: BundleStage = 'header';
  private buf: Uint8Array[] = [];
  private bufLen = 0;
  private header: BundleHeader | undefined;
  private headerBytes: Uint8Array | undefined;
  private manifestBytes: Uint8Array | undefined;
  private parsed: BundleManifest | undefined;
  private payloadLeft = 0;
  private readonly hash = createHash('sha256');
  private sigBytes: Uint8Array | undefined;
  private trailing = 0;
  private failure: Extract<BundleVerdict, { ok: false }> | undefined;
  private seen = 0;

  constructor(private readonly options: BundleVerifierOptions) {}

  get manifest(): BundleManifest | undefined {
    return this.parsed;
  }

  get bytesSeen(): number {
    return this.seen;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  private fail(e: unknown): void {
    const error = e instanceof KioskError ? e : bundleInvalid(e instanceof Error ? e.message : String(e));
    const expected = error.details.expected;
    const found = error.details.found;
    this.failure = {
      ok: false,
      error,
      stage: this.stage,
      ...(expected !== undefined ? { expected: String(expected) } : {}),
      ...(found !== undefined ? { found: String(found) } : {}),
      ...(this.parsed ? { manifest: this.parsed } : {}),
    };
  }

  /** Take up to `want` buffered+incoming bytes; returns the joined bytes when complete. */
  private collect(chunk: Uint8Array, pos: number, want: number): { bytes?: Uint8Array; pos: number } {
    const take = Math.min(want - this.bufLen, chunk.length - pos);
    if (take > 0) {
      this.buf.push(chunk.subarray(pos, pos + take));
      this.bufLen += take;
    }
    if (this.bufLen < want) return { pos: pos + take };
    const out = new Uint8Array(want);
    let o = 0;
    for (const part of this.buf) {
      out.set(part, o);
      o += part.length;
    }
    this.buf = [];
    this.bufLen = 0;
    return { bytes: out, pos: pos + take };
  }

  update(chunk: Uint8Array): void {
    if (this.failure) return;
    this.seen += chunk.length;
    let pos = 0;
    try {
      while (pos < chunk.length) {
        switch (this.stage) {
          case 'header': {
            const r = this.collect(chunk, pos, BUNDLE_HEADER_SIZE);
            pos = r.pos;
            if (r.bytes) {
              this.header = parseBundleHeader(r.bytes);
              this.headerBytes = r.bytes;
              this.stage = 'manifest';
            }
            break;
          }
          case 'manifest': {
            const r = this.collect(chunk, pos, this.header!.manifestLength);
            pos = r.pos;
            if (r.bytes) {
              this.manifestBytes = r.bytes;
              this.parsed = parseManifest(r.bytes);
              this.payloadLeft = this.parsed.size;
              this.stage = this.payloadLeft > 0 ? 'payload' : 'signature';
            }
            break;
          }
          case 'payload': {
            const take = Math.min(this.payloadLeft, chunk.length - pos);
            this.hash.update(chunk.subarray(pos, pos + take));
            this.payloadLeft -= take;
            pos += take;
            if (this.payloadLeft === 0) this.stage = 'signature';
            break;
          }
          case 'signature': {
            const r = this.collect(chunk, pos, SIGNATURE_BLOCK_SIZE);
            pos = r.pos;
            if (r.bytes) {
              this.sigBytes = r.bytes;
              this.stage = 'end';
            }
            break;
          }
          case 'end':
            this.trailing += chunk.length - pos;
            pos = chunk.length;
            break;
        }
      }
    } catch (e) {
      this.fail(e);
    }
  }

  finish(): BundleVerdict {
    if (this.failure) return this.failure;
    try {
      if (this.stage !== 'end') {
        const m = this.parsed;
        if (m && this.header) {
          const expectedSize = BUNDLE_HEADER_SIZE + this.header.manifestLength + m.size + SIGNATURE_BLOCK_SIZE;
          throw bundleInvalid(`the file is truncated (it ends in the ${this.stage})`, `${expectedSize} bytes`, `${this.seen} bytes`);
        }
        throw bundleInvalid(`the file is truncated (it ends in the ${this.stage})`);
      }
      const m = this.parsed!;
      const expectedSize = BUNDLE_HEADER_SIZE + this.header!.manifestLength + m.size + SIGNATURE_BLOCK_SIZE;
      if (this.trailing > 0) {
        throw bundleInvalid(`${this.trailing} unexpected bytes follow the signature block`, `${expectedSize} bytes`, `${this.seen} bytes`);
      }
      const signature = parseSignatureBlock(this.sigBytes!);
      const digest = this.hash.digest('hex');
      if (digest !== m.sha256) {
        this.stage = 'payload';
        throw bundleInvalid('the payload SHA-256 does not match the manifest (the file is corrupted)', m.sha256, digest);
      }
      if (this.options.resolveKey) {
        const key = this.options.resolveKey(m.keyId, m);
        if (key === undefined) {
          this.stage = 'signature';
          throw new KioskError('SIGNATURE_INVALID', {
            detail: `signing key ${m.keyId} of ${m.manufacturer} is not in the trust store`,
            expected: 'a trusted manufacturer key',
            found: m.keyId,
            required: 'a trusted manufacturer key',
            measured: m.keyId,
          });
        }
        let good = false;
        let keyProblem: string | undefined;
        try {
          const k = toPublicKey(key);
          if (k.asymmetricKeyType !== 'ed25519') keyProblem = `trusted key ${m.keyId} is not an Ed25519 key`;
          else good = cryptoVerify(null, signingInput(this.headerBytes!, this.manifestBytes!), k, signature);
        } catch (e) {
          keyProblem = `trusted key ${m.keyId} cannot be used (${e instanceof Error ? e.message : String(e)})`;
        }
        if (!good) {
          this.stage = 'signature';
          throw new KioskError('SIGNATURE_INVALID', {
            detail: keyProblem ?? `the Ed25519 signature does not verify with key ${m.keyId}`,
            expected: `a valid signature by ${m.keyId}`,
            found: keyProblem ? 'unusable key' : 'signature mismatch',
            required: `a valid signature by ${m.keyId}`,
            measured: keyProblem ? 'unusable key' : 'signature mismatch',
          });
        }
      }
      return {
        ok: true,
        manifest: m,
        header: this.header!,
        fileSize: this.seen,
        payloadOffset: BUNDLE_HEADER_SIZE + this.header!.manifestLength,
        signature,
      };
    } catch (e) {
      this.fail(e);
      return this.failure!;
    }
  }
}

export function createBundleVerifier(options: BundleVerifierOptions = {}): BundleVerifier {
  return new StreamingBundleVerifier(options);
}

/** Verify a bundle held in memory (small bundles, tests, the reference device). */
export function verifyBundleBytes(bytes: Uint8Array, options: BundleVerifierOptions = {}): BundleVerdict {
  const v = createBundleVerifier(options);
  v.update(bytes);
  return v.finish();
}
