import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import type { ReactElement } from 'react';
import { fail, ok, type ReceiptPrinted, type Result } from '../../../src/shared/api';
import { PRINT_IDLE, printButtonView, runPrint, type PrintState } from '../../../src/renderer/components/print-receipt';
import { PrintReceiptButton } from '../../../src/renderer/components/PrintReceipt';
import { ReceiptQr, qrPath } from '../../../src/renderer/components/ReceiptQr';
import { DoneScreen } from '../../../src/renderer/screens/customer/CustomerScreens';
import { createCustomerI18n, type Language } from '../../../src/renderer/i18n';
import { qrMatrix } from '../../../src/main/receipts/qr';

function markup(el: ReactElement, lng: Language = 'en'): string {
  return renderToStaticMarkup(<I18nextProvider i18n={createCustomerI18n(lng)}>{el}</I18nextProvider>);
}
const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');

/** A print call the test answers when it wants. */
function deferredPrint(): { print: () => Promise<Result<ReceiptPrinted>>; calls: number; answer(r: Result<ReceiptPrinted>): void } {
  let answer: (r: Result<ReceiptPrinted>) => void = () => undefined;
  const d = {
    calls: 0,
    print: () => {
      d.calls += 1;
      return new Promise<Result<ReceiptPrinted>>((resolve) => (answer = resolve));
    },
    answer: (r: Result<ReceiptPrinted>) => answer(r),
  };
  return d;
}

function machine(): { state: () => PrintState; set: (s: PrintState) => void; seen: PrintState['status'][] } {
  let state: PrintState = PRINT_IDLE;
  const seen: PrintState['status'][] = [];
  return {
    state: () => state,
    set: (s) => {
      state = s;
      seen.push(s.status);
    },
    seen,
  };
}

describe('the print button states', () => {
  it('shows printing at once, then printed with the queue', async () => {
    const m = machine();
    const p = deferredPrint();
    const done = runPrint(m.state, m.set, p.print);
    expect(m.state().status).toBe('printing');
    p.answer(ok({ id: 'h1', queue: 'counter', printJobId: 'counter-3' }));
    await expect(done).resolves.toEqual({ status: 'printed', queue: 'counter' });
    expect(m.seen).toEqual(['printing', 'printed']);
  });

  it('a tap while printing does not print a second receipt', async () => {
    const m = machine();
    const p = deferredPrint();
    const first = runPrint(m.state, m.set, p.print);
    const second = await runPrint(m.state, m.set, p.print);
    expect(second.status).toBe('printing');
    expect(p.calls).toBe(1);
    p.answer(ok({ id: 'h1', queue: 'q', printJobId: null }));
    await first;
    // Printed: a new tap prints again.
    const again = runPrint(m.state, m.set, p.print);
    expect(p.calls).toBe(2);
    p.answer(ok({ id: 'h1', queue: 'q', printJobId: null }));
    await again;
  });

  it('ends failed with the typed error, and a new tap tries again', async () => {
    const m = machine();
    const p = deferredPrint();
    const done = runPrint(m.state, m.set, p.print);
    p.answer(fail('PRINT_REFUSED', { detail: 'Destination "q" is not accepting jobs.' }));
    const end = await done;
    expect(end.status).toBe('failed');
    expect(end.status === 'failed' && end.error.code).toBe('PRINT_REFUSED');
    expect(printButtonView(end)).toEqual({ labelKey: 'receipt.printAgain', disabled: false, busy: false });
    const retry = runPrint(m.state, m.set, p.print);
    expect(m.state().status).toBe('printing');
    p.answer(ok({ id: 'h1', queue: 'q', printJobId: null }));
    await expect(retry).resolves.toEqual({ status: 'printed', queue: 'q' });
  });

  it('a print call that throws ends failed, not stuck at printing', async () => {
    const m = machine();
    const end = await runPrint(m.state, m.set, () => Promise.reject(new Error('socket closed')));
    expect(end.status).toBe('failed');
    expect(m.state().status).toBe('failed');
  });

  it('the button takes a tap except while printing', () => {
    expect(printButtonView(PRINT_IDLE)).toEqual({ labelKey: 'receipt.print', disabled: false, busy: false });
    expect(printButtonView({ status: 'printing' })).toEqual({ labelKey: 'receipt.printing', disabled: true, busy: true });
    expect(printButtonView({ status: 'printed', queue: 'q' }).disabled).toBe(false);
  });
});

