/**
 * The receipt module's errors as the shared error codes the screens translate (src/shared/errors.ts):
 * what the KioskApi returns when a receipt cannot be printed. The CLI keeps the module's own
 * wording, which names its flags.
 */
import { KioskError } from '../../core/errors';
import { isReceiptError } from './errors';

export function receiptErrorForScreens(e: unknown): unknown {
  if (!isReceiptError(e)) return e;
  const detail = e.details['detail'] ?? '';
  switch (e.code) {
    case 'NO_PRINTER':
      return new KioskError('PRINTER_NOT_SET', {}, { cause: e });
    case 'PRINTER_NOT_FOUND':
      return new KioskError('PRINTER_NOT_FOUND', { detail, known: e.details['known'] ?? '' }, { cause: e });
    case 'PRINT_SYSTEM_DOWN':
      return new KioskError('PRINT_SYSTEM_DOWN', { detail }, { cause: e });
    case 'PRINT_SYSTEM_MISSING':
      return new KioskError('PRINT_SYSTEM_DOWN', { detail: e.details['fix'] ? `${detail}; ${e.details['fix']}` : detail }, { cause: e });
    case 'PRINT_FAILED':
      return new KioskError('PRINT_REFUSED', { detail }, { cause: e });
    case 'RECEIPT_KEY_UNREADABLE':
    case 'RECEIPT_PAYLOAD_UNREADABLE':
      return new KioskError('STORE_ERROR', { detail: e.message }, { cause: e });
  }
}
