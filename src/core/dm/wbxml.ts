/**
 * SyncML DM 1.2 WBXML codec (WBXML 1.1-1.3). Encoding: public id 0x1201 (or the FPI in the
 * string table), UTF-8, code page 0 SyncML and page 1 for MetInf elements, strings inline,
 * bytes as OPAQUE with Format bin. The output size is computed first, then written once into a
 * buffer of exactly that size, so opaque data is copied once and never walked byte by byte.
 */
import { Buffer } from 'node:buffer';
import { DecodeError } from '../errors';
import { DM_LIMITS } from './limits';
import type { SyncMLMessage } from './model';
import { messageToTree, treeToMessage, type InElement, type OutElement } from './tree';
import { escapeXmlMarkup } from './xml';
import {
  CHARSET_UTF8,
  FPI_DMDDF_12,
  FPI_METINF_12,
  FPI_SYNCML_11,
  FPI_SYNCML_12,
  NS_DMDDF,
  PUBLIC_ID_DMDDF_12,
  PUBLIC_ID_METINF_11,
  PUBLIC_ID_METINF_12,
  PUBLIC_ID_SYNCML_11,
  PUBLIC_ID_SYNCML_12,
  TAG_HAS_ATTRIBUTES,
  TAG_HAS_CONTENT,
  TAG_NAMES,
  TAG_TOKENS,
  WBXML_END,
  WBXML_ENTITY,
  WBXML_EXT_0,
  WBXML_EXT_2,
  WBXML_EXT_I_0,
  WBXML_EXT_I_2,
  WBXML_EXT_T_0,
  WBXML_EXT_T_2,
  WBXML_LITERAL,
  WBXML_OPAQUE,
  WBXML_PI,
  WBXML_STR_I,
  WBXML_STR_T,
  WBXML_SWITCH_PAGE,
} from './wbxml-tokens';

export interface WbxmlEncodeOptions {
  /** WBXML version byte: 0x01 (1.1), 0x02 (1.2, the default) or 0x03 (1.3). */
  version?: 0x01 | 0x02 | 0x03;
  /** 'numeric' (default): public id 0x1201 (0x0FD3 for VerDTD 1.1); 'string': the FPI in the string table. */
  publicId?: 'numeric' | 'string';
}

// ---------------------------------------------------------------------------------------------
// encoding

export function mbUintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeMbUint(out: Uint8Array, at: number, v: number): number {
  const len = mbUintLength(v);
  let x = v;
  for (let k = len - 1; k >= 0; k--) {
    out[at + k] = (x & 0x7f) | (k === len - 1 ? 0 : 0x80);
    x = Math.floor(x / 128);
  }
  return at + len;
}

interface Header {
  version: number;
  fpi?: string;
  publicId: number;
}

function headerOf(msg: SyncMLMessage, options: WbxmlEncodeOptions): Header {
  const version = options.version ?? 0x02;
  const v11 = msg.header.verDTD === '1.1';
  if (options.publicId === 'string') return { version, publicId: 0, fpi: v11 ? FPI_SYNCML_11 : FPI_SYNCML_12 };
  return { version, publicId: v11 ? PUBLIC_ID_SYNCML_11 : PUBLIC_ID_SYNCML_12 };
}

function headerSize(h: Header): number {
  if (h.fpi !== undefined) {
    const tableLen = h.fpi.length + 1;
    return 1 + 1 + 1 + mbUintLength(CHARSET_UTF8) + mbUintLength(tableLen) + tableLen;
  }
  return 1 + mbUintLength(h.publicId) + mbUintLength(CHARSET_UTF8) + 1;
}

function writeHeader(h: Header, out: Uint8Array): number {
  let at = 0;
  out[at++] = h.version;
  if (h.fpi !== undefined) {
    out[at++] = 0x00; // public id in the string table
    out[at++] = 0x00; // at index 0
    at = writeMbUint(out, at, CHARSET_UTF8);
    at = writeMbUint(out, at, h.fpi.length + 1);
    for (let k = 0; k < h.fpi.length; k++) out[at++] = h.fpi.charCodeAt(k);
    out[at++] = 0x00;
    return at;
  }
  at = writeMbUint(out, at, h.publicId);
  at = writeMbUint(out, at, CHARSET_UTF8);
  out[at++] = 0x00; // empty string table
  return at;
}

function tokenOf(el: OutElement): number {
  const t = TAG_TOKENS[el.page]!.get(el.name);
  if (t === undefined) throw new RangeError(`no WBXML token for <${el.name}>`);
  return t;
}

