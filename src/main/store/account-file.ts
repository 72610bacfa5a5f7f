/**
 * The administrator's DM accounts file (`fumo-kiosk accounts import FILE`): the accounts phones
 * from the field already hold (DMAcc ServerID and AppAuth, from the factory or a bootstrap), in
 * CSV (a header line naming the columns) or JSON (an array of objects, or {"accounts": [...]}),
 * with the same field names either way:
 *
 *   devId | imeiFrom + imeiTo   which phones: one DevId, or an IMEI range (15 digits each);
 *                               neither: every phone (only with deriveSecret)
 *   serverId                    the phone's DMAcc ServerID: the kiosk answers as this server
 *   clientAuthType              basic, md5 or hmac: how the phone authenticates to the kiosk
 *   serverAuthType              basic, md5 or hmac: how the kiosk authenticates to the phone (default: clientAuthType)
 *   clientName, clientSecret    the phone's credentials (AppAuth CLCRED)
 *   serverName, serverSecret    the server's credentials (AppAuth SRVCRED)
 *   clientNonce, serverNonce    optional base64 nonces each side holds (AAuthData)
 *   deriveSecret                instead of the secrets: per phone, clientSecret = hex(HMAC-SHA256(
 *                               deriveSecret, "CLCRED:" + DevId)) and serverSecret = hex(HMAC-SHA256(
 *                               deriveSecret, "SRVCRED:" + DevId)); clientName defaults to the DevId,
 *                               serverName to the serverId
 *
 * Every problem is reported with its line (CSV) or entry number (JSON); one problem refuses the
 * whole file, so nothing is imported half-way.
 */
import { createHmac } from 'node:crypto';
import type { AuthType } from '../../core/dm/auth';
import { KioskError } from '../../core/errors';

/** One imported account or rule, validated. */
export interface AccountEntry {
  /** Where it came from in the file, for messages ("line 3", "entry 2"). */
  where: string;
  match: { kind: 'device'; devId: string } | { kind: 'imei-range'; from: string; to: string } | { kind: 'any' };
  serverId: string;
  clientAuthType: AuthType;
  serverAuthType: AuthType;
  clientName?: string;
  serverName?: string;
  credentials: { kind: 'secrets'; clientSecret: string; serverSecret: string } | { kind: 'derived'; deriveSecret: string };
  clientNonce?: string;
  serverNonce?: string;
}

const FIELDS = [
  'devId',
  'imeiFrom',
  'imeiTo',
  'serverId',
  'clientAuthType',
  'serverAuthType',
  'clientName',
  'clientSecret',
  'serverName',
  'serverSecret',
  'clientNonce',
  'serverNonce',
  'deriveSecret',
] as const;
type Field = (typeof FIELDS)[number];
const FIELD_BY_LOWER = new Map<string, Field>(FIELDS.map((f) => [f.toLowerCase(), f]));

function invalid(file: string, where: string, detail: string): KioskError {
  return new KioskError('ACCOUNTS_INVALID', { file, detail: `${where}: ${detail}` });
}

/** Split one CSV line (RFC 4180 quoting: "a,b" and "" for a quote inside); undefined when a quote is left open. */
function csvCells(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  if (quoted) return undefined;
  cells.push(cell.trim());
  return cells;
}

function rowsOfCsv(file: string, text: string): Array<{ where: string; row: Partial<Record<Field, string>> }> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: Field[] | undefined;
  const rows: Array<{ where: string; row: Partial<Record<Field, string>> }> = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    const where = `line ${n + 1}`;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = csvCells(line);
    if (!cells) throw invalid(file, where, 'a quoted value is not closed');
    if (!header) {
      header = cells.map((c, i) => {
        const f = FIELD_BY_LOWER.get(c.toLowerCase());
        if (!f) throw invalid(file, where, `column ${i + 1} of the header is not one of ${FIELDS.join(', ')}`);
        return f;
      });
      const dup = header.find((f, i) => header!.indexOf(f) !== i);
      if (dup) throw invalid(file, where, `column ${dup} appears twice`);
      continue;
    }
    if (cells.length !== header.length) throw invalid(file, where, `${cells.length} values where the header names ${header.length} columns`);
    const row: Partial<Record<Field, string>> = {};
    header.forEach((f, i) => {
      if (cells[i] !== '') row[f] = cells[i];
    });
    rows.push({ where, row });
  }
  if (!header) throw invalid(file, 'line 1', 'the file has no header line naming the columns');
  return rows;
}

