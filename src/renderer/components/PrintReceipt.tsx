import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReceiptPrinted, Result } from '../../shared/api';
import { translateError } from '../i18n';
import { PRINT_IDLE, printButtonView, runPrint, type PrintState } from './print-receipt';

/**
 * The print button's state for one receipt (`key`, e.g. the record id): another receipt starts
 * idle, and the answer to a print of an earlier one does not show on it.
 */
export function usePrintReceipt(key: string | null, print: () => Promise<Result<ReceiptPrinted>>): { state: PrintState; onPrint: () => void } {
  const [entry, setEntry] = useState<{ key: string | null; state: PrintState }>({ key, state: PRINT_IDLE });
  const latest = useRef(entry);
  const state = entry.key === key ? entry.state : PRINT_IDLE;
  const onPrint = (): void => {
    const forKey = key;
    const current = (): PrintState => (latest.current.key === forKey ? latest.current.state : PRINT_IDLE);
    const set = (s: PrintState): void => {
      latest.current = { key: forKey, state: s };
      setEntry(latest.current);
    };
    void runPrint(current, set, print);
  };
  return { state, onPrint };
}

/**
 * "Print receipt" with its state below it: printing, printed (on which printer, where to take
 * it), or failed (what happened and what to do, in the screen's language). With `failedHint`
 * (the customer's screen) the hint comes first and the error's own text, meant for the staff,
 * in smaller print.
 */
export function PrintReceiptButton({ state, onPrint, large = false, failedHint }: { state: PrintState; onPrint: () => void; large?: boolean; failedHint?: string }) {
  const { t, i18n } = useTranslation();
  const view = printButtonView(state);
  const status = useRef<HTMLDivElement>(null);
  // A touchscreen does not scroll by itself: the answer is brought into sight when it comes.
  useEffect(() => {
    if (state.status === 'printed' || state.status === 'failed') status.current?.scrollIntoView?.({ block: 'nearest' });
  }, [state.status]);
  return (
    <div className="print-receipt" data-testid="print-receipt" data-print-state={state.status}>
      <button
        type="button"
        className={`btn btn-secondary${large ? ' btn-print-large' : ''}`}
        onClick={onPrint}
        disabled={view.disabled}
        aria-busy={view.busy}
        data-testid="print-receipt-button"
      >
        {t(view.labelKey)}
      </button>
      <div className="print-receipt-status" aria-live="polite" data-testid="print-receipt-status" ref={status}>
        {state.status === 'printed' ? <p className="notice notice-success">{t('receipt.printed', { queue: state.queue })}</p> : null}
        {state.status === 'failed' ? (
          <div className="notice notice-danger" role="alert">
            <div className="stack" style={{ gap: 'var(--sp-1)' }}>
              <p className="notice-title">{t('receipt.printFailed')}</p>
              {failedHint ? <p>{failedHint}</p> : null}
              <p className={failedHint ? 'print-receipt-detail' : undefined}>{translateError(t, i18n, state.error)}</p>
            </div>
          </div>
        ) : null}
      </div>
    </div>
  );
}
