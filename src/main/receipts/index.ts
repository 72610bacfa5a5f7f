/**
 * The customer's receipt: from a history record and the kiosk's settings to a signed summary
 * (the QR code), a PDF and paper. The service, the CLI and the hosts call these functions:
 *
 *   receiptFor(store, id, opts)          -> { record, model, payload }   (what a screen shows)
 *   renderReceipt(store, id, opts)       -> { pdf, model, payload }      (PDF bytes)
 *   printReceipt(store, id, printer, o)  -> { job, pdf, ... }            (through a Printer)
 *   receiptHtml(store, id, opts)         -> HTML with the QR code
 *   receiptCode(store, id)               -> the QR code's text and modules (what the done screen draws)
 *   verifyReceiptPayload(text, pubKey)   -> valid / invalid with the fields
 */
import { KioskError } from '../../core/errors';
import type { AuditRecord } from '../store/audit';
import type { ReceiptSettings } from '../store/settings';
import { renderReceiptHtml } from './html';
import { buildReceipt, type ChainAnchor, type ReceiptModel } from './model';
import { renderReceiptPdf, type ReceiptPaper, type ReceiptPdf } from './pdf';
import type { PrintJob, Printer } from './printer';
import { qrMatrix, type QrMatrix } from './qr';
import { loadOrCreateReceiptKey, receiptKeyPath, signedReceiptPayload, type ReceiptKey } from './signing';

export * from './errors';
export * from './model';
export * from './pdf';
export * from './printer';
export * from './signing';
export { RECEIPT_LANGUAGES, RECEIPT_TEXT, receiptLanguage, type ReceiptLanguage } from './text';
export { renderReceiptHtml, qrSvg } from './html';
export { qrMatrix, type QrMatrix } from './qr';
export { receiptErrorForScreens } from './shared-errors';

/** The parts of the kiosk store a receipt reads (KioskStore fits). */
export interface ReceiptSources {
  readonly dataDir: string;
  readonly audit: { get(id: string): AuditRecord | undefined; chainEntryOf(id: string): ChainAnchor | null };
  readonly catalog: { get(id: string): { manifest: { manufacturer: string } } | undefined };
  readonly settings: { getAll(): ReceiptSettings };
}

export interface ReceiptOptions {
  /** Default: the language the customer used for the consent. */
  language?: string | null;
  /** IANA zone; default: the kiosk's. */
  timeZone?: string;
  /** Default: the receiptPaper setting. */
  paper?: ReceiptPaper;
  /** The signing key file; default: receiptKeyPath(dataDir). */
  keyPath?: string;
  /** An already loaded key (wins over keyPath). */
  key?: ReceiptKey;
}

export interface ReceiptData {
  record: AuditRecord;
  model: ReceiptModel;
  /** The QR code's text: the signed summary. */
  payload: string;
  keyId: string;
}

export function receiptFor(src: ReceiptSources, id: string, options: ReceiptOptions = {}): ReceiptData {
  const record = src.audit.get(id);
  if (!record) throw new KioskError('RECORD_NOT_FOUND', { detail: `"${id}"` });
  const settings = src.settings.getAll();
  const chain = src.audit.chainEntryOf(id);
  const bundle = record.bundleId ? src.catalog.get(record.bundleId) : undefined;
  const model = buildReceipt(record, {
    shop: { shopName: settings.shopName, shopAddress: settings.shopAddress },
    chain,
    catalogueManufacturer: bundle?.manifest.manufacturer ?? null,
    language: options.language ?? null,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  });
  const key = options.key ?? loadOrCreateReceiptKey(options.keyPath ?? receiptKeyPath(src.dataDir));
  return { record, model, payload: signedReceiptPayload(record, chain, key), keyId: key.keyId };
}

/** The record's QR code: the signed summary and its module matrix. */
export function receiptCode(src: ReceiptSources, id: string, options: Pick<ReceiptOptions, 'key' | 'keyPath'> = {}): { id: string; payload: string } & QrMatrix {
  const data = receiptFor(src, id, options);
  return { id: data.record.id, payload: data.payload, ...qrMatrix(data.payload) };
}

export async function renderReceipt(src: ReceiptSources, id: string, options: ReceiptOptions = {}): Promise<ReceiptData & { pdf: ReceiptPdf }> {
  const data = receiptFor(src, id, options);
  const pdf = await renderReceiptPdf(data.model, {
    paper: options.paper ?? src.settings.getAll().receiptPaper,
    qrPayload: data.payload,
    createdAt: new Date(data.record.finishedAt ?? data.record.startedAt),
  });
  return { ...data, pdf };
}

export function receiptHtml(src: ReceiptSources, id: string, options: ReceiptOptions = {}): string {
  const data = receiptFor(src, id, options);
  return renderReceiptHtml(data.model, data.payload);
}

/** Print one record's receipt; queue default: the receiptPrinter setting, then the system default. */
export async function printReceipt(
  src: ReceiptSources,
  id: string,
  printer: Printer,
  options: ReceiptOptions & { queue?: string | null } = {},
): Promise<ReceiptData & { pdf: ReceiptPdf; job: PrintJob }> {
  const rendered = await renderReceipt(src, id, options);
  const queue = options.queue || src.settings.getAll().receiptPrinter || null;
  const job = await printer.print(rendered.pdf.bytes, { queue, title: `receipt ${id}` });
  return { ...rendered, job };
}
