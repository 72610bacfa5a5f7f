/**
 * What to tell people when an update stops with an error: the plain message (without the
 * technical detail, which goes to the technician's details only) and the next step, by code.
 * Pure, so it is unit tested without React.
 */
import type { ApiError } from '../../shared/api';

/** The kind of next step: retry, charge the phone, free space, check the cable, ask the manufacturer. */
export type NextStep = 'retry' | 'charge' | 'space' | 'reconnect' | 'manufacturer';

const NEXT_STEP: Partial<Record<string, NextStep>> = {
  BATTERY_LOW: 'charge',
  NO_SPACE: 'space',
  CABLE_UNPLUGGED: 'reconnect',
  LINK_TIMEOUT: 'reconnect',
  LINK_CLOSED: 'reconnect',
  JOB_INTERRUPTED: 'reconnect',
  REBOOT_TIMEOUT: 'reconnect',
  DEVICE_NOT_FOUND: 'reconnect',
  DOWNLOAD_FAILED: 'reconnect',
  INSTALL_FAILED: 'manufacturer',
  VERIFY_FAILED: 'manufacturer',
  BUNDLE_INVALID: 'manufacturer',
  SIGNATURE_INVALID: 'manufacturer',
  NOT_APPROVED: 'manufacturer',
  MODEL_MISMATCH: 'manufacturer',
  VERSION_MISMATCH: 'manufacturer',
};

export function nextStepOf(code: string): NextStep {
  return NEXT_STEP[code] ?? 'retry';
}

export interface Failure {
  /** The error with its technical detail left out: what people read. */
  plain: { code: string; message: string; details: Record<string, string | number | undefined> };
  next: NextStep;
  /** For the technician's details: the code and the technical detail (a result code, a cause). */
  code: string;
  detail: string | null;
}

/** Details people read; `detail` (result codes, causes from the phone) is technical. */
export function failureOf(error: ApiError): Failure {
  const { detail, ...rest } = error.details ?? {};
  return {
    plain: { code: error.code, message: error.message, details: rest },
    next: nextStepOf(error.code),
    code: error.code,
    detail: detail === undefined || detail === '' ? null : String(detail),
  };
}
