/**
 * The "Print receipt" button's states, without React: idle -> printing -> printed or failed,
 * and from printed or failed a new try. A tap while a print is on its way does nothing, so one
 * tap never prints two receipts.
 */
import type { ApiError, ReceiptPrinted, Result } from '../../shared/api';

export type PrintState =
  | { status: 'idle' }
  | { status: 'printing' }
  | { status: 'printed'; queue: string }
  | { status: 'failed'; error: ApiError };

export const PRINT_IDLE: PrintState = { status: 'idle' };

/** What the button shows in a state: its label's i18n key, whether it takes a tap. */
export function printButtonView(state: PrintState): { labelKey: string; disabled: boolean; busy: boolean } {
  switch (state.status) {
    case 'idle':
      return { labelKey: 'receipt.print', disabled: false, busy: false };
    case 'printing':
      return { labelKey: 'receipt.printing', disabled: true, busy: true };
    case 'printed':
    case 'failed':
      return { labelKey: 'receipt.printAgain', disabled: false, busy: false };
  }
}

/**
 * One tap: `print` is called unless a print is already on its way; `set` sees printing at once,
 * then printed or failed. Returns the state it ended in.
 */
export async function runPrint(
  current: () => PrintState,
  set: (s: PrintState) => void,
  print: () => Promise<Result<ReceiptPrinted>>,
): Promise<PrintState> {
  if (current().status === 'printing') return current();
  set({ status: 'printing' });
  let next: PrintState;
  try {
    const r = await print();
    next = r.ok ? { status: 'printed', queue: r.value.queue } : { status: 'failed', error: r.error };
  } catch (e) {
    next = { status: 'failed', error: { code: 'HOST_DISCONNECTED', message: e instanceof Error ? e.message : String(e) } };
  }
  set(next);
  return next;
}
