/**
 * The receipt as PDF (pdfkit): A4 for an office printer or the width of an 80 mm receipt roll,
 * with the QR code of the signed summary drawn as vector squares (sharp on any printer).
 *
 * Text is set in an embedded TrueType font so ä, ß, ñ and the masking dots print on every
 * printer. DejaVu Sans (Debian: fonts-dejavu-core) is looked for first; without it the receipt
 * falls back to the PDF standard Helvetica (Latin-1 letters only) and says so in `font`.
 */
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ReceiptModel } from './model';

export type ReceiptPaper = 'a4' | '80mm';

/** Fonts tried in order (regular, bold). */
export const RECEIPT_FONT_CANDIDATES: { regular: string; bold: string }[] = [
  { regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf' },
  { regular: '/usr/share/fonts/dejavu/DejaVuSans.ttf', bold: '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf' },
  { regular: '/usr/local/share/fonts/DejaVuSans.ttf', bold: '/usr/local/share/fonts/DejaVuSans-Bold.ttf' },
  { regular: '/Library/Fonts/Arial Unicode.ttf', bold: '/Library/Fonts/Arial Unicode.ttf' },
  { regular: 'C:\\Windows\\Fonts\\arial.ttf', bold: 'C:\\Windows\\Fonts\\arialbd.ttf' },
];

export interface ReceiptPdfOptions {
  paper?: ReceiptPaper;
  /** QR code payload (signedReceiptPayload); no code is drawn without it. */
  qrPayload?: string | null;
  /** Fonts to try instead of RECEIPT_FONT_CANDIDATES (tests use this to see the fallback). */
  fonts?: { regular: string; bold: string }[];
  /** The PDF's creation date. Default: now. */
  createdAt?: Date;
}

export interface ReceiptPdf {
  bytes: Buffer;
  /** The embedded font file, or 'Helvetica' when none was found (then only Latin-1 letters print). */
  font: string;
  /** A sentence for the operator when the fallback font was used, else null. */
  fontWarning: string | null;
  paper: ReceiptPaper;
  /** Page size in PDF points. */
  width: number;
  height: number;
}

const MM = 72 / 25.4;

interface Geometry {
  width: number;
  margin: number;
  sizes: { shop: number; address: number; title: number; result: number; note: number; label: number; value: number; small: number };
  qr: number;
  /** Label and value side by side (A4) or label above value (roll). */
  columns: boolean;
}

const GEOMETRY: Record<ReceiptPaper, Geometry> = {
  a4: { width: 595.28, margin: 56, sizes: { shop: 18, address: 10, title: 14, result: 16, note: 10.5, label: 10, value: 10, small: 8.5 }, qr: 150, columns: true },
  // 80 mm paper, about 72 mm printable: 4 mm each side.
  '80mm': { width: 80 * MM, margin: 4 * MM, sizes: { shop: 12, address: 8, title: 10, result: 11, note: 8, label: 7, value: 8.5, small: 6.5 }, qr: 150, columns: false },
};
const A4_HEIGHT = 841.89;

function pickFont(candidates: { regular: string; bold: string }[]): { regular: string; bold: string } | null {
  for (const c of candidates) if (existsSync(c.regular) && existsSync(c.bold)) return c;
  return null;
}

/** 64 hex digits in groups of 16 so the line can wrap on a narrow roll. */
function spacedHash(value: string): string {
  return value.replace(/\b([0-9a-f]{64})\b/g, (h) => h.match(/.{16}/g)!.join(' '));
}

type Doc = InstanceType<typeof PDFDocument>;

/** Lay the receipt out on doc; returns the y after the last line. */
function layout(doc: Doc, m: ReceiptModel, g: Geometry, fonts: { regular: string; bold: string }, qr: QRCode.QRCode | null): number {
  const x = g.margin;
  const w = g.width - 2 * g.margin;
  let y = g.margin;
  const text = (s: string, font: string, size: number, opts: PDFKit.Mixins.TextOptions = {}, gap = 0) => {
    doc.font(font).fontSize(size);
    doc.text(s, x, y, { width: w, ...opts });
    y = doc.y + gap;
  };
  text(m.shopName, fonts.bold, g.sizes.shop, {}, 2);
  for (const line of m.shopAddress) text(line, fonts.regular, g.sizes.address);
  y += g.sizes.address;
  doc.moveTo(x, y).lineTo(x + w, y).lineWidth(0.7).stroke('#000');
  y += g.sizes.address;
  text(m.title, fonts.bold, g.sizes.title, {}, g.sizes.title * 0.6);
  text(m.result, fonts.bold, g.sizes.result, {}, 2);
  if (m.resultNote) text(m.resultNote, fonts.regular, g.sizes.note, {}, g.sizes.note);
  y += g.sizes.note * 0.4;
  const labelWidth = g.columns ? w * 0.36 : w;
  for (const row of m.rows) {
    const value = spacedHash(row.value);
    if (g.columns) {
      doc.font(fonts.bold).fontSize(g.sizes.label);
      const hLabel = doc.heightOfString(row.label, { width: labelWidth - 8 });
      doc.text(row.label, x, y, { width: labelWidth - 8 });
      doc.font(fonts.regular).fontSize(g.sizes.value);
      const hValue = doc.heightOfString(value, { width: w - labelWidth });
      doc.text(value, x + labelWidth, y, { width: w - labelWidth });
      y += Math.max(hLabel, hValue) + g.sizes.value * 0.55;
    } else {
      text(row.label, fonts.bold, g.sizes.label);
      text(value, fonts.regular, g.sizes.value, {}, g.sizes.value * 0.5);
    }
  }
  if (qr) {
    y += g.sizes.note;
    const size = Math.min(g.qr, w);
    const n = qr.modules.size;
    // A quiet zone of 4 modules around the code, as scanners expect.
    const cell = size / (n + 8);
    const left = x + (w - size) / 2;
    doc.save();
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        if (qr.modules.get(r, c)) doc.rect(left + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
      }
    }
    doc.fill('#000');
    doc.restore();
    y += size + 2;
    text(m.strings.qrCaption, fonts.regular, g.sizes.small, { align: 'center' });
  }
  return y + g.margin;
}

