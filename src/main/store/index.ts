/**
 * The kiosk's durable store (better-sqlite3, WAL, synchronous=FULL, foreign keys): the catalogue
 * index and bundle files, the trust store, the FUMO job journal, the audit history, settings and
 * per-device DM accounts, all under one data folder:
 *
 *   <dataDir>/kiosk.db             the database
 *   <dataDir>/bundles/<sha256>.fumo bundle files, named by their payload SHA-256
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RandomSource } from '../../core/clock';
import { AccountStore } from './accounts';
import { AuditStore } from './audit';
import { CatalogStore } from './catalog';
import { systemRandom, type StoreClock, type StoreContext } from './context';
import { openDatabase } from './db';
import { createPrivateFileIfMissing, ensurePrivateDir, tightenFileIfPresent } from './files';
import { JobJournal } from './journal';
import { fileSecretBox, type SecretBox } from './secrets';
import { PinStore } from './pins';
import { PortAssignmentStore } from './port-assignments';
import { bundlesDir, databasePath } from './paths';
import { SettingsStore } from './settings';
import { TrustStore } from './trust';

export interface StoreOptions {
  clock?: StoreClock;
  random?: RandomSource;
  /** Gives the key that seals DM account secrets (default: <data>/secrets.key, 0600). */
  secretBox?: SecretBox;
}

export interface KioskStore {
  readonly dataDir: string;
  readonly catalog: CatalogStore;
  readonly trust: TrustStore;
  readonly journal: JobJournal;
  readonly audit: AuditStore;
  readonly settings: SettingsStore;
  readonly accounts: AccountStore;
  /** Technician and administrator PINs (scrypt hashes) behind a guard against guessing. */
  readonly pins: PinStore;
  /** The bench's ports: the profile and slot name an administrator gave each. */
  readonly ports: PortAssignmentStore;
  close(): void;
}

/** Imports interrupted by a crash leave `.import-*.tmp` files; remove those older than an hour. */
function sweepInterruptedImports(dir: string, now: number): void {
  for (const name of readdirSync(dir)) {
    if (!/^\.import-[0-9a-f]+\.tmp$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      if (now - statSync(file).mtimeMs > 3_600_000) rmSync(file, { force: true });
    } catch {
      // Another process may have finished or removed it meanwhile.
    }
  }
}

/**
 * Open the store in `dataDir`: the folder is made private (0700) and the database and its -wal
 * and -shm files readable by the kiosk user only (0600), fixed on open when looser. Journal rows
 * that cannot be read are set aside (journal.needsAttention()) instead of stopping the start.
 */
export function openStore(dataDir: string, options: StoreOptions = {}): KioskStore {
  ensurePrivateDir(dataDir);
  ensurePrivateDir(bundlesDir(dataDir));
  sweepInterruptedImports(bundlesDir(dataDir), Date.now());
  const dbFile = databasePath(dataDir);
  createPrivateFileIfMissing(dbFile);
  tightenFileIfPresent(dbFile);
  const db = openDatabase(dbFile);
  for (const f of [`${dbFile}-wal`, `${dbFile}-shm`]) tightenFileIfPresent(f);
  const ctx: StoreContext = { db, dataDir, clock: options.clock ?? { now: () => Date.now() }, random: options.random ?? systemRandom };
  const trust = new TrustStore(ctx);
  const journal = new JobJournal(ctx);
  const audit = new AuditStore(ctx);
  const settings = new SettingsStore(ctx);
  const pins = new PinStore(ctx, audit, settings);
  pins.migrateLegacyFile();
  const accounts = new AccountStore(ctx, options.secretBox ?? fileSecretBox(dataDir));
  accounts.sealPlainRows();
  for (const a of journal.sweepDamaged()) audit.recordEvent('journal-set-aside', { jobId: a.jobId, problem: a.problem });
  let closed = false;
  return {
    dataDir,
    catalog: new CatalogStore(ctx, trust),
    trust,
    journal,
    audit,
    settings,
    pins,
    accounts,
    ports: new PortAssignmentStore(ctx, audit),
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

export type { Actor, StoreClock } from './context';
export type { CatalogEntry, ImportOptions, ImportResult, BundleFileSource, BundleCheck } from './catalog';
export type { TrustedKeyEntry } from './trust';
export type { NewJob, JournalJob, JobTransition, JsonObject, JsonValue, JournalAttention } from './journal';
export { SET_ASIDE_STATE } from './journal';
export { isStoreError, storeFailure, STORE_ERROR_CODES, type StoreErrorCode } from './errors';
export type { AttemptStart, AttemptUpdate, AttemptCompletion, AuditRecord, AuditConsent, AuditFilter, ChainCheck, ChainEntry, AttemptResult, DeviceConsentValue, ConsentAnswerValue } from './audit';
export type { KioskSettings } from './settings';
export type { PortAssignment } from './port-assignments';
export { checkPortName, checkSlotName } from './port-assignments';

export type { PinRole, PinEntry, PinVerifyResult } from './pins';
export { PIN_MIN_LENGTH, PIN_MAX_LENGTH, pinProblem } from './pins';
export type { SignedHeadView, HistoryHead } from './anchor';
export type { AuditEvent, AuditEventType } from './audit';
export type { AccountSeed, AccountSummary, AccountImportResult } from './accounts';
export { parseAccountFile, type AccountEntry } from './account-file';
export type { SecretBox } from './secrets';
export { fileSecretBox } from './secrets';
export { chooseSecretBox, keychainSecretBox, type KeychainLike } from './keychain-box';
export { DEFAULT_KIOSK_SETTINGS } from './settings';
export { defaultDataDir } from './paths';
