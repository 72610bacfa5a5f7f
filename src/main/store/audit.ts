/**
 * The audit history: one record per update attempt, begun before the download starts and
 * completed after, and security events (PIN failures and lockouts, exports ...). Every change
 * appends an entry to a hash chain
 *   hash_n = SHA-256(hash_{n-1} + canonicalJson({seq, recordId, kind, at, record}))
 * with hash_0 = 64 zeros; each entry's hash is signed with the kiosk's Ed25519 key, and the head
 * is anchored outside the database in a signed head file (anchor.ts), written after each append.
 * verify() recomputes the chain, checks every column of every record and event row against it,
 * and compares the chain's end with the signed head, so an edited column, a removed tail, an
 * emptied database and a lost committed transaction are all reported, each by name.
 */
import { createHash } from 'node:crypto';
import { renameSync } from 'node:fs';
import { KioskError } from '../../core/errors';
import { HeadFile, HistoryKey, type HeadFileState, type HistoryHead, type SignedHeadView } from './anchor';
import { canonicalJson, dbError, hex, requireAdmin, type Actor, type StoreContext } from './context';
import { storeFailure } from './errors';
import { historyHeadPath } from './paths';

export type ConsentAnswerValue = 'approved' | 'declined';
/** The device's answer to Alert 1101: approved, declined, or no answer (timeout, cancelled, no UI). */
export type DeviceConsentValue = ConsentAnswerValue | 'timeout' | 'cancelled' | 'unsupported';
export type AttemptResult = 'success' | 'failed' | 'cancelled' | 'declined' | 'up-to-date' | 'scheduled';

export interface AuditConsent {
  /** 'customer': the customer answered on the kiosk; 'operator': the technician did on the customer's behalf. */
  mode: 'customer' | 'operator';
  customer: ConsentAnswerValue | null;
  customerAt: number | null;
  /** The answer on the device (Alert 1101). */
  device: DeviceConsentValue | null;
  deviceAt: number | null;
  schedule: 'now' | 'later' | null;
  language: string | null;
  /** Version of the consent text set shown (CONSENT_TEXT_VERSION in src/core/fumo/consent-text.ts). */
  textVersion: string | null;
  privacyVersion: string | null;
  warrantyVersion: string | null;
}

export interface AuditError {
  code: string;
  message: string;
  details?: Record<string, string | number>;
}

/** What is known when the attempt begins (before the download). */
export interface AttemptStart {
  /** Default: a random id. */
  id?: string;
  jobId: string;
  portId: string;
  /** The bench slot's name of the port, when an administrator named it. */
  slot?: string | null;
  /** The port as people read it (a device or USB port path). */
  portLabel?: string | null;
  devId: string;
  manufacturer?: string | null;
  model: string | null;
  fromVersion: string | null;
  targetVersion: string | null;
  bundleId: string | null;
  bundleSha256: string | null;
  technician: string | null;
  linkKind: string;
  consent: AuditConsent;
  /** Default: now. */
  startedAt?: number;
}

export interface AttemptUpdate {
  consent?: Partial<AuditConsent>;
  /** Milliseconds spent in each phase (job state), merged by name. */
  phases?: Record<string, number>;
  bytesSent?: number;
  fumoResultCode?: number | null;
  finalVersion?: string | null;
}

export interface AttemptCompletion extends AttemptUpdate {
  result: AttemptResult;
  /** 'OK' or a KioskError code, e.g. BATTERY_LOW, INSTALL_FAILED. */
  outcomeCode: string;
  /** The plain-language outcome shown to people. */
  outcomeText: string;
  error?: AuditError | null;
  /** Default: now. */
  finishedAt?: number;
}