function collect(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

export async function renderReceiptPdf(m: ReceiptModel, options: ReceiptPdfOptions = {}): Promise<ReceiptPdf> {
  const paper = options.paper ?? 'a4';
  const g = GEOMETRY[paper];
  const found = pickFont(options.fonts ?? RECEIPT_FONT_CANDIDATES);
  const fonts = found ?? { regular: 'Helvetica', bold: 'Helvetica-Bold' };
  const qr = options.qrPayload ? QRCode.create(options.qrPayload, { errorCorrectionLevel: 'M' }) : null;
  const info = { Title: m.title, Subject: `${m.shopName} ${m.recordId}`, Creator: 'fumo-kiosk', CreationDate: options.createdAt ?? new Date() };
  let height = A4_HEIGHT;
  if (paper === '80mm') {
    // A roll has no page length: measure the receipt on a long page, then cut the page to fit.
    const probe = new PDFDocument({ size: [g.width, 20_000], margin: 0, autoFirstPage: true });
    height = Math.ceil(layout(probe, m, g, fonts, qr));
    probe.end();
  }
  const doc = new PDFDocument({ size: [g.width, height], margin: 0, lang: m.language, info, displayTitle: true, autoFirstPage: true });
  const done = collect(doc);
  layout(doc, m, g, fonts, qr);
  doc.end();
  return {
    bytes: await done,
    font: found ? found.regular : 'Helvetica',
    fontWarning: found
      ? null
      : 'No font with all the letters was found (install fonts-dejavu-core); the receipt uses Helvetica, which prints only Western European letters.',
    paper,
    width: g.width,
    height,
  };
}
