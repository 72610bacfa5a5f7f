import { describeError, type ErrorCode, type ErrorDetails } from '../shared/errors';

/** An error as a value with a stable code and a plain-language message. */
export class KioskError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(describeError(code, details), options);
    this.name = 'KioskError';
    this.code = code;
    this.details = details;
  }
}

/** Raised by every decoder (XML, WBXML, package 0, OBEX) for malformed input, and nothing else. */
export class DecodeError extends KioskError {
  /** Byte offset in the input where decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(detail: string, offset?: number) {
    super('DECODE_ERROR', { detail: offset === undefined ? detail : `${detail} at byte ${offset}` });
    this.name = 'DecodeError';
    this.offset = offset;
  }
}

export function isKioskError(e: unknown): e is KioskError {
  return e instanceof KioskError;
}
