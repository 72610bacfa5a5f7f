/**
 * A small, strict-but-liberal XML reader for SyncML DM messages. No DTD processing and no
 * external entities: a DOCTYPE is skipped, only the predefined and numeric character references
 * are known. Comments, processing instructions, the XML declaration and a BOM are skipped;
 * name space prefixes and xmlns attributes are understood. Iterative (no recursion), with the
 * depth, size and string limits of DM_LIMITS, and every failure is a DecodeError.
 */
import { DecodeError } from '../errors';
import { DM_LIMITS } from './limits';
import type { InElement } from './tree';
import { NS_DMDDF, NS_METINF } from './wbxml-tokens';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text of an XML document given as bytes: UTF-8 (BOM optional) or UTF-16 with a BOM. */
export function xmlText(input: Uint8Array | string): string {
  if (typeof input === 'string') return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  try {
    if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) return utf8.decode(input.subarray(3));
    if (input[0] === 0xff && input[1] === 0xfe) return new TextDecoder('utf-16le', { fatal: true }).decode(input.subarray(2));
    if (input[0] === 0xfe && input[1] === 0xff) return new TextDecoder('utf-16be', { fatal: true }).decode(input.subarray(2));
    if (declaresLatin1(input)) return new TextDecoder('latin1').decode(input);
    return utf8.decode(input);
  } catch {
    throw new DecodeError('the XML message is not valid UTF-8 text');
  }
}

/** An XML declaration naming ISO-8859-1 (or US-ASCII, a subset): read as Latin-1. */
function declaresLatin1(input: Uint8Array): boolean {
  if (input[0] !== 0x3c || input[1] !== 0x3f) return false;
  const head = new TextDecoder('latin1').decode(input.subarray(0, Math.min(input.length, 120)));
  const end = head.indexOf('?>');
  const m = /encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(end > 0 ? head.slice(0, end) : '');
  return m !== null && /^(iso-8859-1|iso_8859-1|latin1|l1|us-ascii|ascii)$/i.test(m[1]!);
}

/** Code page of a name space URI: 0 SyncML, 1 MetInf, 2 DM DDF, -1 another. */
export function pageOfNamespace(ns: string | undefined): number {
  if (ns === undefined || ns === '') return 0;
  const n = ns.trim().toLowerCase();
  if (n.startsWith('syncml:syncml')) return 0;
  if (n === NS_METINF) return 1;
  if (n.startsWith('syncml:dmddf')) return 2;
  if (n === NS_DMDDF) return 2;
  return -1;
}

interface Frame {
  el: InElement;
  qname: string;
  /** Prefix -> name space URI, inherited ('' is the default name space). */
  ns: Map<string, string>;
  /** Index just after the start tag (for keeping a Data's content as XML text). */
  contentStart: number;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x5f || c === 0x3a || c === 0x2d || c === 0x2e || c >= 0x80
  );
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Replace character references; normalise line ends (XML 1.0 section 2.11). */
function decodeText(raw: string, at: number): string {
  let s = raw.indexOf('\r') >= 0 ? raw.replace(/\r\n?/g, '\n') : raw;
  if (s.indexOf('&') < 0) return s;
  s = s.replace(/&([^;&<\s]{0,12});?/g, (m: string, name: string) => {
    if (!m.endsWith(';')) throw new DecodeError(`"&" not followed by a character reference`, at);
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      const digits = name[1] === 'x' || name[1] === 'X' ? /^#[xX][0-9a-fA-F]{1,6}$/ : /^#[0-9]{1,7}$/;
      if (!digits.test(name) || !(code >= 0 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
        throw new DecodeError(`bad character reference "${m}"`, at);
      }
      return String.fromCodePoint(code);
    }
    const v = PREDEFINED[name];
    if (v === undefined) throw new DecodeError(`unknown entity "${m}" (only the predefined entities are accepted)`, at);
    return v;
  });
  return s;
}

