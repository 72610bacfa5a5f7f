/**
 * Stable error codes shared by every side (core, main, renderer). Each code has a plain-language
 * message for people: what happened and what to do next. Details (required and measured values,
 * the port, the fix) fill the placeholders. The renderer translates by code; these English
 * texts are the reference wording and what the CLI prints.
 */
export const ERROR_MESSAGES = {
  CABLE_UNPLUGGED: 'The cable to the phone was disconnected. Plug it back in; the update continues where it stopped.',
  LINK_TIMEOUT: 'The phone stopped answering. Check the cable and that the phone is switched on, then retry.',
  PERMISSION_DENIED:
    'The kiosk is not allowed to open {port}. {fix}',
  DECODE_ERROR: 'The phone sent a message the kiosk could not read ({detail}). Retry; if it happens again, note the phone model for support.',
  AUTH_FAILED: 'The phone and the kiosk could not authenticate each other ({detail}). Check the phone is set up for this kiosk.',
  PROTOCOL_ERROR: 'The phone answered in a way the kiosk did not expect ({detail}). Retry; if it happens again, note the phone model for support.',
  SESSION_ABORTED: 'The phone ended the session ({detail}). Retry the update.',
  BATTERY_LOW: 'Battery at {measured}%, needs {required}%: charge the phone or connect power.',
  NO_SPACE: 'The phone has {measured} MB free, the update needs {required} MB: free up space on the phone.',
  MODEL_MISMATCH: 'This update is for {required}, the phone is {measured}: choose the update for this model.',
  VERSION_MISMATCH: 'This update applies to version {required}, the phone runs {measured}.',
  UP_TO_DATE: 'The phone already runs {measured}; nothing to install.',
  CATALOG_EMPTY: 'The catalogue holds no updates yet. An administrator imports the manufacturer\'s bundles first.',
  NOT_APPROVED: 'This update has no regulator approval on record: it cannot be installed.',
  BUNDLE_INVALID: 'The update file is not valid: {detail}. Ask the manufacturer for a new copy.',
  SIGNATURE_INVALID: 'The update file is not signed by a trusted manufacturer key ({detail}). Do not install it.',
  DOWNGRADE_REFUSED: 'Version {measured} is older than {required}: downgrades need an administrator.',
  CONSENT_TIMEOUT: 'Nobody answered the consent screen in time. Nothing was changed on the phone; start again when the customer is at the counter.',
  CONSENT_DECLINED: 'The update was declined. Nothing was changed on the phone.',
  DEVICE_DECLINED: 'The update was declined on the phone. Nothing was changed.',
  INSTALL_FAILED: 'The phone could not install the update (result {detail}). It still runs its previous version.',
  VERIFY_FAILED: 'After the update the phone reports version {measured}, expected {required}. Retry or contact support.',
  CANCELLED: 'The update was cancelled. Nothing was installed.',
  DEVICE_NOT_FOUND: 'No phone with id {detail} is connected. Check the cable.',
  BUSY: 'This phone is already being updated.',
  INVALID_REQUEST: 'The request was not valid: {detail}.',
  UNAUTHORIZED: 'Log in with your technician PIN first.',
  NOT_ALLOWED: 'This screen may not do that. Use the technician bench for it.',
  SESSION_EXPIRED: 'You were logged out after a time without use. Log in again with your PIN.',
  STORE_ERROR: 'The kiosk could not read or save its records ({detail}). Retry; if it happens again, restart the kiosk and note this message for support.',
  STORE_CORRUPT: 'The kiosk database {file} is damaged ({detail}). Stop the kiosk, keep a copy of the data folder for support, then restore a backup of the file or move it away to start with an empty store.',
  STORE_TOO_NEW: 'The kiosk database {file} was written by a newer kiosk version (schema {measured}; this kiosk reads up to {required}). Run that newer version, or choose another data folder.',
  STORE_FULL: 'The disk holding {file} is full, so the kiosk could not save ({detail}). Free disk space, then retry.',
  STORE_READ_ONLY: 'The kiosk cannot write to {file} ({detail}): the file or its disk is read-only. Make the data folder writable for the kiosk, then retry.',
  STORE_LOCKED: 'The kiosk database {file} is in use by another program ({detail}). Close the other kiosk using this data folder, then retry.',
  STORE_ACCESS_DENIED: 'The kiosk is not allowed to open {file} ({detail}). Give the kiosk user access to its data folder, then retry.',
  STORE_IO: 'The disk failed to read or write {file} ({detail}). Check the disk and its cable, then retry; keep a copy of the data folder for support.',
  STORE_SECRETS_OTHER_BOX: 'The DM accounts in this data folder were sealed with {measured}, but this kiosk now opens them with {required} ({file}). Start the kiosk the way it was set up (the desktop app or the web host and command line), or import the DM accounts again.',
  JOURNAL_ROW_CORRUPT: 'The saved state of update {detail} is damaged and was set aside; that update will not resume. Reconnect the phone and start its update again, then clear this note.',
  PIN_WRONG: 'That PIN was not accepted. Wait {detail} before the next try.',
  PIN_LOCKED: 'Too many wrong PINs: logging in is locked for {detail}. Wait, or ask an administrator.',
  INTERNAL: 'Something unexpected happened inside the kiosk ({detail}). Restart the kiosk; the update history is kept.',
  LINK_CLOSED: 'The connection to the phone was already closed by the kiosk. Reconnect the phone to start again.',
  DEVICE_MESSAGE_TOO_LARGE: 'The phone sent more data than allowed in one message ({detail}). Disconnect and reconnect it, then try again.',
  ADMIN_REQUIRED: 'Only an administrator may {detail}. Ask an administrator to do it.',
  BUNDLE_NOT_FOUND: 'No update with id {detail} is in the catalogue. List the catalogue to see what is installed.',
  BUNDLE_CONFLICT: 'A different update with id {detail} is already in the catalogue. Remove it first, or ask the manufacturer for a bundle with a new id.',
  RECORD_NOT_FOUND: 'No record {detail} was found. Check the id and retry.',
  HISTORY_TAMPERED: 'The update history failed its integrity check ({detail}). Keep the kiosk as it is and call support.',
  BOOTSTRAP_REFUSED: 'The phone did not accept a management account for this kiosk (status {detail}). Nothing was changed; ask the customer to allow it on the phone, then retry.',
  PAYLOAD_CORRUPT: 'The update did not arrive intact on the phone ({detail}). Nothing was installed; retry the update.',
  DOWNLOAD_FAILED: 'The update could not be copied to the phone ({detail}). Nothing was installed; check the cable and retry.',
  JOB_INTERRUPTED: 'The update of {detail} was interrupted before it finished ({measured}). Reconnect the phone to continue, or retry.',
  REBOOT_TIMEOUT: 'The phone did not come back after installing ({detail}). Check it is switched on and connected, then retry.',
  ACCOUNTS_INVALID: 'The DM accounts file {file} cannot be imported ({detail}). Nothing was imported: correct the file and import it again.',
  PRINTER_NOT_SET: 'No receipt printer is set up: the kiosk has none chosen and this computer has no default printer. Set up the receipt printer as this computer\'s default printer, then print the receipt again.',
  PRINTER_NOT_FOUND: 'The receipt printer {detail} is not set up on this computer (it has: {known}). Set that printer up again or choose one of these, then print the receipt again.',
  PRINT_SYSTEM_DOWN: 'The print system of this computer is not running ({detail}). Start it (on Linux and macOS: the CUPS service), then print the receipt again.',
  PRINT_REFUSED: 'The printer did not accept the receipt ({detail}). Check that it is switched on, has paper and accepts jobs, then print the receipt again.',
  SLOT_NAME_INVALID: 'A slot name is 1 to {required} characters on one line; this one has {measured}. Shorten it and save again.',
  PORT_NAME_INVALID: 'The kiosk does not know a port called {detail}. Pick the port from the list of ports, or give a serial device path (/dev/ttyUSB0) or a USB port path (1-3.4).',
  PROFILE_NOT_FOUND: 'No device profile {detail} is installed on this kiosk. Choose one of the listed profiles and save again.',
  ADMIN_PIN_FORMAT: 'Administrator PINs have at least {required} digits (digits only, at most {max}). Choose another PIN and type it twice.',
  TECHNICIAN_PIN_FORMAT: 'Technician PINs have at least {required} digits (digits only, at most {max}). Choose another PIN and type it twice.',
  PIN_TAKEN: 'Another person already uses this PIN. Choose a different one.',
  PERSON_NAME_INVALID: 'A name has 1 to {max} characters on one line. Type the name again.',
  PERSON_NOT_FOUND: 'Nobody named {detail} has a PIN on this kiosk. Check the list of people and try again.',
  LAST_ADMIN: '{detail} is the last administrator: without one the kiosk would have nobody to manage it. Make another person an administrator first.',
  OWN_LOGIN: 'You are signed in as {detail}, so you cannot remove your own login or take away your own administrator role. Ask another administrator to do it.',
  HOST_DISCONNECTED: 'The screen lost its connection to the kiosk service. It reconnects by itself; if this stays, restart the kiosk.',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export type ErrorDetails = Record<string, string | number | undefined>;

/** Fill a message template with details; missing placeholders are removed with their brackets. */
export function describeError(code: ErrorCode, details: ErrorDetails = {}): string {
  return ERROR_MESSAGES[code]
    .replace(/\{(\w+)\}/g, (_m, key: string) => {
      const v = details[key];
      return v === undefined ? '' : String(v);
    })
    .replace(/\s\(\)/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