export interface AuditRecord {
  id: string;
  status: 'open' | 'complete';
  jobId: string;
  portId: string;
  /** The bench slot's name when the attempt began (absent on records from before slots). */
  slot?: string | null;
  /** The port's path when the attempt began (absent as slot). */
  portLabel?: string | null;
  devId: string;
  manufacturer: string | null;
  model: string | null;
  fromVersion: string | null;
  targetVersion: string | null;
  bundleId: string | null;
  bundleSha256: string | null;
  technician: string | null;
  linkKind: string;
  consent: AuditConsent;
  /** Milliseconds spent in each phase (job state). */
  phases: Record<string, number>;
  bytesSent: number;
  fumoResultCode: number | null;
  finalVersion: string | null;
  result: AttemptResult | null;
  outcomeCode: string | null;
  outcomeText: string | null;
  error: AuditError | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface AuditFilter {
  from?: number;
  to?: number;
  result?: AttemptResult;
  status?: 'open' | 'complete';
  model?: string;
  /** Free text matched against devId, model, versions and bundle id. */
  search?: string;
  limit?: number;
  offset?: number;
}

/** Security-relevant acts recorded in the history beside the update attempts. */
export type AuditEventType =
  | 'pin-failed'
  | 'pin-locked'
  | 'pin-set'
  | 'pin-removed'
  | 'pin-unlocked'
  | 'pins-migrated'
  | 'history-exported'
  | 'history-reanchored'
  | 'journal-set-aside'
  | 'accounts-imported'
  | 'port-assigned'
  | 'port-unassigned';

export type AuditEventData = Record<string, string | number | boolean | null>;

export interface AuditEvent {
  id: string;
  type: AuditEventType;
  at: number;
  /** Who did it, when known (a user name, "command line", or null). */
  actor: string | null;
  data: AuditEventData;
}

export interface ChainEntry {
  seq: number;
  recordId: string;
  kind: 'begin' | 'update' | 'complete' | 'event';
  at: number;
  /** The record's state after this change, or the event for kind 'event'. */
  record: AuditRecord | AuditEvent;
  prevHash: string;
  hash: string;
  /** Base64 Ed25519 signature of the hash by the kiosk's history key (null on entries written before signing). */
  sig: string | null;
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  records: number;
  /** Last entry's hash (the chain head), or null for an empty history. */
  headHash: string | null;
  /** Security events in the history. */
  events: number;
  /** The signed head file's entry number and hash, or null when there is no valid one. */
  anchor: { seq: number; hash: string } | null;
  /** One plain sentence per problem found. */
  problems: string[];
}

export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(
  prevHash: string,
  entry: { seq: number; recordId: string; kind: string; at: number; record: unknown },
): string {
  return createHash('sha256')
    .update(prevHash)
    .update(
      canonicalJson({
        seq: entry.seq,
        recordId: entry.recordId,
        kind: entry.kind,
        at: entry.at,
        record: entry.record,
      }),
    )
    .digest('hex');
}

interface ChainRow {
  seq: number;
  record_id: string;
  kind: string;
  at: number;
  body: string;
  prev_hash: string;
  hash: string;
  sig: string | null;
}

/** The columns of audit_records, each checked against the record's last chain entry by verify(). */
const RECORD_COLUMNS: Record<
  string,
  { label: string; expect: (r: AuditRecord, last: { body: string; seq: number }) => unknown }
> = {
  id: { label: 'id', expect: (r) => r.id },
  status: { label: 'status', expect: (r) => r.status },
  started_at: { label: 'start time', expect: (r) => r.startedAt },
  dev_id: { label: 'device id', expect: (r) => r.devId },
  model: { label: 'model', expect: (r) => r.model },
  result: { label: 'result', expect: (r) => r.result },
  body: { label: 'body', expect: (_r, l) => l.body },
  last_seq: { label: 'last entry number', expect: (_r, l) => l.seq },
};

const EVENT_COLUMNS: Record<string, (e: AuditEvent, last: { body: string; seq: number }) => unknown> = {
  id: (e) => e.id,
  type: (e) => e.type,
  at: (e) => e.at,
  body: (_e, l) => l.body,
  seq: (_e, l) => l.seq,
};

function shown(v: unknown): string {
  return v === null || v === undefined ? 'nothing' : typeof v === 'string' ? `"${v}"` : String(v);
}

const CSV_COLUMNS: { name: string; value: (r: AuditRecord) => string | number | null }[] = [
  { name: 'id', value: (r) => r.id },
  { name: 'status', value: (r) => r.status },
  { name: 'startedAt', value: (r) => new Date(r.startedAt).toISOString() },
  { name: 'finishedAt', value: (r) => (r.finishedAt === null ? null : new Date(r.finishedAt).toISOString()) },
  { name: 'jobId', value: (r) => r.jobId },
  { name: 'devId', value: (r) => r.devId },
  { name: 'manufacturer', value: (r) => r.manufacturer },
  { name: 'model', value: (r) => r.model },
  { name: 'fromVersion', value: (r) => r.fromVersion },
  { name: 'targetVersion', value: (r) => r.targetVersion },
  { name: 'finalVersion', value: (r) => r.finalVersion },
  { name: 'bundleId', value: (r) => r.bundleId },
  { name: 'bundleSha256', value: (r) => r.bundleSha256 },
  { name: 'technician', value: (r) => r.technician },
  { name: 'linkKind', value: (r) => r.linkKind },
  { name: 'consentMode', value: (r) => r.consent.mode },
  { name: 'customerConsent', value: (r) => r.consent.customer },
  {
    name: 'customerConsentAt',
    value: (r) => (r.consent.customerAt === null ? null : new Date(r.consent.customerAt).toISOString()),
  },
  { name: 'deviceConsent', value: (r) => r.consent.device },
  {
    name: 'deviceConsentAt',
    value: (r) => (r.consent.deviceAt === null ? null : new Date(r.consent.deviceAt).toISOString()),
  },
  { name: 'consentTextVersion', value: (r) => r.consent.textVersion },
  { name: 'bytesSent', value: (r) => r.bytesSent },
  { name: 'fumoResultCode', value: (r) => r.fumoResultCode },
  { name: 'result', value: (r) => r.result },
  { name: 'outcomeCode', value: (r) => r.outcomeCode },
  { name: 'outcomeText', value: (r) => r.outcomeText },
  { name: 'phases', value: (r) => (Object.keys(r.phases).length ? canonicalJson(r.phases) : null) },
  // Added with bench slots: at the end, so the columns before keep their places.
  { name: 'portId', value: (r) => r.portId || null },
  { name: 'port', value: (r) => r.portLabel ?? null },
  { name: 'slot', value: (r) => r.slot ?? null },
];

/** One CSV field (RFC 4180), with spreadsheet formula starts neutralised. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+@\t\r]/.test(s)) s = `'${s}`;
  if (typeof v === 'string' && /^-/.test(s) && !/^-\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class AuditStore {
  private readonly key: HistoryKey;
  private readonly headFile: HeadFile;

  constructor(private readonly ctx: StoreContext) {
    this.key = new HistoryKey(ctx.dataDir);
    this.headFile = new HeadFile(ctx.dataDir, this.key);
    this.adoptUnanchoredHistory();
  }

  /**
   * A history written before the head file existed (no key, no head file, but chain entries) is
   * anchored as it is, once. After that a missing head file is reported, never re-created.
   */
  private adoptUnanchoredHistory(): void {
    if (this.key.exists() || this.headFile.read().state !== 'missing') return;
    const last = this.lastEntry();
    if (last) this.headFile.write(last);
  }