/** Parse an XML document into an element tree. */
export function parseXmlTree(input: Uint8Array | string): InElement {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > DM_LIMITS.maxMessageBytes) throw new DecodeError(`message of ${size} bytes exceeds the ${DM_LIMITS.maxMessageBytes}-byte limit`);
  const src = xmlText(input);
  const n = src.length;
  const stack: Frame[] = [];
  let root: InElement | undefined;
  let i = 0;

  const fail: (what: string, at?: number) => never = (what, at = i) => {
    throw new DecodeError(what, at);
  };

  const appendText = (frame: Frame | undefined, text: string, at: number) => {
    if (!frame) {
      if (/[^\t\n\r ]/.test(text)) fail('text outside the root element', at);
      return;
    }
    if (frame.el.text.length + text.length > DM_LIMITS.maxStringLength) fail('text longer than the string limit', at);
    frame.el.text += text;
  };

  while (i < n) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      appendText(stack[stack.length - 1], decodeText(src.slice(i), i), i);
      i = n;
      break;
    }
    if (lt > i) appendText(stack[stack.length - 1], decodeText(src.slice(i, lt), i), i);
    i = lt;
    const c1 = src.charCodeAt(i + 1);
    if (c1 === 0x3f /* ? */) {
      const end = src.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
      continue;
    }
    if (c1 === 0x21 /* ! */) {
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
        continue;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i + 9);
        if (end < 0) fail('unterminated CDATA section');
        const frame = stack[stack.length - 1];
        if (!frame) fail('CDATA outside the root element');
        appendText(frame, src.slice(i + 9, end), i);
        i = end + 3;
        continue;
      }
      if (src.startsWith('<!DOCTYPE', i)) {
        if (stack.length > 0 || root) fail('DOCTYPE inside the document');
        // Skipped, internal subset included; nothing in it is processed.
        let j = i + 9;
        let depth = 0;
        for (; j < n; j++) {
          const ch = src.charCodeAt(j);
          if (ch === 0x5b) depth++;
          else if (ch === 0x5d) depth--;
          else if (ch === 0x3e && depth <= 0) break;
        }
        if (j >= n) fail('unterminated DOCTYPE');
        i = j + 1;
        continue;
      }
      fail('unexpected markup declaration');
    }
    if (c1 === 0x2f /* / */) {
      // End tag.
      let j = i + 2;
      while (j < n && isNameChar(src.charCodeAt(j))) j++;
      const qname = src.slice(i + 2, j);
      while (j < n && isSpace(src.charCodeAt(j))) j++;
      if (src.charCodeAt(j) !== 0x3e) fail('malformed end tag', i);
      const frame = stack.pop();
      if (!frame) fail(`end tag </${qname}> without a start tag`, i);
      if (frame.qname !== qname) fail(`end tag </${qname}> does not match <${frame.qname}>`, i);
      closeElement(frame, src, i);
      i = j + 1;
      continue;
    }
    // Start tag.
    const tagAt = i;
    let j = i + 1;
    while (j < n && isNameChar(src.charCodeAt(j))) j++;
    const qname = src.slice(i + 1, j);
    if (qname === '') fail('"<" not followed by a name');
    const attrs: [string, string][] = [];
    let selfClosing = false;
    for (;;) {
      const ws = j;
      while (j < n && isSpace(src.charCodeAt(j))) j++;
      if (j >= n) fail('unterminated start tag', tagAt);
      const ch = src.charCodeAt(j);
      if (ch === 0x3e) {
        j++;
        break;
      }
      if (ch === 0x2f && src.charCodeAt(j + 1) === 0x3e) {
        selfClosing = true;
        j += 2;
        break;
      }
      if (j === ws) fail('attributes must be separated by white space', j);
      const an = j;
      while (j < n && isNameChar(src.charCodeAt(j))) j++;
      const aname = src.slice(an, j);
      if (aname === '') fail('malformed attribute', j);
      while (j < n && isSpace(src.charCodeAt(j))) j++;
      if (src.charCodeAt(j) !== 0x3d) fail(`attribute ${aname} has no value`, j);
      j++;
      while (j < n && isSpace(src.charCodeAt(j))) j++;
      const q = src.charCodeAt(j);
      // The specification's own examples use typographic quotes (xmlns=’syncml:metinf’): accepted.
      const close = q === 0x22 ? '"' : q === 0x27 ? "'" : q === 0x2019 || q === 0x2018 ? '\u2019' : undefined;
      if (!close) fail(`attribute ${aname} value is not quoted`, j);
      const end = src.indexOf(close, j + 1);
      if (end < 0) fail('unterminated attribute value', j);
      const raw = src.slice(j + 1, end);
      if (raw.indexOf('<') >= 0) fail('"<" in an attribute value', j);
      attrs.push([aname, decodeText(raw, j)]);
      j = end + 1;
    }
    if (stack.length >= DM_LIMITS.maxDepth) fail(`elements nested deeper than ${DM_LIMITS.maxDepth}`, tagAt);
    const parent = stack[stack.length - 1];
    if (!parent && root) fail('a second root element', tagAt);
    let ns = parent ? parent.ns : new Map<string, string>();
    for (const [an, av] of attrs) {
      if (an === 'xmlns' || an.startsWith('xmlns:')) {
        if (ns === parent?.ns) ns = new Map(ns);
        ns.set(an === 'xmlns' ? '' : an.slice(6), av);
      }
    }
    const colon = qname.indexOf(':');
    const prefix = colon >= 0 ? qname.slice(0, colon) : '';
    const local = colon >= 0 ? qname.slice(colon + 1) : qname;
    if (prefix && !ns.has(prefix) && prefix !== 'xml') fail(`undeclared name space prefix "${prefix}"`, tagAt);
    const el: InElement = { name: local, page: pageOfNamespace(ns.get(prefix)), children: [], text: '', offset: tagAt };
    if (parent) parent.el.children.push(el);
    else root = el;
    const frame: Frame = { el, qname, ns, contentStart: j };
    if (selfClosing) closeElement(frame, src, j);
    else stack.push(frame);
    i = j;
  }
  if (stack.length > 0) fail(`the document ends inside <${stack[stack.length - 1]!.qname}>`, n);
  if (!root) fail('no root element', 0);
  return root;
}

function closeElement(frame: Frame, src: string, endTagAt: number): void {
  const el = frame.el;
  if (el.name === 'Data' && el.children.length > 0) {
    // Nested XML (DDF, DevInf ...): kept as its XML text.
    el.xml = src.slice(frame.contentStart, endTagAt).trim();
    el.children = [];
    el.text = '';
  }
}