/** Size of an element and its content; `page` is the code page in force before it. */
function elementSize(el: OutElement, state: { page: number }): number {
  let n = 0;
  if (el.page !== state.page) {
    n += 2;
    state.page = el.page;
  }
  n += 1;
  if (el.children && el.children.length > 0) {
    for (const c of el.children) n += elementSize(c, state);
    n += 1;
  } else if (el.bytes) {
    n += 1 + mbUintLength(el.bytes.byteLength) + el.bytes.byteLength + 1;
  } else if (el.text !== undefined && el.text !== '') {
    const len = Buffer.byteLength(el.text, 'utf8');
    n += el.text.includes('\0') ? 1 + mbUintLength(len) + len + 1 : 1 + len + 1 + 1;
  }
  return n;
}

function writeElement(el: OutElement, out: Uint8Array, buf: Buffer, at: number, state: { page: number }): number {
  if (el.page !== state.page) {
    out[at++] = WBXML_SWITCH_PAGE;
    out[at++] = el.page;
    state.page = el.page;
  }
  const token = tokenOf(el);
  if (el.children && el.children.length > 0) {
    out[at++] = token | TAG_HAS_CONTENT;
    for (const c of el.children) at = writeElement(c, out, buf, at, state);
    out[at++] = WBXML_END;
  } else if (el.bytes) {
    out[at++] = token | TAG_HAS_CONTENT;
    out[at++] = WBXML_OPAQUE;
    at = writeMbUint(out, at, el.bytes.byteLength);
    out.set(el.bytes, at);
    at += el.bytes.byteLength;
    out[at++] = WBXML_END;
  } else if (el.text !== undefined && el.text !== '') {
    out[at++] = token | TAG_HAS_CONTENT;
    if (el.text.includes('\0')) {
      // STR_I cannot hold NUL: such a string travels as OPAQUE UTF-8.
      const len = Buffer.byteLength(el.text, 'utf8');
      out[at++] = WBXML_OPAQUE;
      at = writeMbUint(out, at, len);
      at += buf.write(el.text, at, 'utf8');
    } else {
      out[at++] = WBXML_STR_I;
      at += buf.write(el.text, at, 'utf8');
      out[at++] = 0x00;
    }
    out[at++] = WBXML_END;
  } else {
    out[at++] = token;
  }
  return at;
}

/** Encode a message as SyncML DM WBXML. */
export function encodeWbxml(msg: SyncMLMessage, options: WbxmlEncodeOptions = {}): Uint8Array {
  const h = headerOf(msg, options);
  const tree = messageToTree(msg, 'wbxml');
  const size = headerSize(h) + elementSize(tree, { page: 0 });
  const out = new Uint8Array(size);
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  let at = writeHeader(h, out);
  at = writeElement(tree, out, buf, at, { page: 0 });
  if (at !== size) throw new Error(`WBXML size mismatch: computed ${size}, wrote ${at}`);
  return out;
}

/** The exact length of encodeWbxml's output, computed without writing it. */
export function wbxmlEncodedSize(msg: SyncMLMessage, options: WbxmlEncodeOptions = {}): number {
  return headerSize(headerOf(msg, options)) + elementSize(messageToTree(msg, 'wbxml'), { page: 0 });
}

// ---------------------------------------------------------------------------------------------
// decoding

const ACCEPTED_PUBLIC_IDS = new Set([0x01, PUBLIC_ID_SYNCML_12, PUBLIC_ID_METINF_12, PUBLIC_ID_SYNCML_11, PUBLIC_ID_METINF_11, PUBLIC_ID_DMDDF_12]);
const ACCEPTED_FPIS = new Set([FPI_SYNCML_12, FPI_SYNCML_11, FPI_METINF_12, FPI_DMDDF_12].map((s) => s.toUpperCase()));

class Reader {
  pos = 0;
  constructor(
    readonly b: Uint8Array,
    readonly decoder: TextDecoder,
  ) {}

  byte(): number {
    if (this.pos >= this.b.length) throw new DecodeError('the WBXML message ends early', this.pos);
    return this.b[this.pos++]!;
  }

