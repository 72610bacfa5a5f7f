import { once } from 'node:events';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  BUNDLE_FILE_EXTENSION,
  createBundleVerifier,
  type BundleManifest,
  type BundleVerdict,
} from '../../core/catalog/bundle';
import { checkApproval, downgradeFrom, pickBundle, Refusal } from '../../core/catalog/rules';
import { KioskError } from '../../core/errors';
import type { LargeObjectSource } from '../../core/session/api';
import { dbError, hex, requireAdmin, type Actor, type StoreContext } from './context';
import { storeFailure } from './errors';
import { bundlesDir } from './paths';
import type { TrustStore } from './trust';

/** One bundle in the catalogue. */
export interface CatalogEntry {
  id: string;
  manifest: BundleManifest;
  /** Payload SHA-256 (hex), also the stored file's name. */
  sha256: string;
  /** Size of the whole bundle file in bytes (what is sent to the device as PkgData). */
  fileSize: number;
  filePath: string;
  keyId: string;
  importedAt: number;
  importedBy: string;
  /** An administrator imported it knowing it installs an older version. */
  downgradeAllowed: boolean;
}

export interface ImportOptions {
  actor: Actor;
  allowDowngrade?: boolean;
}

export interface ImportResult {
  entry: CatalogEntry;
  /** False when the very same bundle was already in the catalogue (nothing changed). */
  added: boolean;
}

/** Random-access reader over a stored bundle file (the LargeObjectSource the download pulls from). */
export interface BundleFileSource extends LargeObjectSource {
  readonly path: string;
  close(): Promise<void>;
}

export interface BundleCheck {
  id: string;
  ok: boolean;
  /** The refusal when not ok (BUNDLE_INVALID or SIGNATURE_INVALID, or STORE_ERROR when the file is gone). */
  error?: KioskError;
  expected?: string;
  found?: string;
}

interface Row {
  bundle_id: string;
  sha256: string;
  manifest: string;
  file_name: string;
  file_size: number;
  key_id: string;
  imported_at: number;
  imported_by: string;
  downgrade_allowed: number;
}

const CHUNK = 1024 * 1024;

/**
 * The refusal of a file that is not a bundle, without any of its bytes: a header refusal would
 * otherwise show the file's first bytes, and a manifest JSON error quotes the text around it.
 */
export function withoutFileContents(verdict: Extract<BundleVerdict, { ok: false }>): KioskError {
  if (verdict.stage === 'header' && /does not start with|too short/.test(verdict.error.message)) return new KioskError('BUNDLE_INVALID', { detail: 'it is not an update bundle (it does not start with a bundle header)' });
  if (/the manifest is not valid JSON/.test(verdict.error.message)) return new KioskError('BUNDLE_INVALID', { detail: 'the manifest is not valid JSON' });
  return verdict.error;
}

export class CatalogStore {
  private readonly dir: string;

  constructor(
    private readonly ctx: StoreContext,
    private readonly trust: TrustStore,
  ) {
    this.dir = bundlesDir(ctx.dataDir);
  }

  private toEntry(r: Row): CatalogEntry {
    return {
      id: r.bundle_id,
      manifest: JSON.parse(r.manifest) as BundleManifest,
      sha256: r.sha256,
      fileSize: r.file_size,
      filePath: path.join(this.dir, r.file_name),
      keyId: r.key_id,
      importedAt: r.imported_at,
      importedBy: r.imported_by,
      downgradeAllowed: r.downgrade_allowed === 1,
    };
  }

  list(): CatalogEntry[] {
    return (this.ctx.db.prepare('SELECT * FROM bundles ORDER BY manufacturer, bundle_id').all() as Row[]).map((r) => this.toEntry(r));
  }

  get(id: string): CatalogEntry | undefined {
    const r = this.ctx.db.prepare('SELECT * FROM bundles WHERE bundle_id = ?').get(id) as Row | undefined;
    return r ? this.toEntry(r) : undefined;
  }

  private mustGet(id: string): CatalogEntry {
    const e = this.get(id);
    if (!e) throw new KioskError('BUNDLE_NOT_FOUND', { detail: id });
    return e;
  }

