/**
 * FUMO result codes (Generic Alert 1226 Data) in plain language. 200 and 250-299 are success;
 * the 4xx/5xx codes are named after the FUMO specification.
 */
import type { ErrorCode } from '../../shared/errors';

export interface FumoResult {
  code: number;
  ok: boolean;
  /** Short name from the specification, e.g. "Corrupted firmware update package". */
  name: string;
  /** A sentence for the technician and the customer. */
  outcome: string;
  /** The kiosk error code that reports a failure. */
  errorCode?: ErrorCode;
}

const NAMED: Record<number, [string, string, ErrorCode]> = {
  400: ['Management client error', 'The phone could not handle the update request.', 'INSTALL_FAILED'],
  401: ['User cancelled', 'The update was cancelled on the phone. Nothing was installed.', 'DEVICE_DECLINED'],
  402: ['Corrupted firmware update package', 'The update arrived damaged on the phone. Nothing was installed.', 'PAYLOAD_CORRUPT'],
  403: ['Firmware update package - device mismatch', 'The update does not fit this phone. Nothing was installed.', 'MODEL_MISMATCH'],
  404: ['Failed firmware update package validation', 'The phone did not accept the update signature. Nothing was installed.', 'SIGNATURE_INVALID'],
  405: ['Firmware update package not acceptable', 'The phone refused this update. Nothing was installed.', 'INSTALL_FAILED'],
  406: ['Alternate download authentication failure', 'The phone could not log in to fetch the update.', 'DOWNLOAD_FAILED'],
  407: ['Alternate download request time-out', 'The phone timed out fetching the update.', 'DOWNLOAD_FAILED'],
  408: ['Not implemented', 'The phone does not support this kind of update.', 'INSTALL_FAILED'],
  409: ['Undefined error', 'The phone reported an unspecified error.', 'INSTALL_FAILED'],
  410: ['Firmware update failed', 'The phone could not install the update and kept its previous version.', 'INSTALL_FAILED'],
  411: ['Malformed or bad URL', 'The phone could not use the download address.', 'DOWNLOAD_FAILED'],
  412: ['Alternate download server unavailable', 'The phone could not reach the download server.', 'DOWNLOAD_FAILED'],
  500: ['Alternate download server error', 'The download server failed.', 'DOWNLOAD_FAILED'],
  501: ['Download fails due to device is out of memory', 'The phone ran out of memory while receiving the update.', 'NO_SPACE'],
  502: ['Firmware update fails due to device out of memory', 'The phone ran out of memory while installing the update.', 'NO_SPACE'],
  503: ['Download fails due to network issues', 'The phone lost the connection while fetching the update.', 'DOWNLOAD_FAILED'],
};

export function isFumoSuccess(code: number): boolean {
  return code === 200 || (code >= 250 && code <= 299);
}

export function describeFumoResult(code: number): FumoResult {
  if (code === 200) return { code, ok: true, name: 'Successful', outcome: 'The update was installed.' };
  if (code >= 250 && code <= 299) {
    return { code, ok: true, name: 'Successful - vendor specified', outcome: 'The update was installed.' };
  }
  const named = NAMED[code];
  if (named) return { code, ok: false, name: named[0], outcome: named[1], errorCode: named[2] };
  if (code >= 450 && code <= 499) {
    return { code, ok: false, name: 'Client error - vendor specified', outcome: 'The phone reported a vendor-specific error.', errorCode: 'INSTALL_FAILED' };
  }
  if (code >= 550 && code <= 599) {
    return {
      code,
      ok: false,
      name: 'Alternate download server error - vendor specified',
      outcome: 'The download server reported a vendor-specific error.',
      errorCode: 'DOWNLOAD_FAILED',
    };
  }
  return { code, ok: false, name: 'Unknown result', outcome: `The phone reported result ${code}.`, errorCode: 'INSTALL_FAILED' };
}
