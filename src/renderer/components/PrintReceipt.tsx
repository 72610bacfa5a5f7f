import { useRef, useState } from 'react';
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
 * "Print receipt" with its state next to it: printing, printed (on which printer, where to take
 * it), or failed (what happened and what to do, in the screen's language).
 */
export function PrintReceiptButton({ state, onPrint, large = false, failedHint }: { state: PrintState; onPrint: () => void; large?: boolean; failedHint?: string }) {
  const { t, i18n } = useTranslation();
  const view = printButtonView(state);
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
      <div className="print-receipt-status" aria-live="polite" data-testid="print-receipt-status">
        {state.status === 'printed' ? <p className="notice notice-success">{t('receipt.printed', { queue: state.queue })}</p> : null}
        {state.status === 'failed' ? (
          <div className="notice notice-danger" role="alert">
            <p className="notice-title">{t('receipt.printFailed')}</p>
            <p>{translateError(t, i18n, state.error)}</p>
            {failedHint ? <p>{failedHint}</p> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
