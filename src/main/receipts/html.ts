/**
 * The receipt as one self-contained HTML page (inline CSS, the QR code as inline SVG, no script):
 * what the history.receipt API returns for a screen or a browser to show or print.
 */
import type { ReceiptModel } from './model';
import { qrMatrix } from './qr';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The QR code of payload as an SVG element (one path, 4-module quiet zone). */
export function qrSvg(payload: string, sizePx = 180): string {
  const { size: n, modules } = qrMatrix(payload);
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (modules[r * n + c] === '1') d += `M${c + 4} ${r + 4}h1v1h-1z`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n + 8} ${n + 8}" width="${sizePx}" height="${sizePx}" shape-rendering="crispEdges" role="img"><rect width="100%" height="100%" fill="#fff"/><path d="${d}" fill="#000"/></svg>`;
}

export function renderReceiptHtml(m: ReceiptModel, qrPayload: string | null = null): string {
  const rows = m.rows.map((r) => `<tr><th>${escapeHtml(r.label)}</th><td>${escapeHtml(r.value)}</td></tr>`).join('\n');
  const address = m.shopAddress.map((l) => escapeHtml(l)).join('<br>');
  const outcome = m.outcomeText ? `<p class="outcome">${escapeHtml(m.outcomeText)}</p>` : '';
  const qr = qrPayload ? `<figure class="qr">${qrSvg(qrPayload)}<figcaption>${escapeHtml(m.strings.qrCaption)}</figcaption></figure>` : '';
  return `<!DOCTYPE html>
<html lang="${m.language}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(m.title)}</title>
<style>
body { font-family: "DejaVu Sans", system-ui, sans-serif; color: #000; background: #fff; max-width: 40em; margin: 1.5em auto; padding: 0 1em; }
.shop { font-size: 1.3em; font-weight: 700; margin: 0; }
.address { color: #222; margin: 0.2em 0 1em; }
h1 { font-size: 1.1em; border-top: 1px solid #000; padding-top: 0.8em; }
.result { font-size: 1.2em; font-weight: 700; margin: 0.2em 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.35em 0.5em; border-bottom: 1px solid #999; overflow-wrap: anywhere; }
th { width: 36%; font-weight: 600; }
.qr { text-align: center; margin: 1.5em 0 0; }
.qr figcaption { font-size: 0.85em; color: #222; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<p class="shop">${escapeHtml(m.shopName)}</p>
<p class="address">${address}</p>
<h1>${escapeHtml(m.title)}</h1>
<p class="result">${escapeHtml(m.result)}</p>
<p>${escapeHtml(m.resultNote)}</p>
${outcome}
<table>
${rows}
</table>
${qr}
</body>
</html>
`;
}
