/**
 * Errors of the receipt module, as values with stable codes and a plain message that says what
 * happened and what to do next. (They are not yet shared error codes in src/shared/errors.ts:
 * the screens translate those by code, so the codes move there together with their translations.)
 */
export const RECEIPT_ERROR_MESSAGES = {
  PRINTER_NOT_FOUND: 'The printer {detail} is not set up on this computer. Choose one of the printers the system lists ({known}), or set the receipt printer in the settings.',
  NO_PRINTER: 'No receipt printer is chosen and the system has no default printer. Set the receipt printer in the settings, or give one with --printer.',
  PRINT_FAILED: 'The receipt could not be printed ({detail}). Check that the printer is on and has paper, then print it again from the history.',
  PRINT_SYSTEM_DOWN: 'The print system is installed but not running ({detail}). Start it (on Linux and macOS: the CUPS service, e.g. systemctl start cups), then print the receipt again.',
  PRINT_SYSTEM_MISSING: 'The print system is not installed ({detail}). Install it ({fix}), or save the receipt as a PDF and print it elsewhere.',
  RECEIPT_KEY_UNREADABLE: 'The kiosk could not read its receipt signing key at {detail}. Check the file is there and readable; to start with a new key, move the old one away (receipts signed with it can then only be checked with its public key).',
  RECEIPT_PAYLOAD_UNREADABLE: 'This is not a receipt code from this kind of kiosk ({detail}). Scan the code on the receipt again, or copy its text exactly.',
} as const;

export type ReceiptErrorCode = keyof typeof RECEIPT_ERROR_MESSAGES;

export class ReceiptError extends Error {
  readonly code: ReceiptErrorCode;
  readonly details: Record<string, string>;

  constructor(code: ReceiptErrorCode, details: Record<string, string> = {}, options?: { cause?: unknown }) {
    super(
      RECEIPT_ERROR_MESSAGES[code]
        .replace(/\{(\w+)\}/g, (_m, k: string) => details[k] ?? '')
        .replace(/\s\(\)/g, '')
        .replace(/\s{2,}/g, ' ')
        .trim(),
      options,
    );
    this.name = 'ReceiptError';
    this.code = code;
    this.details = details;
  }
}

export function isReceiptError(e: unknown): e is ReceiptError {
  return e instanceof ReceiptError;
}