describe('PrintReceiptButton', () => {
  const noop = () => undefined;

  it('reads "Print receipt" and takes a tap when idle', () => {
    const html = markup(<PrintReceiptButton state={PRINT_IDLE} onPrint={noop} />);
    expect(text(html)).toContain('Print receipt');
    expect(html).toContain('data-print-state="idle"');
    expect(html).not.toMatch(/<button[^>]*disabled/);
  });

  it('is disabled and busy while printing', () => {
    const html = markup(<PrintReceiptButton state={{ status: 'printing' }} onPrint={noop} />);
    expect(text(html)).toContain('Printing…');
    expect(html).toMatch(/<button[^>]*disabled/);
    expect(html).toContain('aria-busy="true"');
  });

  it('says where to take the receipt once printed, in the screen’s language', () => {
    expect(text(markup(<PrintReceiptButton state={{ status: 'printed', queue: 'counter' }} onPrint={noop} />))).toContain(
      'Sent to the printer counter. Take the receipt from the printer.',
    );
    expect(text(markup(<PrintReceiptButton state={{ status: 'printed', queue: 'counter' }} onPrint={noop} />, 'de'))).toContain('An den Drucker counter gesendet.');
  });

  it('says what went wrong and what to do when it failed, translated by code, with the customer’s hint', () => {
    const error = fail('PRINTER_NOT_SET');
    if (error.ok) throw new Error('unreachable');
    const html = markup(<PrintReceiptButton state={{ status: 'failed', error: error.error }} onPrint={noop} failedHint="Ask the staff." />, 'de');
    const t = text(html);
    expect(t).toContain('Der Beleg wurde nicht gedruckt.');
    expect(t).toContain('Es ist kein Belegdrucker eingerichtet');
    expect(t).toContain('Ask the staff.');
    expect(t).toContain('Erneut drucken');
    expect(html).toContain('role="alert"');
  });
});

describe('the receipt QR code on the done screen', () => {
  const code = { id: 'h1', payload: '{"t":"fumo-receipt","id":"h1"}', ...qrMatrix('{"t":"fumo-receipt","id":"h1"}') };

  it('draws one square per dark module', () => {
    const squares = qrPath(code).match(/M\d+ \d+h1v1h-1z/g) ?? [];
    expect(squares.length).toBe([...code.modules].filter((m) => m === '1').length);
    expect(squares.length).toBeGreaterThan(100);
    const html = markup(<ReceiptQr code={code} label="QR" />);
    expect(html).toContain(`viewBox="0 0 ${code.size + 8} ${code.size + 8}"`);
    expect(html).toContain('aria-label="QR"');
  });

  const facts = { reference: 'h1', at: Date.UTC(2026, 6, 14, 12, 10), model: 'FK-Demo Phone', devId: 'IMEI:•••••••••••2800', from: '1.0.0', to: '1.1.0' };

  it('shows the code with its caption and the print button beside Finish', () => {
    const html = markup(<DoneScreen version="1.1.0" scheduled={false} facts={facts} onFinish={() => undefined} code={code} printing={{ state: PRINT_IDLE, onPrint: () => undefined }} />, 'es');
    expect(html).toContain('data-testid="receipt-qr"');
    expect(text(html)).toContain('Llévese el recibo en el teléfono');
    expect(text(html)).toContain('Imprimir recibo');
    expect(html).toContain('data-testid="finish"');
  });

  it('shows neither before the record has an id', () => {
    const html = markup(<DoneScreen version="1.1.0" scheduled={false} facts={facts} onFinish={() => undefined} />);
    expect(html).not.toContain('receipt-qr');
    expect(html).not.toContain('print-receipt');
  });
});
