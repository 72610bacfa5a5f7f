/**
 * The audit history: one record per update attempt, begun before the download starts and
 * completed after. Every change appends an entry to a hash chain
 *   hash_n = SHA-256(hash_{n-1} + canonicalJson({seq, recordId, kind, at, record}))
 * with hash_0 = 64 zeros, and the head (last seq and hash) is kept apart, so verify() detects an
 * edited, inserted or deleted record, including the last one. (Someone who can rewrite the whole
 * database can rebuild a consistent chain; the chain head printed on receipts and exports lets
 * such a rewrite be noticed against paper or exported copies.)
 */
import { createHash } from 'node:crypto';
import { KioskError } from '../../core/errors';
import { renderReceiptHtml } from '../receipts/html';
import { buildReceipt } from '../receipts/model';
import { canonicalJson, hex, storeError, type StoreContext } from './context';

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

export interface ChainEntry {
  seq: number;
  recordId: string;
  kind: 'begin' | 'update' | 'complete';
  at: number;
  record: AuditRecord;
  prevHash: string;
  hash: string;
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  records: number;
  /** Last entry's hash (the chain head), or null for an empty history. */
  headHash: string | null;
  /** One plain sentence per problem found. */
  problems: string[];
}

export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(prevHash: string, entry: { seq: number; recordId: string; kind: string; at: number; record: AuditRecord }): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson({ seq: entry.seq, recordId: entry.recordId, kind: entry.kind, at: entry.at, record: entry.record }))
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
  { name: 'customerConsentAt', value: (r) => (r.consent.customerAt === null ? null : new Date(r.consent.customerAt).toISOString()) },
  { name: 'deviceConsent', value: (r) => r.consent.device },
  { name: 'deviceConsentAt', value: (r) => (r.consent.deviceAt === null ? null : new Date(r.consent.deviceAt).toISOString()) },
  { name: 'consentTextVersion', value: (r) => r.consent.textVersion },
  { name: 'bytesSent', value: (r) => r.bytesSent },
  { name: 'fumoResultCode', value: (r) => r.fumoResultCode },
  { name: 'result', value: (r) => r.result },
  { name: 'outcomeCode', value: (r) => r.outcomeCode },
  { name: 'outcomeText', value: (r) => r.outcomeText },
  { name: 'phases', value: (r) => (Object.keys(r.phases).length ? canonicalJson(r.phases) : null) },
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
  constructor(private readonly ctx: StoreContext) {}

  private lastHead(): { seq: number; hash: string } {
    const head = this.ctx.db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
    return head ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Append one chain entry and write the record's current state, in the caller's transaction. */
  private append(kind: ChainEntry['kind'], record: AuditRecord, at: number): void {
    const head = this.lastHead();
    const seq = head.seq + 1;
    const hash = chainHash(head.hash, { seq, recordId: record.id, kind, at, record });
    const body = canonicalJson(record);
    const db = this.ctx.db;
    db.prepare('INSERT INTO audit_chain (seq, record_id, kind, at, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(seq, record.id, kind, at, body, head.hash, hash);
    db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash').run(seq, hash);
    db.prepare(
      `INSERT INTO audit_records (id, status, started_at, dev_id, model, result, body, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET status = excluded.status, result = excluded.result, body = excluded.body, last_seq = excluded.last_seq`,
    ).run(record.id, record.status, record.startedAt, record.devId, record.model, record.result, body, seq);
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
      this.ctx.db.transaction(() => {
        if (this.ctx.db.prepare('SELECT 1 FROM audit_records WHERE id = ?').get(id)) {
          throw new KioskError('INVALID_REQUEST', { detail: `history record ${id} already exists` });
        }
        this.append('begin', record, now);
      })();
    } catch (e) {
      throw storeError(e);
    }
    return record;
  }

  private change(id: string, kind: 'update' | 'complete', fn: (r: AuditRecord) => AuditRecord): AuditRecord {
    const now = this.ctx.clock.now();
    let out: AuditRecord | undefined;
    try {
      this.ctx.db.transaction(() => {
        const current = this.get(id);
        if (!current) throw new KioskError('RECORD_NOT_FOUND', { detail: `history record ${id}` });
        if (current.status === 'complete') throw new KioskError('INVALID_REQUEST', { detail: `history record ${id} is already complete` });
        out = fn(current);
        this.append(kind, out, now);
      })();
    } catch (e) {
      throw storeError(e);
    }
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
    const r = this.ctx.db.prepare('SELECT body FROM audit_records WHERE id = ?').get(id) as { body: string } | undefined;
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
    const rows = this.ctx.db.prepare(`SELECT body FROM audit_records ${w.sql} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`).all(...w.args, limit, offset) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as AuditRecord);
  }

  count(filter: AuditFilter = {}): number {
    const w = this.where({ ...filter, limit: undefined, offset: undefined });
    return (this.ctx.db.prepare(`SELECT COUNT(*) AS n FROM audit_records ${w.sql}`).get(...w.args) as { n: number }).n;
  }

  /** The chain entries in order (for export and inspection). */
  chain(): ChainEntry[] {
    const rows = this.ctx.db.prepare('SELECT * FROM audit_chain ORDER BY seq').all() as ChainRow[];
    return rows.map((r) => ({ seq: r.seq, recordId: r.record_id, kind: r.kind as ChainEntry['kind'], at: r.at, record: JSON.parse(r.body) as AuditRecord, prevHash: r.prev_hash, hash: r.hash }));
  }

  /** Recompute the whole chain and compare it with the records and the head. */
  verify(): ChainCheck {
    const problems: string[] = [];
    const db = this.ctx.db;
    let prev = GENESIS_HASH;
    let expectSeq = 1;
    let entries = 0;
    const latest = new Map<string, { body: string; seq: number }>();
    for (const r of db.prepare('SELECT * FROM audit_chain ORDER BY seq').iterate() as IterableIterator<ChainRow>) {
      entries++;
      if (r.seq !== expectSeq) problems.push(`chain entry ${expectSeq}${r.seq > expectSeq + 1 ? `..${r.seq - 1}` : ''} is missing`);
      if (r.prev_hash !== prev) problems.push(`chain entry ${r.seq} does not follow the entry before it (an entry was removed or changed)`);
      let record: AuditRecord | undefined;
      try {
        record = JSON.parse(r.body) as AuditRecord;
      } catch {
        problems.push(`chain entry ${r.seq} is unreadable`);
      }
      if (record) {
        const h = chainHash(r.prev_hash, { seq: r.seq, recordId: r.record_id, kind: r.kind, at: r.at, record });
        if (h !== r.hash || canonicalJson(record) !== r.body) problems.push(`chain entry ${r.seq} (record ${r.record_id}) was changed after it was written`);
        if (record.id !== r.record_id) problems.push(`chain entry ${r.seq} names record ${r.record_id} but holds ${record.id}`);
      }
      latest.set(r.record_id, { body: r.body, seq: r.seq });
      prev = r.hash;
      expectSeq = r.seq + 1;
    }
    const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
    if (entries === 0 && head) problems.push(`the history is empty but its head says ${head.seq} entries were written`);
    if (entries > 0 && !head) problems.push('the history head is missing');
    if (entries > 0 && head && (head.seq !== expectSeq - 1 || head.hash !== prev)) {
      problems.push(`the history head says entry ${head.seq} is the last, the chain ends at ${expectSeq - 1} (entries at the end were removed or added)`);
    }
    let records = 0;
    for (const row of db.prepare('SELECT id, body, last_seq FROM audit_records').iterate() as IterableIterator<{ id: string; body: string; last_seq: number }>) {
      records++;
      const l = latest.get(row.id);
      if (!l) problems.push(`record ${row.id} has no entry in the chain (it was added outside the kiosk)`);
      else if (l.body !== row.body) problems.push(`record ${row.id} differs from its last chain entry (it was edited)`);
      latest.delete(row.id);
    }
    for (const id of latest.keys()) problems.push(`record ${id} is in the chain but was deleted`);
    return { ok: problems.length === 0, entries, records, headHash: entries ? prev : null, problems };
  }

  /** Throw HISTORY_TAMPERED when verify() finds problems. */
  assertIntact(): ChainCheck {
    const c = this.verify();
    if (!c.ok) throw new KioskError('HISTORY_TAMPERED', { detail: c.problems.slice(0, 3).join('; ') + (c.problems.length > 3 ? ` and ${c.problems.length - 3} more` : '') });
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
    const row = this.ctx.db.prepare('SELECT seq, hash FROM audit_chain WHERE seq = (SELECT last_seq FROM audit_records WHERE id = ?)').get(id) as { seq: number; hash: string } | undefined;
    return row ?? null;
  }

  /** A printable receipt as HTML; rendered by src/main/receipts (which adds the shop and the QR code when called directly). */
  receiptHtml(id: string, options: { language?: string; kioskName?: string } = {}): string {
    const r = this.get(id);
    if (!r) throw new KioskError('RECORD_NOT_FOUND', { detail: `history record ${id}` });
    return renderReceiptHtml(buildReceipt(r, { shop: { shopName: options.kioskName ?? '', shopAddress: '' }, chain: this.chainEntryOf(id), language: options.language ?? 'en' }));
  }
}
