/** Base64 (RFC 4648, standard alphabet) for item data: fast paths through node:buffer, strict checks. */
import { Buffer } from 'node:buffer';

/** Length of the base64 text (with padding) for n bytes. */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Write the base64 text of `bytes` as ASCII into `out` at `at`; returns the number of bytes written. */
export function writeBase64(bytes: Uint8Array, out: Uint8Array, at: number): number {
  const text = encodeBase64(bytes);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, at, 'latin1');
}

const B64_CHAR = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64_CHAR[c.charCodeAt(0)] = 1;

/**
 * Decode base64 text; white space anywhere is ignored (XML line breaks), padding is optional.
 * Returns undefined when the text is not base64 (the caller turns that into a DecodeError).
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  let s = text;
  if (/[\s]/.test(s)) s = s.replace(/[\t\n\r ]+/g, '');
  let end = s.length;
  let pad = 0;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d && pad < 2) {
    end--;
    pad++;
  }
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || B64_CHAR[c] !== 1) return undefined;
  }
  const rem = end % 4;
  if (rem === 1) return undefined;
  if (pad > 0 && (end + pad) % 4 !== 0) return undefined;
  const buf = Buffer.from(s.slice(0, end), 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decode base64 held as ASCII bytes (WBXML OPAQUE or STR with Format b64). */
export function decodeBase64Bytes(bytes: Uint8Array): Uint8Array | undefined {
  return decodeBase64(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}
