/**
 * The receipt model: what a customer's receipt says, worked out once from the history record and
 * the kiosk's settings, then laid out as PDF (pdf.ts) or HTML (html.ts). Everything here is
 * already in the customer's language and the kiosk's local time.
 */
import { maskDevId } from '../../shared/api';
import type { AuditRecord, DeviceConsentValue } from '../store/audit';
import { RECEIPT_TEXT, fill, receiptLanguage, type ReceiptLanguage, type ReceiptStrings } from './text';

/** The history entry that closed (or last changed) the record: the chain head at that moment. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

export interface ReceiptShop {
  /** '' when not set. */
  shopName: string;
  /** '' when not set; line breaks are kept. */
  shopAddress: string;
}

export interface ReceiptContext {
  shop: ReceiptShop;
  /** The history entry of the record (AuditStore.chainEntryOf). */
  chain: ChainAnchor | null;
  /** The manufacturer as the catalogue names it (bundle manifest), when the bundle is known. */
  catalogueManufacturer?: string | null;
  /** Default: the language the customer chose for the consent, else English. */
  language?: string | null;
  /** IANA time zone for times on the receipt. Default: the kiosk's (the system's) zone. */
  timeZone?: string;
}

export interface ReceiptRow {
  label: string;
  value: string;
}

export interface ReceiptModel {
  language: ReceiptLanguage;
  strings: ReceiptStrings;
  title: string;
  shopName: string;
  /** Address lines, empty when not set. */
  shopAddress: string[];
  recordId: string;
  /** The time shown as the receipt's date, local. */
  date: string;
  timeZone: string;
  /** Result in plain words and what it means for the phone. */
  result: string;
  resultNote: string;
  /** The facts as label/value rows, in print order. */
  rows: ReceiptRow[];
  /** The outcome sentence as the service recorded it (English), only on English receipts. */
  outcomeText: string | null;
  chain: ChainAnchor | null;
  /** Last 4 characters of the device id: what the signed summary carries. */
  deviceLast4: string;
  maskedDeviceId: string;
}

/** The zone Intl uses when none is given: the kiosk's own. */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const LOCALES: Record<ReceiptLanguage, string> = { en: 'en-GB', de: 'de-DE', es: 'es-ES' };

/** A date and time the customer reads at home: local, in their language, with the zone's short name. */
export function formatLocalTime(ms: number, language: ReceiptLanguage, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALES[language], {
    timeZone,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(ms));
}

/** Only the time of day (with the zone), for answers given on the receipt's own day. */
export function formatLocalClock(ms: number, language: ReceiptLanguage, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALES[language], { timeZone, hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(ms));
}

function localDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

/** The last 4 characters of the device id body (after a scheme prefix such as "IMEI:"). */
export function deviceLast4(devId: string): string {
  const colon = devId.indexOf(':');
  const body = colon >= 0 ? devId.slice(colon + 1) : devId;
  return body.slice(-4);
}

function customerConsent(r: AuditRecord, t: ReceiptStrings, time: (ms: number) => string): string {
  const c = r.consent;
  const when = c.customerAt !== null ? ` (${time(c.customerAt)})` : '';
  if (c.mode === 'operator') {
    if (c.customer === 'declined') return t.operatorDeclined + when;
    if (c.customer === 'approved') return t.operatorApproved + when;
    return t.deviceNoAnswer;
  }
  if (c.customer === 'approved') return t.customerApproved + when;
  if (c.customer === 'declined') return t.customerDeclined + when;
  return t.customerNoAnswer;
}

function deviceConsent(v: DeviceConsentValue | null, at: number | null, t: ReceiptStrings, time: (ms: number) => string): string {
  const when = at !== null && (v === 'approved' || v === 'declined') ? ` (${time(at)})` : '';
  switch (v) {
    case 'approved':
      return t.deviceApproved + when;
    case 'declined':
      return t.deviceDeclined + when;
    case 'timeout':
      return t.deviceTimeout;
    case 'cancelled':
      return t.deviceCancelled;
    case 'unsupported':
      return t.deviceUnsupported;
    default:
      return t.deviceNoAnswer;
  }
}

export function buildReceipt(r: AuditRecord, ctx: ReceiptContext): ReceiptModel {
  const language = receiptLanguage(ctx.language ?? r.consent.language);
  const t = RECEIPT_TEXT[language];
  const timeZone = ctx.timeZone ?? systemTimeZone();
  const shownAt = r.finishedAt ?? r.startedAt;
  // Answers given on the receipt's day show their time only; the date is at the top already.
  const time = (ms: number) => (localDay(ms, timeZone) === localDay(shownAt, timeZone) ? formatLocalClock(ms, language, timeZone) : formatLocalTime(ms, language, timeZone));
  const manufacturer = (ctx.catalogueManufacturer ?? r.manufacturer ?? '').trim();
  const phone = [manufacturer, r.model ?? ''].filter((x) => x !== '').join(' ') || t.unknown;
  const result = r.result ? t.results[r.result] : t.inProgress;
  const resultNote = r.result ? t.resultNotes[r.result] : '';
  const masked = maskDevId(r.devId);
  const rows: ReceiptRow[] = [
    { label: t.date, value: formatLocalTime(shownAt, language, timeZone) },
    { label: t.phone, value: phone },
    { label: t.deviceId, value: masked },
    { label: t.from, value: r.fromVersion ?? t.unknown },
    { label: t.to, value: r.targetVersion ?? t.unknown },
  ];
  if (r.finalVersion && r.finalVersion !== r.targetVersion) rows.push({ label: t.reported, value: r.finalVersion });
  // The result itself is the receipt's headline, not repeated as a row.
  rows.push({ label: t.approval, value: customerConsent(r, t, time) });
  rows.push({ label: t.approvalOnPhone, value: deviceConsent(r.consent.device, r.consent.deviceAt, t, time) });
  if (r.technician) rows.push({ label: t.technician, value: r.technician });
  rows.push({ label: t.record, value: r.id });
  if (r.bundleId) rows.push({ label: t.package, value: r.bundleId });
  if (r.consent.textVersion) rows.push({ label: t.consentText, value: r.consent.textVersion });
  if (ctx.chain) rows.push({ label: t.historyCheck, value: `${fill(t.historyEntry, { seq: ctx.chain.seq })}: ${ctx.chain.hash}` });
  return {
    language,
    strings: t,
    title: t.title,
    shopName: ctx.shop.shopName.trim() || t.unnamedShop,
    shopAddress: ctx.shop.shopAddress
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== ''),
    recordId: r.id,
    date: formatLocalTime(shownAt, language, timeZone),
    timeZone,
    result,
    resultNote,
    rows,
    outcomeText: language === 'en' ? r.outcomeText : null,
    chain: ctx.chain,
    deviceLast4: deviceLast4(r.devId),
    maskedDeviceId: masked,
  };
}
