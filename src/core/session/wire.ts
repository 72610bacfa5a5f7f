/**
 * What the server and client session engines share: receiving with a timeout driven by the
 * injected Clock, encoding and sending with the transport headers (HMAC), building statuses,
 * and reading Generic Alerts.
 */
import type { Clock } from '../clock';
import { KioskError } from '../errors';
import { decodeMessage, encodeMessage } from '../dm/codec';
import type { Alert, Command, Encoding, Item, ItemData, Status, SyncHdr, SyncMLMessage } from '../dm/model';
import { contentTypeOf } from '../dm/model';
import type { DmPayload, Link } from '../link';
import type { GenericAlert } from './api';

export interface Received {
  message: SyncMLMessage;
  encoding: Encoding;
  payload: DmPayload;
}

/** Wait for the peer's next message; LINK_TIMEOUT after `timeoutMs` on the injected clock. */
export async function receiveMessage(link: Link, clock: Clock, timeoutMs: number, what: string): Promise<Received> {
  const abort = new AbortController();
  let handle: unknown;
  const timeout = new Promise<never>((_resolve, reject) => {
    handle = clock.setTimeout(() => {
      const error = new KioskError('LINK_TIMEOUT', { detail: `no ${what} within ${Math.round(timeoutMs / 1000)} s` });
      // The timeout settles the race first; the link's receive is then stopped with the same reason.
      reject(error);
      abort.abort(error);
    }, timeoutMs);
  });
  try {
    const payload = await Promise.race([link.receive({ signal: abort.signal }), timeout]);
    const { message, encoding } = decodeMessage(payload.body, payload.contentType);
    return { message, encoding, payload };
  } finally {
    clock.clearTimeout(handle);
  }
}

/** Encode and send; `hmac` computes the x-syncml-hmac header over the encoded bytes when HMAC is in use. */
export async function sendMessage(
  link: Link,
  message: SyncMLMessage,
  encoding: Encoding,
  hmac?: (body: Uint8Array) => string | undefined,
): Promise<Uint8Array> {
  let body: Uint8Array;
  try {
    body = encodeMessage(message, encoding);
  } catch (e) {
    throw unencodable(e);
  }
  const mac = hmac?.(body);
  await link.send({ body, contentType: contentTypeOf(encoding), ...(mac ? { headers: { 'x-syncml-hmac': mac } } : {}) });
  return body;
}

/**
 * A value the encoder refuses (RangeError: e.g. a character XML 1.0 cannot carry, a negative
 * size) becomes a KioskError, the only kind of failure session methods reject with.
 */
export function unencodable(e: unknown): unknown {
  return e instanceof RangeError ? new KioskError('INTERNAL', { detail: `a message could not be encoded: ${e.message}` }, { cause: e }) : e;
}

/** Status for one received command (CmdID is assigned by the packer). */
export function statusFor(msgID: string, cmd: Command | { kind: 'SyncHdr'; header: SyncHdr }, code: number, extra: Partial<Status> = {}): Status {
  if (cmd.kind === 'SyncHdr') {
    return {
      kind: 'Status',
      cmdID: '',
      msgRef: msgID,
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [cmd.header.target.locURI],
      sourceRefs: [cmd.header.source.locURI],
      data: String(code),
      items: [],
      ...extra,
    };
  }
  const items = 'items' in cmd ? (cmd.items as Item[]) : [];
  const targetRefs = cmd.kind === 'Get' || cmd.kind === 'Replace' || cmd.kind === 'Add' || cmd.kind === 'Delete' || cmd.kind === 'Exec' || cmd.kind === 'Copy'
    ? items.flatMap((i) => (i.target ? [i.target.locURI] : []))
    : [];
  const sourceRefs = cmd.kind === 'Copy' ? items.flatMap((i) => (i.source ? [i.source.locURI] : [])) : [];
  return { kind: 'Status', cmdID: '', msgRef: msgID, cmdRef: cmd.cmdID, cmd: cmd.kind, targetRefs, sourceRefs, data: String(code), items: [], ...extra };
}

export function alert(code: string, items: Item[] = [], extra: Partial<Alert> = {}): Alert {
  return { kind: 'Alert', cmdID: '', data: code, items, ...extra };
}

const REVERSED_DOMAIN_PREFIX = /^reversed-domain-name:\s*/i;

function text(d: ItemData | undefined): string | undefined {
  if (d === undefined) return undefined;
  return typeof d === 'string' ? d.trim() : new TextDecoder().decode(d).trim();
}

/** Read a Generic Alert (1226): Type with any `Reversed-Domain-Name:` prefix removed, Correlator wherever it sits. */
export function parseGenericAlerts(a: Alert): GenericAlert[] {
  if (a.items.length === 0) return [{ type: '', ...(a.correlator ? { correlator: a.correlator } : {}) }];
  return a.items.map((item) => {
    const type = (item.meta?.type ?? a.cred?.meta.type ?? '').trim().replace(REVERSED_DOMAIN_PREFIX, '');
    const g: GenericAlert = { type };
    if (item.meta?.format) g.format = item.meta.format;
    if (item.meta?.mark) g.mark = item.meta.mark;
    const src = item.source?.locURI ?? item.target?.locURI;
    if (src) g.sourceURI = src;
    const data = text(item.data);
    if (data !== undefined) g.data = data;
    if (a.correlator) g.correlator = a.correlator.trim();
    return g;
  });
}

/** Build a Generic Alert 1226 command from its description. */
export function genericAlertCommand(g: GenericAlert): Alert {
  const item: Item = {
    ...(g.sourceURI ? { source: { locURI: g.sourceURI } } : {}),
    meta: { type: g.type, ...(g.format ? { format: g.format } : { format: 'int' }), ...(g.mark ? { mark: g.mark } : {}) },
    ...(g.data !== undefined ? { data: g.data } : {}),
  };
  return alert('1226', [item], g.correlator ? { correlator: g.correlator } : {});
}

export function itemText(d: ItemData | undefined): string | undefined {
  return text(d);
}

/** Commands that are not Status/Results (the ones that make a package "have commands"). */
export function isRealCommand(c: Command): boolean {
  return c.kind !== 'Status' && c.kind !== 'Results';
}

/** NoResp on a command (Status has none). */
export function noResp(c: Command): boolean {
  return c.kind !== 'Status' && c.noResp === true;
}