function rowsOfJson(file: string, text: string): Array<{ where: string; row: Partial<Record<Field, string>> }> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw invalid(file, line !== undefined ? `line ${line}` : 'the file', 'not valid JSON');
  }
  const list = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { accounts?: unknown }).accounts) ? (data as { accounts: unknown[] }).accounts : undefined;
  if (!list) throw invalid(file, 'the file', 'JSON accounts are an array of objects, or {"accounts": [...]}');
  return list.map((entry, i) => {
    const where = `entry ${i + 1}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(file, where, 'not an object');
    const row: Partial<Record<Field, string>> = {};
    for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
      const f = FIELD_BY_LOWER.get(k.toLowerCase());
      if (!f) throw invalid(file, where, `a field is not one of ${FIELDS.join(', ')}`);
      if (v === null || v === undefined || v === '') continue;
      if (typeof v !== 'string' && typeof v !== 'number') throw invalid(file, where, `${f} is not text`);
      row[f] = String(v).trim();
    }
    return { where, row };
  });
}

const AUTH_TYPES: ReadonlySet<string> = new Set(['basic', 'md5', 'hmac']);
const IMEI = /^\d{15}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function entryOf(file: string, where: string, row: Partial<Record<Field, string>>): AccountEntry {
  const need = (f: Field): string => {
    const v = row[f];
    if (v === undefined) throw invalid(file, where, `${f} is missing`);
    return v;
  };
  const authType = (f: Field, fallback?: AuthType): AuthType => {
    const v = row[f]?.toLowerCase() ?? fallback;
    if (v === undefined) throw invalid(file, where, `${f} is missing (basic, md5 or hmac)`);
    if (!AUTH_TYPES.has(v)) throw invalid(file, where, `${f} is not basic, md5 or hmac`);
    return v as AuthType;
  };
  const serverId = need('serverId');
  const clientAuthType = authType('clientAuthType');
  const serverAuthType = authType('serverAuthType', clientAuthType);

  let match: AccountEntry['match'];
  if (row.devId !== undefined) {
    if (row.imeiFrom !== undefined || row.imeiTo !== undefined) throw invalid(file, where, 'give either devId or imeiFrom/imeiTo, not both');
    match = { kind: 'device', devId: row.devId };
  } else if (row.imeiFrom !== undefined || row.imeiTo !== undefined) {
    const from = need('imeiFrom');
    const to = need('imeiTo');
    if (!IMEI.test(from) || !IMEI.test(to)) throw invalid(file, where, 'imeiFrom and imeiTo are 15-digit IMEIs');
    if (from > to) throw invalid(file, where, `the IMEI range ends (${to}) before it starts (${from})`);
    match = { kind: 'imei-range', from, to };
  } else match = { kind: 'any' };

  let credentials: AccountEntry['credentials'];
  if (row.deriveSecret !== undefined) {
    if (row.clientSecret !== undefined || row.serverSecret !== undefined) throw invalid(file, where, 'give either deriveSecret or clientSecret/serverSecret, not both');
    if (row.deriveSecret.length < 16) throw invalid(file, where, 'deriveSecret is shorter than 16 characters');
    credentials = { kind: 'derived', deriveSecret: row.deriveSecret };
  } else {
    if (match.kind === 'any') throw invalid(file, where, 'an account for every phone needs a deriveSecret; otherwise give devId or imeiFrom/imeiTo');
    credentials = { kind: 'secrets', clientSecret: need('clientSecret'), serverSecret: need('serverSecret') };
    need('clientName');
    need('serverName');
  }
  for (const f of ['clientNonce', 'serverNonce'] as const) {
    const v = row[f];
    if (v !== undefined && (!BASE64.test(v) || v.length % 4 !== 0)) throw invalid(file, where, `${f} is not base64`);
  }
  return {
    where,
    match,
    serverId,
    clientAuthType,
    serverAuthType,
    credentials,
    ...(row.clientName !== undefined ? { clientName: row.clientName } : {}),
    ...(row.serverName !== undefined ? { serverName: row.serverName } : {}),
    ...(row.clientNonce !== undefined ? { clientNonce: row.clientNonce } : {}),
    ...(row.serverNonce !== undefined ? { serverNonce: row.serverNonce } : {}),
  };
}

/**
 * Parse and check an accounts file. `file` names it in messages; the format is JSON when the
 * name ends in .json or the text starts with [ or {, CSV otherwise. Throws ACCOUNTS_INVALID.
 */
export function parseAccountFile(file: string, text: string): AccountEntry[] {
  const json = /\.json$/i.test(file) || /^\s*[[{]/.test(text.replace(/^\uFEFF/, ''));
  const rows = json ? rowsOfJson(file, text) : rowsOfCsv(file, text);
  if (rows.length === 0) throw invalid(file, 'the file', 'it holds no accounts');
  const entries = rows.map(({ where, row }) => entryOf(file, where, row));
  const seen = new Map<string, string>();
  for (const e of entries) {
    if (e.match.kind !== 'device') continue;
    const key = `${e.match.devId}\0${e.serverId}`;
    const first = seen.get(key);
    if (first) throw invalid(file, e.where, `the same devId and serverId are already given in ${first}`);
    seen.set(key, e.where);
  }
  return entries;
}

/** Whether an entry covers this DevId (IMEI ranges match "IMEI:<15 digits>" and bare 15-digit ids). */
export function entryMatches(e: AccountEntry, devId: string): boolean {
  switch (e.match.kind) {
    case 'device':
      return e.match.devId === devId;
    case 'any':
      return true;
    case 'imei-range': {
      const m = /^(?:IMEI:)?(\d{15})$/i.exec(devId.trim());
      return m !== null && m[1]! >= e.match.from && m[1]! <= e.match.to;
    }
  }
}

/** The secrets of one phone under an entry: given, or derived from its DevId. */
export function secretsFor(e: AccountEntry, devId: string): { clientName: string; clientSecret: string; serverName: string; serverSecret: string } {
  const clientName = e.clientName ?? devId;
  const serverName = e.serverName ?? e.serverId;
  if (e.credentials.kind === 'secrets') return { clientName, serverName, clientSecret: e.credentials.clientSecret, serverSecret: e.credentials.serverSecret };
  const derive = (label: string) => createHmac('sha256', e.credentials.kind === 'derived' ? e.credentials.deriveSecret : '').update(`${label}:${devId}`).digest('hex');
  return { clientName, serverName, clientSecret: derive('CLCRED'), serverSecret: derive('SRVCRED') };
}