  private lastHead(): { seq: number; hash: string } {
    const head = this.ctx.db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as
      { seq: number; hash: string } | undefined;
    return head ?? { seq: 0, hash: GENESIS_HASH };
  }

  private lastEntry(): HistoryHead | undefined {
    const r = this.ctx.db
      .prepare('SELECT seq, hash, record_id, kind, at FROM audit_chain ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; hash: string; record_id: string; kind: string; at: number } | undefined;
    return r ? { seq: r.seq, hash: r.hash, recordId: r.record_id, kind: r.kind, at: r.at } : undefined;
  }

  /** Append one signed chain entry and move the in-database head, in the caller's transaction. */
  private appendEntry(
    kind: ChainEntry['kind'],
    recordId: string,
    value: AuditRecord | AuditEvent,
    at: number,
  ): { seq: number; body: string } {
    const head = this.lastHead();
    const seq = head.seq + 1;
    const hash = chainHash(head.hash, { seq, recordId, kind, at, record: value });
    const sig = this.key.sign(Buffer.from(hash, 'hex'));
    const body = canonicalJson(value);
    const db = this.ctx.db;
    db.prepare(
      'INSERT INTO audit_chain (seq, record_id, kind, at, body, prev_hash, hash, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(seq, recordId, kind, at, body, head.hash, hash, sig);
    db.prepare(
      'INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
    ).run(seq, hash);
    return { seq, body };
  }

  /** Append one chain entry and write the record's current state, in the caller's transaction. */
  private append(kind: 'begin' | 'update' | 'complete', record: AuditRecord, at: number): void {
    const { seq, body } = this.appendEntry(kind, record.id, record, at);
    this.ctx.db
      .prepare(
        `INSERT INTO audit_records (id, status, started_at, dev_id, model, result, body, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET status = excluded.status, result = excluded.result, body = excluded.body, last_seq = excluded.last_seq`,
      )
      .run(record.id, record.status, record.startedAt, record.devId, record.model, record.result, body, seq);
  }

  /**
   * Move the signed head file to the chain's newest entry, right after a commit. The head is only
   * moved forward along the same chain: when the file names an entry the database no longer holds
   * (or holds with another hash), or cannot be read, it is left as it is, so the evidence stays for
   * verify(). A failure to write it leaves the database ahead of the head, which the entry
   * signatures cover, and the next append tries again.
   */
  private advanceHead(): void {
    try {
      const last = this.lastEntry();
      if (!last) return;
      const f = this.headFile.read();
      if (f.state === 'unreadable') return;
      if (f.state === 'ok') {
        if (!f.signatureOk || f.head.seq >= last.seq) return;
        const at = this.ctx.db.prepare('SELECT hash FROM audit_chain WHERE seq = ?').get(f.head.seq) as
          { hash: string } | undefined;
        if (!at || at.hash !== f.head.hash) return;
      } else if (last.seq > 1 && this.anchoredOnce()) {
        // The head file was there (this chain has more than its first entry signed by our key) and was removed.
        return;
      }
      this.headFile.write(last);
    } catch {
      // The commit stands; see above.
    }
  }

  /** Whether entries before the newest were already signed by this kiosk's key (so a head file was written for them). */
  private anchoredOnce(): boolean {
    const r = this.ctx.db
      .prepare('SELECT hash, sig FROM audit_chain WHERE sig IS NOT NULL ORDER BY seq LIMIT 1')
      .get() as { hash: string; sig: string } | undefined;
    const last = this.lastEntry();
    if (!r || !last || r.hash === last.hash) return false;
    return this.key.verify(Buffer.from(r.hash, 'hex'), r.sig);
  }

  /** The signed head (for receipts and exports), or null when there is none. */
  head(): SignedHeadView | null {
    return this.headFile.view();
  }

  /** The hash of a record's newest chain entry (its check value on a receipt), or null. */
  entryHash(recordId: string): string | null {
    const r = this.ctx.db
      .prepare('SELECT c.hash FROM audit_chain c JOIN audit_records r ON c.seq = r.last_seq WHERE r.id = ?')
      .get(recordId) as { hash: string } | undefined;
    return r?.hash ?? null;
  }

  /** Record a security event (a PIN failure, a lockout, an export ...) in the chain. */
  recordEvent(type: AuditEventType, data: AuditEventData = {}, actor: string | null = null): AuditEvent {
    const at = this.ctx.clock.now();
    const event: AuditEvent = {
      id: `e-${at.toString(36)}-${hex(this.ctx.random.bytes(6))}`,
      type,
      at,
      actor,
      data,
    };
    try {
      this.ctx.db
        .transaction(() => {
          const { seq, body } = this.appendEntry('event', event.id, event, at);
          this.ctx.db
            .prepare('INSERT INTO audit_events (id, type, at, body, seq) VALUES (?, ?, ?, ?, ?)')
            .run(event.id, event.type, event.at, body, seq);
        })
        .immediate();
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    this.advanceHead();
    return event;
  }

  /** Security events, newest first. */
  events(filter: { type?: AuditEventType; limit?: number } = {}): AuditEvent[] {
    const rows = (
      filter.type
        ? this.ctx.db
            .prepare('SELECT body FROM audit_events WHERE type = ? ORDER BY seq DESC LIMIT ?')
            .all(filter.type, filter.limit ?? -1)
        : this.ctx.db
            .prepare('SELECT body FROM audit_events ORDER BY seq DESC LIMIT ?')
            .all(filter.limit ?? -1)
    ) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as AuditEvent);
  }

  /**
   * After support has looked at a history that failed verify() (or restored a backup), anchor the
   * database as it is now: the old head file is kept beside it as history-head.replaced-<time>.json
   * and the act is recorded as an event. Administrators only.
   */
  reanchor(actor: Actor, reason: string): { previous: HeadFileState; archivedAs: string | null } {
    requireAdmin(actor, 'accept the history as it is now');
    const previous = this.headFile.read();
    let archivedAs: string | null = null;
    const file = historyHeadPath(this.ctx.dataDir);
    if (previous.state !== 'missing') {
      archivedAs = file.replace(/\.json$/, `.replaced-${this.ctx.clock.now()}.json`);
      try {
        renameSync(file, archivedAs);
      } catch (e) {
        throw storeFailure(e, file);
      }
    }
    const last = this.lastEntry();
    if (last) this.headFile.write(last);
    this.recordEvent(
      'history-reanchored',
      {
        reason,
        previousSeq: previous.state === 'ok' ? previous.head.seq : null,
        previousHash: previous.state === 'ok' ? previous.head.hash : null,
        archivedAs,
      },
      actor.name,
    );
    return { previous, archivedAs };
  }

  /** Open the record for an attempt; call BEFORE the download starts. Returns the record. */
  begin(start: AttemptStart): AuditRecord {
    const now = this.ctx.clock.now();
    const id = start.id ?? `h-${now.toString(36)}-${hex(this.ctx.random.bytes(6))}`;
    const record: AuditRecord = {
      id,
      status: 'open',
      jobId: start.jobId,
      portId: start.portId,
      slot: start.slot ?? null,
      portLabel: start.portLabel ?? null,
      devId: start.devId,
      manufacturer: start.manufacturer ?? null,
      model: start.model,
      fromVersion: start.fromVersion,
      targetVersion: start.targetVersion,
      bundleId: start.bundleId,
      bundleSha256: start.bundleSha256,
      technician: start.technician,
      linkKind: start.linkKind,
      consent: { ...start.consent },
      phases: {},
      bytesSent: 0,
      fumoResultCode: null,
      finalVersion: null,
      result: null,
      outcomeCode: null,
      outcomeText: null,
      error: null,
      startedAt: start.startedAt ?? now,
      finishedAt: null,
    };
    try {
      this.ctx.db
        .transaction(() => {
          if (this.ctx.db.prepare('SELECT 1 FROM audit_records WHERE id = ?').get(id)) {
            throw new KioskError('INVALID_REQUEST', { detail: `history record ${id} already exists` });
          }
          this.append('begin', record, now);
        })
        .immediate();
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    this.advanceHead();
    return record;
  }

  private change(id: string, kind: 'update' | 'complete', fn: (r: AuditRecord) => AuditRecord): AuditRecord {
    const now = this.ctx.clock.now();
    let out: AuditRecord | undefined;
    try {
      this.ctx.db
        .transaction(() => {
          const current = this.get(id);
          if (!current) throw new KioskError('RECORD_NOT_FOUND', { detail: id });
          if (current.status === 'complete')
            throw new KioskError('INVALID_REQUEST', { detail: `history record ${id} is already complete` });
          out = fn(current);
          this.append(kind, out, now);
        })
        .immediate();
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    this.advanceHead();
    return out!;
  }

  private static merge(r: AuditRecord, u: AttemptUpdate): AuditRecord {
    return {
      ...r,
      consent: u.consent ? { ...r.consent, ...u.consent } : r.consent,
      phases: u.phases ? { ...r.phases, ...u.phases } : r.phases,
      bytesSent: u.bytesSent ?? r.bytesSent,
      fumoResultCode: u.fumoResultCode !== undefined ? u.fumoResultCode : r.fumoResultCode,
      finalVersion: u.finalVersion !== undefined ? u.finalVersion : r.finalVersion,
    };
  }

  /** Record progress of an open attempt (phase timings, bytes, a later device consent ...). */
  update(id: string, update: AttemptUpdate): AuditRecord {
    return this.change(id, 'update', (r) => AuditStore.merge(r, update));
  }

  /** Close the attempt with its outcome; after this the record cannot change. */
  complete(id: string, completion: AttemptCompletion): AuditRecord {
    const now = this.ctx.clock.now();
    return this.change(id, 'complete', (r) => ({
      ...AuditStore.merge(r, completion),
      status: 'complete',
      result: completion.result,
      outcomeCode: completion.outcomeCode,
      outcomeText: completion.outcomeText,
      error: completion.error ?? null,
      finishedAt: completion.finishedAt ?? now,
    }));
  }

  get(id: string): AuditRecord | undefined {
    const r = this.ctx.db.prepare('SELECT body FROM audit_records WHERE id = ?').get(id) as
      { body: string } | undefined;
    return r ? (JSON.parse(r.body) as AuditRecord) : undefined;
  }

  private where(filter: AuditFilter): { sql: string; args: (string | number)[] } {
    const clauses: string[] = [];
    const args: (string | number)[] = [];
    if (filter.from !== undefined) {
      clauses.push('started_at >= ?');
      args.push(filter.from);
    }
    if (filter.to !== undefined) {
      clauses.push('started_at <= ?');
      args.push(filter.to);
    }
    if (filter.result !== undefined) {
      clauses.push('result = ?');
      args.push(filter.result);
    }
    if (filter.status !== undefined) {
      clauses.push('status = ?');
      args.push(filter.status);
    }
    if (filter.model !== undefined) {
      clauses.push('model = ? COLLATE NOCASE');
      args.push(filter.model);
    }
    if (filter.search !== undefined && filter.search.trim() !== '') {
      const like = `%${filter.search.trim().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      clauses.push(
        `(dev_id LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\' OR json_extract(body, '$.fromVersion') LIKE ? ESCAPE '\\' OR json_extract(body, '$.targetVersion') LIKE ? ESCAPE '\\' OR json_extract(body, '$.bundleId') LIKE ? ESCAPE '\\')`,
      );
      args.push(like, like, like, like, like);
    }
    return { sql: clauses.length ? 'WHERE ' + clauses.join(' AND ') : '', args };
  }

  /** Records matching the filter, newest first. */
  list(filter: AuditFilter = {}): AuditRecord[] {
    const w = this.where(filter);
    const limit = filter.limit ?? -1;
    const offset = filter.offset ?? 0;
    const rows = this.ctx.db
      .prepare(`SELECT body FROM audit_records ${w.sql} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...w.args, limit, offset) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as AuditRecord);
  }

  count(filter: AuditFilter = {}): number {
    const w = this.where({ ...filter, limit: undefined, offset: undefined });
    return (
      this.ctx.db.prepare(`SELECT COUNT(*) AS n FROM audit_records ${w.sql}`).get(...w.args) as { n: number }
    ).n;
  }

  /** The chain entries in order (for export and inspection). */
  chain(): ChainEntry[] {
    const rows = this.ctx.db.prepare('SELECT * FROM audit_chain ORDER BY seq').all() as ChainRow[];
    return rows.map((r) => ({
      seq: r.seq,
      recordId: r.record_id,
      kind: r.kind as ChainEntry['kind'],
      at: r.at,
      record: JSON.parse(r.body) as AuditRecord | AuditEvent,
      prevHash: r.prev_hash,
      hash: r.hash,
      sig: r.sig,
    }));
  }

  /**
   * Recompute the whole chain and compare it with every column of the records and events, the
   * in-database head, the entry signatures and the signed head file. Each problem is one sentence
   * that names what was found.
   */
  verify(): ChainCheck {
    const problems: string[] = [];
    const db = this.ctx.db;
    const headFile = this.headFile.read();
    const anchor = headFile.state === 'ok' && headFile.signatureOk ? headFile.head : null;
    let prev = GENESIS_HASH;
    let expectSeq = 1;
    let entries = 0;
    let lastSeq = 0;
    let anchorHashInDb: string | undefined;
    const unsigned: number[] = [];
    const badSig: number[] = [];
    const latest = new Map<string, { body: string; seq: number; kind: string; value: unknown }>();
    for (const r of db
      .prepare('SELECT * FROM audit_chain ORDER BY seq')
      .iterate() as IterableIterator<ChainRow>) {
      entries++;
      if (r.seq !== expectSeq)
        problems.push(`chain entry ${expectSeq}${r.seq > expectSeq + 1 ? `..${r.seq - 1}` : ''} is missing`);
      if (r.prev_hash !== prev)
        problems.push(
          `chain entry ${r.seq} does not follow the entry before it (an entry was removed or changed)`,
        );
      let value: unknown;
      try {
        value = JSON.parse(r.body);
      } catch {
        problems.push(`chain entry ${r.seq} is unreadable`);
      }
      if (value !== undefined) {
        const h = chainHash(r.prev_hash, {
          seq: r.seq,
          recordId: r.record_id,
          kind: r.kind,
          at: r.at,
          record: value,
        });
        if (h !== r.hash || canonicalJson(value) !== r.body)
          problems.push(`chain entry ${r.seq} (record ${r.record_id}) was changed after it was written`);
        const id = value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
        if (id !== r.record_id)
          problems.push(`chain entry ${r.seq} names record ${r.record_id} but holds ${String(id)}`);
      }
      // Entries after the signed head must carry the kiosk's signature; earlier ones are covered by the head's hash.
      if (r.sig === null) {
        if (!anchor || r.seq > anchor.seq) unsigned.push(r.seq);
      } else if (!this.key.verify(Buffer.from(r.hash, 'hex'), r.sig)) badSig.push(r.seq);
      if (anchor && r.seq === anchor.seq) anchorHashInDb = r.hash;
      latest.set(r.record_id, { body: r.body, seq: r.seq, kind: r.kind, value });
      prev = r.hash;
      expectSeq = r.seq + 1;
      lastSeq = r.seq;
    }
    if (unsigned.length)
      problems.push(
        `chain ${unsigned.length === 1 ? `entry ${unsigned[0]} is` : `entries ${unsigned.join(', ')} are`} not signed by this kiosk (written outside the kiosk)`,
      );
    if (badSig.length)
      problems.push(
        `chain ${badSig.length === 1 ? `entry ${badSig[0]} does` : `entries ${badSig.join(', ')} do`} not carry this kiosk's signature (written or changed outside the kiosk)`,
      );
    const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as
      { seq: number; hash: string } | undefined;
    if (entries === 0 && head)
      problems.push(`the history is empty but its head says ${head.seq} entries were written`);
    if (entries > 0 && !head) problems.push('the history head is missing');
    if (entries > 0 && head && (head.seq !== expectSeq - 1 || head.hash !== prev)) {
      problems.push(
        `the history head says entry ${head.seq} is the last, the chain ends at ${expectSeq - 1} (entries at the end were removed or added)`,
      );
    }

    let records = 0;
    const seenRecord = new Set<string>();
    for (const row of db.prepare('SELECT * FROM audit_records').iterate() as IterableIterator<
      Record<string, unknown>
    >) {
      records++;
      const id = String(row.id);
      seenRecord.add(id);
      const l = latest.get(id);
      if (!l || l.kind === 'event') {
        problems.push(`record ${id} has no entry in the chain (it was added outside the kiosk)`);
        continue;
      }
      if (l.body !== row.body)
        problems.push(`record ${id} differs from its last chain entry (it was edited)`);
      const rec = l.value as AuditRecord | undefined;
      if (!rec) continue;
      for (const [col, v] of Object.entries(row)) {
        const c = RECORD_COLUMNS[col];
        if (!c) {
          problems.push(
            `record ${id} has a column ${col} that the chain does not cover (the table was changed outside the kiosk)`,
          );
          continue;
        }
        if (col === 'body') continue;
        const want = c.expect(rec, l);
        if (v !== want)
          problems.push(
            `record ${id}: its ${c.label} column was edited (it says ${shown(v)}, the chain says ${shown(want)})`,
          );
      }
    }
    let events = 0;
    const seenEvent = new Set<string>();
    for (const row of db.prepare('SELECT * FROM audit_events').iterate() as IterableIterator<
      Record<string, unknown>
    >) {
      events++;
      const id = String(row.id);
      seenEvent.add(id);
      const l = latest.get(id);
      if (!l || l.kind !== 'event') {
        problems.push(`event ${id} has no entry in the chain (it was added outside the kiosk)`);
        continue;
      }
      const ev = l.value as AuditEvent | undefined;
      if (!ev) continue;
      for (const [col, v] of Object.entries(row)) {
        const want = EVENT_COLUMNS[col];
        if (!want)
          problems.push(
            `event ${id} has a column ${col} that the chain does not cover (the table was changed outside the kiosk)`,
          );
        else if (v !== want(ev, l)) problems.push(`event ${id}: its ${col} column was edited`);
      }
    }
    for (const [id, l] of latest) {
      if (l.kind === 'event' ? !seenEvent.has(id) : !seenRecord.has(id))
        problems.push(`${l.kind === 'event' ? 'event' : 'record'} ${id} is in the chain but was deleted`);
    }

    // The anchor outside the database.
    const file = this.headFile.file;
    if (headFile.state === 'missing') {
      if (entries > 0 || this.key.exists())
        problems.push(
          `the signed history head file ${file} is missing (it was deleted, or the data folder was copied without it)`,
        );
    } else if (headFile.state === 'unreadable') {
      problems.push(`the signed history head file ${file} cannot be used: ${headFile.problem}`);
    } else if (!headFile.signatureOk) {
      problems.push(
        `the history head file ${file} does not carry this kiosk's signature (it was edited or replaced)`,
      );
    } else if (anchor) {
      if (lastSeq < anchor.seq) {
        const missing = anchor.seq - lastSeq;
        const range = missing === 1 ? `entry ${anchor.seq}` : `entries ${lastSeq + 1}..${anchor.seq}`;
        if (entries === 0) {
          problems.push(
            `the database holds no history, but the signed head says ${anchor.seq} entries were written: the database was emptied or replaced`,
          );
        } else if (seenRecord.has(anchor.recordId) || seenEvent.has(anchor.recordId)) {
          problems.push(
            `a committed change was lost: the history ends at entry ${lastSeq} but the signed head says ${anchor.seq} (${range} missing; the last was the ${anchor.kind} of record ${anchor.recordId}, which the database holds in an earlier state), as when the write-ahead log or the database file is damaged`,
          );
        } else {
          problems.push(
            `the newest history was removed: record ${anchor.recordId} and ${range} are gone from the end of the chain (it ends at entry ${lastSeq}, the signed head says ${anchor.seq})`,
          );
        }
      } else if (anchorHashInDb !== anchor.hash) {
        problems.push(
          `chain entry ${anchor.seq} is not the one the signed head names: the history was rewritten`,
        );
      }
    }
    return {
      ok: problems.length === 0,
      entries,
      records,
      headHash: entries ? prev : null,
      events,
      anchor: anchor ? { seq: anchor.seq, hash: anchor.hash } : null,
      problems,
    };
  }

  /** Throw HISTORY_TAMPERED when verify() finds problems. */
  assertIntact(): ChainCheck {
    const c = this.verify();
    if (!c.ok)
      throw new KioskError('HISTORY_TAMPERED', {
        detail:
          c.problems.slice(0, 3).join('; ') +
          (c.problems.length > 3 ? ` and ${c.problems.length - 3} more` : ''),
      });
    return c;
  }

  exportCsv(filter: AuditFilter = {}): string {
    const lines = [CSV_COLUMNS.map((c) => c.name).join(',')];
    for (const r of this.list(filter)) lines.push(CSV_COLUMNS.map((c) => csvField(c.value(r))).join(','));
    return lines.join('\r\n') + '\r\n';
  }

  /** JSON export: the records plus the chain head, so a copy can later be compared with the kiosk. */
  exportJson(filter: AuditFilter = {}): string {
    const check = this.verify();
    return JSON.stringify(
      {
        format: 'fumo-kiosk-history',
        version: 1,
        exportedAt: new Date(this.ctx.clock.now()).toISOString(),
        chain: { entries: check.entries, headHash: check.headHash, intact: check.ok },
        records: this.list(filter),
      },
      null,
      2,
    );
  }

  /** The history entry that last wrote the record (the chain head at that moment): receipts print and sign it. */
  chainEntryOf(id: string): { seq: number; hash: string } | null {
    const row = this.ctx.db
      .prepare(
        'SELECT seq, hash FROM audit_chain WHERE seq = (SELECT last_seq FROM audit_records WHERE id = ?)',
      )
      .get(id) as { seq: number; hash: string } | undefined;
    return row ?? null;
  }
}
