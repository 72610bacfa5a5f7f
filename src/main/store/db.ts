import Database from 'better-sqlite3';
import { KioskError } from '../../core/errors';
import { storeFailure } from './errors';

export type Db = Database.Database;

/** Schema migrations, applied in order; PRAGMA user_version holds how many ran. */
const MIGRATIONS: string[] = [
  `
  CREATE TABLE trust_keys (
    key_id       TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    public_key   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    added_at     INTEGER NOT NULL,
    added_by     TEXT NOT NULL
  );
  CREATE TABLE bundles (
    bundle_id          TEXT PRIMARY KEY,
    sha256             TEXT NOT NULL UNIQUE,
    manufacturer       TEXT NOT NULL,
    target_version     TEXT NOT NULL,
    manifest           TEXT NOT NULL,
    file_name          TEXT NOT NULL,
    file_size          INTEGER NOT NULL,
    key_id             TEXT NOT NULL,
    imported_at        INTEGER NOT NULL,
    imported_by        TEXT NOT NULL,
    downgrade_allowed  INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE jobs (
    job_id       TEXT PRIMARY KEY,
    dev_id       TEXT NOT NULL,
    bundle_id    TEXT,
    port_id      TEXT,
    state        TEXT NOT NULL,
    data         TEXT NOT NULL,
    acked_bytes  INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    finished_at  INTEGER
  );
  CREATE INDEX jobs_unfinished ON jobs(finished_at) WHERE finished_at IS NULL;
  CREATE TABLE job_transitions (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id   TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
    state    TEXT NOT NULL,
    data     TEXT NOT NULL,
    at       INTEGER NOT NULL
  );
  CREATE INDEX job_transitions_job ON job_transitions(job_id, seq);
  CREATE TABLE audit_records (
    id          TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    dev_id      TEXT,
    model       TEXT,
    result      TEXT,
    body        TEXT NOT NULL,
    last_seq    INTEGER NOT NULL
  );
  CREATE INDEX audit_records_started ON audit_records(started_at);
  CREATE TABLE audit_chain (
    seq        INTEGER PRIMARY KEY,
    record_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    body       TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
  );
  CREATE TABLE audit_head (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    seq    INTEGER NOT NULL,
    hash   TEXT NOT NULL
  );
  CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
  );
  CREATE TABLE accounts (
    device_id   TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (device_id, server_id)
  );
  `,
  // 2: journal rows set aside, PINs and their guard, security events in the history, signed chain entries.
  `
  CREATE TABLE journal_attention (
    job_id    TEXT PRIMARY KEY,
    dev_id    TEXT,
    port_id   TEXT,
    state     TEXT,
    problem   TEXT NOT NULL,
    raw       TEXT,
    found_at  INTEGER NOT NULL
  );
  CREATE TABLE pins (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    kdf         TEXT NOT NULL,
    params      TEXT NOT NULL,
    salt        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE pin_guard (
    subject       TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    next_try_at   INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL
  );
  CREATE TABLE audit_events (
    id    TEXT PRIMARY KEY,
    type  TEXT NOT NULL,
    at    INTEGER NOT NULL,
    body  TEXT NOT NULL,
    seq   INTEGER NOT NULL
  );
  ALTER TABLE audit_chain ADD COLUMN sig TEXT;
  `,
  // 3: imported DM account rules (IMEI ranges, per-ServerID derivation), sealed like accounts.
  `
  CREATE TABLE account_rules (
    rule_key    TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    server_id   TEXT NOT NULL,
    data        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );
  `,
  // 4: the bench's ports as an administrator assigned them: a device profile and a slot name per port.
  `
  CREATE TABLE port_assignments (
    port        TEXT PRIMARY KEY,
    profile_id  TEXT,
    slot        TEXT,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    CHECK (profile_id IS NOT NULL OR slot IS NOT NULL)
  );
  `,
];

/** How many schema versions this kiosk knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Open (and migrate) the database. Failures are typed and name the file: STORE_CORRUPT (not a
 * database, or damaged pages), STORE_TOO_NEW (a newer schema), STORE_LOCKED, STORE_READ_ONLY,
 * STORE_ACCESS_DENIED, STORE_FULL, STORE_IO.
 */
export function openDatabase(file: string): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (e) {
    throw storeFailure(e, file);
  }
  try {
    db.pragma('journal_mode = WAL');
    // Every commit reaches the disk before it returns: a completed record survives a crash or power cut.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new KioskError('STORE_TOO_NEW', { file, measured: version, required: MIGRATIONS.length });
    }
    // Damaged pages are found now, with the file named, rather than in the middle of an update.
    const check = db.pragma('quick_check(1)', { simple: true }) as string;
    if (check !== 'ok') throw new KioskError('STORE_CORRUPT', { file, detail: 'the integrity check failed' });
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  } catch (e) {
    db.close();
    throw storeFailure(e, file);
  }
  return db;
}