  mbUint(): number {
    const start = this.pos;
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const c = this.byte();
      v = v * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) {
        if (v > 0xffffffff) throw new DecodeError('multi-byte integer exceeds 32 bits', start);
        return v;
      }
    }
    throw new DecodeError('multi-byte integer longer than 5 bytes', start);
  }

  /** A NUL-terminated string from here. */
  cstring(): string {
    const start = this.pos;
    const end = this.b.indexOf(0, start);
    if (end < 0) throw new DecodeError('unterminated inline string', start);
    if (end - start > DM_LIMITS.maxStringLength) throw new DecodeError('string longer than the string limit', start);
    this.pos = end + 1;
    return this.text(this.b.subarray(start, end), start);
  }

  text(bytes: Uint8Array, at: number): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw new DecodeError('string is not valid in the document character set', at);
    }
  }

  take(len: number): Uint8Array {
    if (len > this.b.length - this.pos) throw new DecodeError(`length ${len} runs past the end of the message`, this.pos);
    const out = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

function decoderFor(charset: number, at: number): TextDecoder {
  switch (charset) {
    case 0: // unknown: UTF-8 assumed
    case 3: // US-ASCII
    case CHARSET_UTF8:
      return new TextDecoder('utf-8', { fatal: true });
    case 4:
      return new TextDecoder('latin1');
    default:
      throw new DecodeError(`unsupported character set ${charset}`, at);
  }
}

function stringAt(table: Uint8Array, index: number, r: Reader, at: number, unterminatedOk = false): string {
  if (index >= table.length) throw new DecodeError(`string table reference ${index} out of range`, at);
  let end = table.indexOf(0, index);
  if (end < 0) {
    if (!unterminatedOk) throw new DecodeError('unterminated string in the string table', at);
    end = table.length;
  }
  return r.text(table.subarray(index, end), at);
}

interface Open {
  el: InElement;
  page: number;
  bytes: Uint8Array[];
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!.slice();
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Serialise elements decoded inside a Data (DDF and other nested XML) as XML text. */
function childrenToXml(children: InElement[], topLevel: boolean): string {
  let s = '';
  for (const c of children) {
    const ns = topLevel && c.page === 2 ? ` xmlns="${NS_DMDDF}"` : '';
    let content = c.children.length > 0 ? childrenToXml(c.children, false) : escapeXmlMarkup(c.text);
    if (c.bytes) content += escapeXmlMarkup(new TextDecoder('utf-8').decode(c.bytes));
    s += content === '' ? `<${c.name}${ns}/>` : `<${c.name}${ns}>${content}</${c.name}>`;
  }
  return s;
}

/** Skip an attribute list up to and including its END. SyncML defines no attributes. */
function skipAttributes(r: Reader, table: Uint8Array): void {
  for (;;) {
    const t = r.byte();
    if (t === WBXML_END) return;
    if (t === WBXML_SWITCH_PAGE) r.byte();
    else if (t === WBXML_STR_I) r.cstring();
    else if (t === WBXML_STR_T || t === WBXML_LITERAL) stringAt(table, r.mbUint(), r, r.pos);
    else if (t === WBXML_ENTITY) r.mbUint();
    else if (t === WBXML_OPAQUE) r.take(r.mbUint());
    else if (t >= WBXML_EXT_I_0 && t <= WBXML_EXT_I_2) r.cstring();
    else if (t >= WBXML_EXT_T_0 && t <= WBXML_EXT_T_2) r.mbUint();
    // EXT_0..2, attribute start and value tokens: nothing follows them.
  }
}

/**
 * Does this OPAQUE hold a nested WBXML document of the DM DDF (a TNDS tree, as libwbxml and some
 * devices send a Data of Format xml)? Public id 0x1203, or the DDF FPI in its string table.
 */
function isNestedDdf(b: Uint8Array): boolean {
  if (b.length < 6 || b[0]! < 0x01 || b[0]! > 0x03) return false;
  if (b[1] === 0xa4 && b[2] === 0x03) return true; // mb_u_int32 0x1203
  if (b[1] !== 0x00) return false;
  const head = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 64)));
  return head.toUpperCase().includes(FPI_DMDDF_12.toUpperCase());
}

