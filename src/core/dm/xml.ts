/**
 * SyncML DM 1.2 XML codec. Encoding writes UTF-8 with the SyncML name space on the root and
 * the MetInf name space on each meta element, children in DTD order, bytes as base64 with
 * Format b64. Decoding uses the strict-but-liberal reader of xml-tokenizer.ts.
 */
import { Buffer } from 'node:buffer';
import { base64Length, encodeBase64 } from './base64';
import type { SyncMLMessage } from './model';
import { messageToTree, treeToMessage, type OutElement } from './tree';
import { NS_METINF, NS_SYNCML_11, NS_SYNCML_12 } from './wbxml-tokens';
import { DecodeError } from '../errors';
import { parseXmlTree, xmlText } from './xml-tokenizer';

export interface XmlEncodeOptions {
  /** Indent nested elements (two spaces a level). Leaf values are never padded. Default false. */
  pretty?: boolean;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Characters XML 1.0 cannot carry at all, not even as character references: the C0 controls
 * but tab, LF and CR, and the non-characters U+FFFE and U+FFFF.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

/**
 * Escape character data: markup characters, and CR (kept through line-end normalisation).
 * Throws RangeError for a character XML 1.0 cannot carry (send such data as bytes, or as WBXML).
 */
export function escapeXmlText(s: string): string {
  const bad = NOT_XML_CHAR.exec(s);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new RangeError(`U+${code} at character ${bad.index} cannot be written in XML 1.0 text`);
  }
  return escapeXmlMarkup(s);
}

/** Escape markup characters and CR only, never refusing (for text that was read, not written). */
export function escapeXmlMarkup(s: string): string {
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

interface XmlSink {
  ascii(s: string): void;
  text(s: string): void;
  base64(bytes: Uint8Array): void;
}

function emit(el: OutElement, sink: XmlSink, pretty: boolean, depth: number, rootNs?: string): void {
  const pad = pretty ? '\n' + '  '.repeat(depth) : '';
  const attr = rootNs ? ` xmlns="${rootNs}"` : el.page === 1 ? ` xmlns="${NS_METINF}"` : '';
  if (depth > 0 || pretty) sink.ascii(depth > 0 ? pad : '\n');
  const hasContent = (el.children !== undefined && el.children.length > 0) || el.text !== undefined || el.bytes !== undefined;
  if (!hasContent || (el.text === '' && !el.children)) {
    sink.ascii(`<${el.name}${attr}/>`);
    return;
  }
  sink.ascii(`<${el.name}${attr}>`);
  if (el.children && el.children.length > 0) {
    for (const c of el.children) emit(c, sink, pretty, depth + 1);
    sink.ascii(pad);
  } else if (el.bytes) {
    sink.base64(el.bytes);
  } else if (el.text !== undefined) {
    sink.text(el.text);
  }
  sink.ascii(`</${el.name}>`);
}

function emitMessage(msg: SyncMLMessage, sink: XmlSink, pretty: boolean): void {
  sink.ascii(XML_DECLARATION);
  const tree = messageToTree(msg, 'xml');
  emit(tree, sink, pretty, 0, msg.header.verDTD === '1.1' ? NS_SYNCML_11 : NS_SYNCML_12);
  if (pretty) sink.ascii('\n');
}

/** Encode a message as a SyncML DM XML document (UTF-8). */
export function encodeXml(msg: SyncMLMessage, options: XmlEncodeOptions = {}): Uint8Array {
  const parts: string[] = [];
  emitMessage(
    msg,
    { ascii: (s) => parts.push(s), text: (s) => parts.push(escapeXmlText(s)), base64: (b) => parts.push(encodeBase64(b)) },
    options.pretty ?? false,
  );
  const buf = Buffer.from(parts.join(''), 'utf8');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The exact length of encodeXml's output, without building it (base64 is counted, not made). */
export function xmlEncodedSize(msg: SyncMLMessage, options: XmlEncodeOptions = {}): number {
  let n = 0;
  emitMessage(
    msg,
    { ascii: (s) => (n += s.length), text: (s) => (n += Buffer.byteLength(escapeXmlText(s), 'utf8')), base64: (b) => (n += base64Length(b.byteLength)) },
    options.pretty ?? false,
  );
  return n;
}

/** Decode a SyncML DM XML document (SyncML 1.2 or 1.1). Throws DecodeError only. */
export function decodeXml(input: Uint8Array | string): SyncMLMessage {
  try {
    return treeToMessage(parseXmlTree(input));
  } catch (e) {
    if (e instanceof DecodeError && e.offset !== undefined && input instanceof Uint8Array) {
      // The reader counts characters; callers holding bytes get the byte offset.
      throw new DecodeError(String(e.details.detail).replace(/ at byte \d+$/, ''), byteOffset(input, e.offset));
    }
    throw e;
  }
}

function byteOffset(input: Uint8Array, charOffset: number): number {
  const bomLen = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  if (input[0] === 0xff || input[0] === 0xfe) return 2 + 2 * charOffset;
  return bomLen + Buffer.byteLength(xmlText(input).slice(0, charOffset), 'utf8');
}