  /** The best approved upgrade for a device (highest target version), or undefined. */
  findFor(model: string, version: string): CatalogEntry | undefined {
    return pickBundle(this.list(), { model, firmwareVersion: version });
  }

  /** Stream a file through the verifier, optionally copying it; never holds the payload whole. */
  private async streamVerify(file: string, copyTo?: string): Promise<{ verdict: BundleVerdict; size: number }> {
    const verifier = createBundleVerifier({ resolveKey: (keyId) => this.trust.publicKeyFor(keyId) });
    const out = copyTo ? createWriteStream(copyTo, { flags: 'wx' }) : undefined;
    const input = createReadStream(file, { highWaterMark: CHUNK });
    let size = 0;
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        size += chunk.length;
        verifier.update(chunk);
        if (verifier.failed) break;
        // events.once rejects on 'error' and removes its listeners either way.
        if (out && !out.write(chunk)) await once(out, 'drain');
      }
    } finally {
      input.destroy();
      if (out && !out.errored && !out.destroyed) {
        await new Promise<void>((resolve, reject) => {
          out.once('error', reject);
          out.end(() => resolve());
        });
      } else {
        out?.destroy();
      }
    }
    return { verdict: verifier.finish(), size };
  }

  /**
   * Import a bundle file (admin only): streams it once, checking structure, size, SHA-256, the
   * manufacturer signature against the trust store, approval and downgrade; then stores it as
   * bundles/<sha256>.fumo with an index row. Refusals throw KioskError/Refusal naming expected and found.
   */
  async import(filePath: string, options: ImportOptions): Promise<ImportResult> {
    const actor = requireAdmin(options.actor, 'import updates into the catalogue');
    // One message whether the path is missing, unreadable or not a file: the answer must not
    // tell what exists on the machine.
    const unreadable = () => new KioskError('INVALID_REQUEST', { detail: `${filePath} cannot be opened as an update file; check the path and that the kiosk may read it` });
    try {
      const st = await fsp.stat(filePath);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      throw unreadable();
    }
    await fsp.mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.import-${hex(this.ctx.random.bytes(8))}.tmp`);
    let kept = false;
    try {
      let verdict: BundleVerdict;
      try {
        ({ verdict } = await this.streamVerify(filePath, tmp));
      } catch (e) {
        if (e instanceof KioskError) throw e;
        if (e && typeof e === 'object' && (e as { path?: unknown }).path === filePath) throw unreadable();
        throw storeFailure(e, this.dir);
      }
      if (!verdict.ok) throw withoutFileContents(verdict);
      const m = verdict.manifest;
      const notApproved = checkApproval(m);
      if (notApproved) throw notApproved;
      const older = downgradeFrom(m);
      if (older !== undefined && !options.allowDowngrade) {
        throw new Refusal('DOWNGRADE_REFUSED', older, m.targetVersion, `bundle ${m.bundleId} installs ${m.targetVersion} over ${older}`);
      }
      const existing = this.get(m.bundleId);
      if (existing) {
        if (existing.sha256 === m.sha256 && existing.fileSize === verdict.fileSize) return { entry: existing, added: false };
        throw new KioskError('BUNDLE_CONFLICT', { detail: m.bundleId, expected: existing.sha256, found: m.sha256 });
      }
      const samePayload = this.ctx.db.prepare('SELECT bundle_id FROM bundles WHERE sha256 = ?').get(m.sha256) as { bundle_id: string } | undefined;
      if (samePayload) {
        throw new KioskError('BUNDLE_CONFLICT', { detail: `${samePayload.bundle_id} (the same package is already in the catalogue under that id)` });
      }
      const fileName = `${m.sha256}${BUNDLE_FILE_EXTENSION}`;
      const finalPath = path.join(this.dir, fileName);
      // Durable before indexed: the file's bytes, its name, then the row.
      const fh = await fsp.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, finalPath);
      kept = true;
      await syncDir(this.dir);
      const entry: CatalogEntry = {
        id: m.bundleId,
        manifest: m,
        sha256: m.sha256,
        fileSize: verdict.fileSize,
        filePath: finalPath,
        keyId: m.keyId,
        importedAt: this.ctx.clock.now(),
        importedBy: actor.name,
        downgradeAllowed: older !== undefined,
      };
      try {
        this.ctx.db
          .prepare(
            `INSERT INTO bundles (bundle_id, sha256, manufacturer, target_version, manifest, file_name, file_size, key_id, imported_at, imported_by, downgrade_allowed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(entry.id, entry.sha256, m.manufacturer, m.targetVersion, JSON.stringify(m), fileName, entry.fileSize, entry.keyId, entry.importedAt, entry.importedBy, entry.downgradeAllowed ? 1 : 0);
      } catch (e) {
        await fsp.rm(finalPath, { force: true });
        throw dbError(this.ctx, e);
      }
      return { entry, added: true };
    } finally {
      if (!kept) await fsp.rm(tmp, { force: true });
    }
  }

  /** Remove a bundle (admin only). Refused while an unfinished job still needs it. */
  async remove(id: string, actor: Actor): Promise<CatalogEntry> {
    requireAdmin(actor, 'remove updates from the catalogue');
    const entry = this.mustGet(id);
    const busy = this.ctx.db.prepare('SELECT job_id FROM jobs WHERE bundle_id = ? AND finished_at IS NULL LIMIT 1').get(id) as { job_id: string } | undefined;
    if (busy) throw new KioskError('BUSY', { detail: `job ${busy.job_id} still uses ${id}` });
    try {
      this.ctx.db.prepare('DELETE FROM bundles WHERE bundle_id = ?').run(id);
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    await fsp.rm(entry.filePath, { force: true });
    return entry;
  }

  /** Re-read a stored bundle: structure, size, SHA-256 and the signature against today's trust store. */
  async verify(id: string): Promise<BundleCheck> {
    const entry = this.mustGet(id);
    try {
      await fsp.access(entry.filePath);
    } catch {
      return { id, ok: false, error: new KioskError('STORE_ERROR', { detail: `the stored file of ${id} is missing` }), expected: entry.filePath, found: 'no file' };
    }
    const { verdict } = await this.streamVerify(entry.filePath);
    if (!verdict.ok) {
      return { id, ok: false, error: verdict.error, ...(verdict.expected !== undefined ? { expected: verdict.expected } : {}), ...(verdict.found !== undefined ? { found: verdict.found } : {}) };
    }
    if (verdict.manifest.sha256 !== entry.sha256 || verdict.manifest.bundleId !== entry.id) {
      const error = new KioskError('BUNDLE_INVALID', { detail: `the stored file does not hold bundle ${id}`, expected: entry.sha256, found: verdict.manifest.sha256 });
      return { id, ok: false, error, expected: entry.sha256, found: verdict.manifest.sha256 };
    }
    return { id, ok: true };
  }

  async verifyAll(): Promise<BundleCheck[]> {
    const out: BundleCheck[] = [];
    for (const e of this.list()) out.push(await this.verify(e.id));
    return out;
  }

  /** Random-access reader over the whole stored bundle file (the kiosk sends the bundle as PkgData). */
  async openPayload(id: string): Promise<BundleFileSource> {
    const entry = this.mustGet(id);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(entry.filePath, 'r');
    } catch (e) {
      throw new KioskError('STORE_ERROR', { detail: `cannot open the stored file of ${id} (${e instanceof Error ? e.message : String(e)})` });
    }
    const size = (await fh.stat()).size;
    if (size !== entry.fileSize) {
      await fh.close();
      throw new KioskError('BUNDLE_INVALID', { detail: `the stored file of ${id} changed size`, expected: entry.fileSize, found: size });
    }
    let closed = false;
    return {
      size,
      path: entry.filePath,
      async read(offset: number, length: number): Promise<Uint8Array> {
        if (closed) throw new KioskError('INTERNAL', { detail: 'bundle reader used after close' });
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
          throw new RangeError(`read(${offset}, ${length}) outside 0..${size}`);
        }
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) throw new KioskError('STORE_ERROR', { detail: `the stored file of ${id} ended early` });
          got += bytesRead;
        }
        return new Uint8Array(buf.buffer, buf.byteOffset, length);
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    };
  }
}

async function syncDir(dir: string): Promise<void> {
  // Directory fsync makes the rename durable; not supported on Windows, where it is skipped.
  if (process.platform === 'win32') return;
  const d = await fsp.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
