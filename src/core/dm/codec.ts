/**
 * The DM message codec: one entry point for both encodings, chosen by content type or sniffed.
 * Every decoding failure is a DecodeError (src/core/errors.ts) with a byte offset where known.
 */
import { DecodeError } from '../errors';
import { encodingOfContentType, type Encoding, type SyncMLMessage } from './model';
import { DM_LIMITS } from './limits';
import { decodeWbxml, encodeWbxml, wbxmlEncodedSize, type WbxmlEncodeOptions } from './wbxml';
import { decodeXml, encodeXml, xmlEncodedSize, type XmlEncodeOptions } from './xml';

export { DM_LIMITS } from './limits';
export type { Encoding } from './model';

export interface EncodeOptions {
  wbxml?: WbxmlEncodeOptions;
  xml?: XmlEncodeOptions;
}

/** Encode a message as XML or WBXML. */
export function encodeMessage(msg: SyncMLMessage, encoding: Encoding, options: EncodeOptions = {}): Uint8Array {
  return encoding === 'xml' ? encodeXml(msg, options.xml) : encodeWbxml(msg, options.wbxml);
}

/** Exact byte length of encodeMessage's output (cheap: base64 and opaque data are counted, not copied). */
export function encodedSize(msg: SyncMLMessage, encoding: Encoding, options: EncodeOptions = {}): number {
  return encoding === 'xml' ? xmlEncodedSize(msg, options.xml) : wbxmlEncodedSize(msg, options.wbxml);
}

/**
 * Which encoding these bytes look like: WBXML starts with a version byte 0x01-0x03; XML with
 * '<', a BOM or white space. Undefined when neither.
 */
export function sniffEncoding(bytes: Uint8Array): Encoding | undefined {
  const b0 = bytes[0];
  if (b0 === undefined) return undefined;
  if (b0 >= 0x01 && b0 <= 0x03) return 'wbxml';
  if (b0 === 0x3c || b0 === 0xef || b0 === 0xfe || b0 === 0xff || b0 === 0x20 || b0 === 0x09 || b0 === 0x0a || b0 === 0x0d) return 'xml';
  return undefined;
}

/**
 * Decode a DM message. With a DM content type (application/vnd.syncml.dm+xml|+wbxml, or the
 * older application/vnd.syncml+xml|+wbxml) that encoding is used; without one it is sniffed.
 * Throws DecodeError only.
 */
export function decodeMessage(bytes: Uint8Array, contentType?: string): { message: SyncMLMessage; encoding: Encoding } {
  if (bytes.byteLength > DM_LIMITS.maxMessageBytes) {
    throw new DecodeError(`message of ${bytes.byteLength} bytes exceeds the ${DM_LIMITS.maxMessageBytes}-byte limit`);
  }
  let encoding: Encoding | undefined;
  if (contentType !== undefined && contentType.trim() !== '') {
    encoding = encodingOfContentType(contentType);
    if (!encoding) throw new DecodeError(`content type "${contentType.slice(0, 80)}" is not a DM message type`);
  } else {
    encoding = sniffEncoding(bytes);
    if (!encoding) throw new DecodeError(bytes.byteLength === 0 ? 'empty message' : 'neither XML nor WBXML', 0);
  }
  try {
    const message = encoding === 'xml' ? decodeXml(bytes) : decodeWbxml(bytes);
    return { message, encoding };
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    // A decoder bug must still surface as a DecodeError to callers.
    throw new DecodeError(`internal decoder failure: ${e instanceof Error ? e.message : String(e)}`);
  }
}