/** Parse a WBXML document into an element tree (`ddf`: a nested DM DDF document, code page 2 first). */
export function parseWbxmlTree(bytes: Uint8Array, ddf = false): InElement {
  if (bytes.byteLength > DM_LIMITS.maxMessageBytes) {
    throw new DecodeError(`message of ${bytes.byteLength} bytes exceeds the ${DM_LIMITS.maxMessageBytes}-byte limit`);
  }
  const r0 = new Reader(bytes, new TextDecoder('utf-8', { fatal: true }));
  const version = r0.byte();
  if (version < 0x01 || version > 0x03) throw new DecodeError(`unsupported WBXML version 0x${version.toString(16)}`, 0);
  const pidAt = r0.pos;
  const publicId = r0.mbUint();
  const fpiIndex = publicId === 0 ? r0.mbUint() : -1;
  const charsetAt = r0.pos;
  const r = new Reader(bytes, decoderFor(r0.mbUint(), charsetAt));
  r.pos = r0.pos;
  const tableLen = r.mbUint();
  const table = r.take(tableLen);
  if (publicId === 0) {
    // Liberal in what we accept: some DM engines write the FPI as the whole table, without its NUL.
    const fpi = stringAt(table, fpiIndex, r, pidAt, true);
    if (!ACCEPTED_FPIS.has(fpi.trim().toUpperCase())) throw new DecodeError(`not a SyncML document (public id "${fpi.slice(0, 60)}")`, pidAt);
  } else if (!ACCEPTED_PUBLIC_IDS.has(publicId)) {
    throw new DecodeError(`not a SyncML document (public id 0x${publicId.toString(16)})`, pidAt);
  }

  let page = ddf ? 2 : 0;
  const stack: Open[] = [];
  let root: InElement | undefined;

  const addText = (s: string, at: number) => {
    const top = stack[stack.length - 1];
    if (!top) throw new DecodeError('text outside the root element', at);
    if (top.el.text.length + s.length > DM_LIMITS.maxStringLength) throw new DecodeError('text longer than the string limit', at);
    top.el.text += s;
  };

  const close = () => {
    const top = stack.pop()!;
    if (top.bytes.length > 0) top.el.bytes = concatAll(top.bytes);
    if (!ddf && top.el.name === 'Data' && top.el.bytes && !top.el.text && isNestedDdf(top.el.bytes)) {
      try {
        top.el.xml = childrenToXml([parseWbxmlTree(top.el.bytes, true)], true);
        top.el.xmlFromWbxml = true;
        delete top.el.bytes;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        // Not a well-formed nested document after all: kept as bytes.
      }
    }
    if (top.el.name === 'Data' && top.el.children.length > 0) {
      top.el.xml = childrenToXml(top.el.children, true);
      top.el.children = [];
    }
  };

  while (r.pos < bytes.length) {
    const at = r.pos;
    const t = r.byte();
    if (root && stack.length === 0) {
      // After the root element only processing instructions may follow; anything else is ignored.
      if (t === WBXML_PI) skipAttributes(r, table);
      continue;
    }
    switch (t) {
      case WBXML_SWITCH_PAGE:
        page = r.byte();
        continue;
      case WBXML_END:
        if (stack.length === 0) throw new DecodeError('END without an open element', at);
        close();
        continue;
      case WBXML_ENTITY: {
        const code = r.mbUint();
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new DecodeError(`bad character entity ${code}`, at);
        addText(String.fromCodePoint(code), at);
        continue;
      }
      case WBXML_STR_I:
        addText(r.cstring(), at);
        continue;
      case WBXML_STR_T:
        addText(stringAt(table, r.mbUint(), r, at), at);
        continue;
      case WBXML_OPAQUE: {
        const len = r.mbUint();
        if (len > DM_LIMITS.maxStringLength) throw new DecodeError('opaque data longer than the string limit', at);
        const top = stack[stack.length - 1];
        const data = r.take(len);
        if (!top) throw new DecodeError('opaque data outside the root element', at);
        top.bytes.push(data);
        continue;
      }
      case WBXML_PI:
        skipAttributes(r, table);
        continue;
      default:
        break;
    }
    if ((t >= WBXML_EXT_I_0 && t <= WBXML_EXT_I_2)) {
      r.cstring();
      continue;
    }
    if (t >= WBXML_EXT_T_0 && t <= WBXML_EXT_T_2) {
      r.mbUint();
      continue;
    }
    if (t >= WBXML_EXT_0 && t <= WBXML_EXT_2) continue;
    // A tag.
    const id = t & 0x3f;
    let name: string;
    let elPage = page;
    if (id === WBXML_LITERAL) {
      // LITERAL, LITERAL_A, LITERAL_C, LITERAL_AC: the tag name is in the string table.
      name = stringAt(table, r.mbUint(), r, at);
      elPage = -1;
    } else {
      const known = TAG_NAMES[page]?.[id];
      if (known === undefined) throw new DecodeError(`unknown tag 0x${id.toString(16)} on code page ${page}`, at);
      name = known;
    }
    if (t & TAG_HAS_ATTRIBUTES) skipAttributes(r, table);
    const el: InElement = { name, page: elPage, children: [], text: '', offset: at };
    const parent = stack[stack.length - 1];
    if (parent) parent.el.children.push(el);
    else if (root) throw new DecodeError('a second root element', at);
    else root = el;
    if (t & TAG_HAS_CONTENT) {
      if (stack.length >= DM_LIMITS.maxDepth) throw new DecodeError(`elements nested deeper than ${DM_LIMITS.maxDepth}`, at);
      stack.push({ el, page: elPage, bytes: [] });
    }
  }
  if (stack.length > 0) throw new DecodeError(`the WBXML message ends inside <${stack[stack.length - 1]!.el.name}>`, bytes.length);
  if (!root) throw new DecodeError('the WBXML message has no root element', r.pos);
  return root;
}

/** Decode a SyncML DM WBXML message (WBXML 1.1-1.3, SyncML 1.2 or 1.1). Throws DecodeError only. */
export function decodeWbxml(bytes: Uint8Array): SyncMLMessage {
  return treeToMessage(parseWbxmlTree(bytes));
}
