/**
 * The receipt's QR code as a module matrix: one place that turns the signed summary into the
 * code, for the HTML page (qrSvg), the PDF and the screens (which draw it from the matrix).
 */
import QRCode from 'qrcode';

export interface QrMatrix {
  /** Modules per side (no quiet zone). */
  size: number;
  /** Row by row, '1' dark and '0' light; size x size characters. */
  modules: string;
}

export function qrMatrix(payload: string): QrMatrix {
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  let modules = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) modules += qr.modules.get(r, c) ? '1' : '0';
  return { size: n, modules };
}
