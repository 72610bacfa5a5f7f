import type { ReceiptCode } from '../../shared/api';

/** The path of a QR code's dark modules, one unit per module, with a 4-module quiet zone. */
export function qrPath(code: Pick<ReceiptCode, 'size' | 'modules'>): string {
  let d = '';
  const n = code.size;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (code.modules[r * n + c] === '1') d += `M${c + 4} ${r + 4}h1v1h-1z`;
  return d;
}

/** The receipt's QR code (the kiosk's signed summary of the record), drawn from its modules. */
export function ReceiptQr({ code, label, sizePx = 200 }: { code: ReceiptCode; label: string; sizePx?: number }) {
  const box = code.size + 8;
  return (
    <svg
      viewBox={`0 0 ${box} ${box}`}
      width={sizePx}
      height={sizePx}
      shapeRendering="crispEdges"
      role="img"
      aria-label={label}
      data-testid="receipt-qr"
      data-payload={code.payload}
    >
      <rect width={box} height={box} fill="#fff" />
      <path d={qrPath(code)} fill="#000" />
    </svg>
  );
}
