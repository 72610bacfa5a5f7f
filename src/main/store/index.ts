/**
 * The kiosk's durable store (better-sqlite3, WAL, synchronous=FULL, foreign keys): the catalogue
 * index and bundle files, the trust store, the FUMO job journal, the audit history, settings and
 * per-device DM accounts, all under one data folder:
 *
 *   <dataDir>/kiosk.db             the database
 *   <dataDir>/bundles/<sha256>.fumo bundle files, named by their payload SHA-256
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RandomSource } from '../../core/clock';
import { AccountStore } from './accounts';
import { AuditStore } from './audit';
import { CatalogStore } from './catalog';
import { systemRandom, type StoreClock, type StoreContext } from './context';
import { openDatabase } from './db';
import { JobJournal } from './journal';
import { bundlesDir, databasePath } from './paths';
import { SettingsStore } from './settings';
import { TrustStore } from './trust';

export interface StoreOptions {
  clock?: StoreClock;
  random?: RandomSource;
}

export interface KioskStore {
  readonly dataDir: string;
  readonly catalog: CatalogStore;
  readonly trust: TrustStore;
  readonly journal: JobJournal;
  readonly audit: AuditStore;
  readonly settings: SettingsStore;
  readonly accounts: AccountStore;
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

export function openStore(dataDir: string, options: StoreOptions = {}): KioskStore {
  mkdirSync(bundlesDir(dataDir), { recursive: true });
  sweepInterruptedImports(bundlesDir(dataDir), Date.now());
  const db = openDatabase(databasePath(dataDir));
  const ctx: StoreContext = { db, dataDir, clock: options.clock ?? { now: () => Date.now() }, random: options.random ?? systemRandom };
  const trust = new TrustStore(ctx);
  let closed = false;
  return {
    dataDir,
    catalog: new CatalogStore(ctx, trust),
    trust,
    journal: new JobJournal(ctx),
    audit: new AuditStore(ctx),
    settings: new SettingsStore(ctx),
    accounts: new AccountStore(ctx),
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
export type { NewJob, JournalJob, JobTransition, JsonObject, JsonValue } from './journal';
export type { AttemptStart, AttemptUpdate, AttemptCompletion, AuditRecord, AuditConsent, AuditFilter, ChainCheck, ChainEntry, AttemptResult, DeviceConsentValue, ConsentAnswerValue } from './audit';
export type { KioskSettings } from './settings';
export type { AccountSeed } from './accounts';
export { DEFAULT_KIOSK_SETTINGS } from './settings';
export { FINAL_JOB_STATES } from './journal';
export { defaultDataDir } from './paths';
export { toBundleView, toTrustedKey, toHistoryRecord } from './views';
