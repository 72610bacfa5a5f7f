/**
 * The element tree shared by the XML and WBXML codecs, and the mapping between it and the
 * message model. Encoding goes model -> OutElement tree (canonical DTD order) -> bytes;
 * decoding goes bytes -> InElement tree -> model, accepting child elements in any order.
 */
import { DecodeError } from '../errors';
import { decodeBase64, decodeBase64Bytes } from './base64';
import type {
  Alert,
  Atomic,
  Chal,
  Command,
  Cred,
  Exec,
  Item,
  ItemCommand,
  LocTarget,
  MetInf,
  Results,
  Sequence,
  Status,
  SyncHdr,
  SyncMLMessage,
  VerDTD,
} from './model';

/** An element to write. page 0 = SyncML, 1 = MetInf. No children, text or bytes = empty element. */
export interface OutElement {
  name: string;
  page: 0 | 1;
  children?: OutElement[];
  text?: string;
  bytes?: Uint8Array;
}

/** An element as read by either decoder. */
export interface InElement {
  /** Local name (prefix removed). */
  name: string;
  /** 0 SyncML, 1 MetInf, 2 DM DDF, -1 another name space. */
  page: number;
  children: InElement[];
  /** Character data directly inside the element, concatenated. */
  text: string;
  /** OPAQUE content (WBXML), concatenated. */
  bytes?: Uint8Array;
  /** The element content as XML text, kept for a Data that holds elements (DDF, DevInf). */
  xml?: string;
  /** The xml text was made from a nested WBXML document (OPAQUE) rather than read as text. */
  xmlFromWbxml?: boolean;
  /** Byte offset of the start tag in the input. */
  offset: number;
}

export type Flavor = 'xml' | 'wbxml';

// ---------------------------------------------------------------------------------------------
// model -> tree

function leaf(name: string, text: string, page: 0 | 1 = 0): OutElement {
  return { name, page, text };
}

function flag(name: string): OutElement {
  return { name, page: 0 };
}

function locTarget(name: string, t: LocTarget): OutElement {
  const children = [leaf('LocURI', t.locURI)];
  if (t.locName !== undefined) children.push(leaf('LocName', t.locName));
  return { name, page: 0, children };
}

function metaElement(m: MetInf, formatOverride?: string): OutElement {
  const c: OutElement[] = [];
  const format = formatOverride ?? m.format;
  if (format !== undefined) c.push(leaf('Format', format, 1));
  if (m.type !== undefined) c.push(leaf('Type', m.type, 1));
  if (m.mark !== undefined) c.push(leaf('Mark', m.mark, 1));
  if (m.size !== undefined) c.push(leaf('Size', numberText(m.size, 'Size'), 1));
  if (m.version !== undefined) c.push(leaf('Version', m.version, 1));
  if (m.nextNonce !== undefined) c.push(leaf('NextNonce', m.nextNonce, 1));
  if (m.maxMsgSize !== undefined) c.push(leaf('MaxMsgSize', numberText(m.maxMsgSize, 'MaxMsgSize'), 1));
  if (m.maxObjSize !== undefined) c.push(leaf('MaxObjSize', numberText(m.maxObjSize, 'MaxObjSize'), 1));
  for (const e of m.emi ?? []) c.push(leaf('EMI', e, 1));
  return { name: 'Meta', page: 0, children: c };
}

function numberText(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return String(n);
}

function credElement(c: Cred): OutElement {
  return { name: 'Cred', page: 0, children: [metaElement(c.meta), leaf('Data', c.data)] };
}

function chalElement(c: Chal): OutElement {
  return { name: 'Chal', page: 0, children: [metaElement(c.meta)] };
}

const isBinFormat = (f: string | undefined): boolean => f === 'bin' || f === 'b64';

/** The Format that carries bytes in this encoding: base64 text in XML, OPAQUE in WBXML. */
const bytesFormat = (flavor: Flavor): string => (flavor === 'xml' ? 'b64' : 'bin');

function itemElement(item: Item, cmdFormatIsBin: boolean, flavor: Flavor): OutElement {
  const c: OutElement[] = [];
  if (item.target) c.push(locTarget('Target', item.target));
  if (item.source) c.push(locTarget('Source', item.source));
  if (item.sourceParent !== undefined) c.push({ name: 'SourceParent', page: 0, children: [leaf('LocURI', item.sourceParent)] });
  if (item.targetParent !== undefined) c.push({ name: 'TargetParent', page: 0, children: [leaf('LocURI', item.targetParent)] });
  const bytes = item.data instanceof Uint8Array;
  if (bytes && item.meta?.format !== undefined) {
    c.push(metaElement(item.meta, bytesFormat(flavor)));
  } else if (bytes && !cmdFormatIsBin) {
    c.push(metaElement({ ...(item.meta ?? {}), format: bytesFormat(flavor) }));
  } else if (item.meta) {
    c.push(metaElement(item.meta));
  }
  if (item.data !== undefined) {
    c.push(typeof item.data === 'string' ? leaf('Data', item.data) : { name: 'Data', page: 0, bytes: item.data });
  }
  if (item.moreData) c.push(flag('MoreData'));
  return { name: 'Item', page: 0, children: c };
}

/** Meta of an item-carrying command; its Format follows the encoding when it describes bytes items. */
function commandMeta(meta: MetInf | undefined, items: Item[], flavor: Flavor): { el?: OutElement; formatIsBin: boolean } {
  if (!meta) return { formatIsBin: false };
  const formatIsBin = isBinFormat(meta.format);
  const rewrite = formatIsBin && items.some((i) => i.data instanceof Uint8Array && i.meta?.format === undefined);
  return { el: metaElement(meta, rewrite ? bytesFormat(flavor) : undefined), formatIsBin };
}

function head(cmd: { cmdID: string; noResp?: boolean }): OutElement[] {
  const c = [leaf('CmdID', cmd.cmdID)];
  if (cmd.noResp) c.push(flag('NoResp'));
  return c;
}

function commandElement(cmd: Command, flavor: Flavor): OutElement {
  switch (cmd.kind) {
    case 'Add':
    case 'Copy':
    case 'Delete':
    case 'Get':
    case 'Replace':
    case 'Exec': {
      const c = head(cmd);
      if (cmd.cred) c.push(credElement(cmd.cred));
      const m = commandMeta(cmd.meta, cmd.items, flavor);
      if (m.el) c.push(m.el);
      if (cmd.kind === 'Exec' && cmd.correlator !== undefined) c.push(leaf('Correlator', cmd.correlator));
      for (const i of cmd.items) c.push(itemElement(i, m.formatIsBin, flavor));
      return { name: cmd.kind, page: 0, children: c };
    }
    case 'Alert': {
      const c = head(cmd);
      if (cmd.cred) c.push(credElement(cmd.cred));
      if (cmd.data !== undefined) c.push(leaf('Data', cmd.data));
      if (cmd.correlator !== undefined) c.push(leaf('Correlator', cmd.correlator));
      for (const i of cmd.items) c.push(itemElement(i, false, flavor));
      return { name: 'Alert', page: 0, children: c };
    }
    case 'Atomic':
    case 'Sequence': {
      const c = head(cmd);
      if (cmd.meta) c.push(metaElement(cmd.meta));
      for (const sub of cmd.commands) c.push(commandElement(sub, flavor));
      return { name: cmd.kind, page: 0, children: c };
    }
    case 'Results': {
      // The DTD gives Results no NoResp (a Results is never answered): never written.
      const c = [leaf('CmdID', cmd.cmdID)];
      if (cmd.msgRef !== undefined) c.push(leaf('MsgRef', cmd.msgRef));
      c.push(leaf('CmdRef', cmd.cmdRef));
      const m = commandMeta(cmd.meta, cmd.items, flavor);
      if (m.el) c.push(m.el);
      for (const r of cmd.targetRefs) c.push(leaf('TargetRef', r));
      for (const r of cmd.sourceRefs) c.push(leaf('SourceRef', r));
      for (const i of cmd.items) c.push(itemElement(i, m.formatIsBin, flavor));
      return { name: 'Results', page: 0, children: c };
    }
    case 'Status': {
      const c = [leaf('CmdID', cmd.cmdID), leaf('MsgRef', cmd.msgRef), leaf('CmdRef', cmd.cmdRef), leaf('Cmd', cmd.cmd)];
      for (const r of cmd.targetRefs) c.push(leaf('TargetRef', r));
      for (const r of cmd.sourceRefs) c.push(leaf('SourceRef', r));
      if (cmd.cred) c.push(credElement(cmd.cred));
      if (cmd.chal) c.push(chalElement(cmd.chal));
      c.push(leaf('Data', cmd.data));
      for (const i of cmd.items) c.push(itemElement(i, false, flavor));
      return { name: 'Status', page: 0, children: c };
    }
  }
}

/** The element tree of a message, children in the order of the SyncML 1.2 DTD. */
export function messageToTree(msg: SyncMLMessage, flavor: Flavor): OutElement {
  const h = msg.header;
  const hc: OutElement[] = [
    leaf('VerDTD', h.verDTD),
    leaf('VerProto', h.verProto),
    leaf('SessionID', h.sessionID),
    leaf('MsgID', h.msgID),
    locTarget('Target', h.target),
    locTarget('Source', h.source),
  ];
  if (h.respURI !== undefined) hc.push(leaf('RespURI', h.respURI));
  if (h.noResp) hc.push(flag('NoResp'));
  if (h.cred) hc.push(credElement(h.cred));
  if (h.meta) hc.push(metaElement(h.meta));
  const body: OutElement[] = msg.body.map((c) => commandElement(c, flavor));
  if (msg.final) body.push(flag('Final'));
  return {
    name: 'SyncML',
    page: 0,
    children: [
      { name: 'SyncHdr', page: 0, children: hc },
      { name: 'SyncBody', page: 0, children: body },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// tree -> model

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(what: string, el: InElement): never {
  throw new DecodeError(what, el.offset);
}

/** The character content of a leaf: opaque bytes read as UTF-8, surrounding white space trimmed. */
function leafValue(el: InElement): string {
  let s = el.text;
  if (el.bytes) {
    try {
      s = s + utf8.decode(el.bytes);
    } catch {
      fail(`<${el.name}> holds bytes that are not UTF-8 text`, el);
    }
  }
  if (el.children.length > 0 || el.xml !== undefined) fail(`<${el.name}> must hold text, not elements`, el);
  return s.trim();
}

function child(el: InElement, name: string): InElement | undefined {
  for (const c of el.children) if (c.name === name) return c;
  return undefined;
}

function required(el: InElement, name: string): InElement {
  const c = child(el, name);
  if (!c) fail(`<${el.name}> lacks <${name}>`, el);
  return c;
}

function requiredText(el: InElement, name: string): string {
  return leafValue(required(el, name));
}

function optionalText(el: InElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? leafValue(c) : undefined;
}

function texts(el: InElement, name: string): string[] {
  const out: string[] = [];
  for (const c of el.children) if (c.name === name) out.push(leafValue(c));
  return out;
}

function has(el: InElement, name: string): boolean {
  return child(el, name) !== undefined;
}

function readLocTarget(el: InElement): LocTarget {
  const t: LocTarget = { locURI: requiredText(el, 'LocURI') };
  const name = optionalText(el, 'LocName');
  if (name !== undefined) t.locName = name;
  return t;
}

function readNumber(el: InElement): number {
  const s = leafValue(el);
  if (!/^[0-9]{1,15}$/.test(s)) fail(`<${el.name}> must be a decimal number, got "${s.slice(0, 20)}"`, el);
  return Number(s);
}

function readMeta(el: InElement): MetInf {
  // SyncML 1.0 style: the meta elements wrapped in <MetInf>.
  const wrapped = child(el, 'MetInf');
  const src = wrapped ?? el;
  const m: MetInf = {};
  for (const c of src.children) {
    switch (c.name) {
      case 'Format':
        m.format = leafValue(c);
        break;
      case 'Type':
        m.type = leafValue(c);
        break;
      case 'Mark':
        m.mark = leafValue(c);
        break;
      case 'Size':
        m.size = readNumber(c);
        break;
      case 'NextNonce':
        m.nextNonce = leafValue(c);
        break;
      case 'Version':
        m.version = leafValue(c);
        break;
      case 'MaxMsgSize':
        m.maxMsgSize = readNumber(c);
        break;
      case 'MaxObjSize':
        m.maxObjSize = readNumber(c);
        break;
      case 'EMI':
        (m.emi ??= []).push(leafValue(c));
        break;
      default:
        // Anchor, Mem, FieldLevel ... are not used by DM: skipped.
        break;
    }
  }
  return m;
}

function optionalMeta(el: InElement): MetInf | undefined {
  const c = child(el, 'Meta');
  return c ? readMeta(c) : undefined;
}

function readCred(el: InElement): Cred {
  const meta = optionalMeta(el) ?? {};
  return { meta, data: requiredText(el, 'Data') };
}

function readParent(el: InElement): string {
  const loc = child(el, 'LocURI');
  return loc ? leafValue(loc) : leafValue(el);
}

/**
 * Item data: bytes when the effective Format is b64 (decoded) or bin (OPAQUE), text otherwise.
 * A b64 Format that was decoded is reported as bin, the format of the bytes themselves, so the
 * model is the same whichever encoding carried it.
 */
function readItem(el: InElement, cmdFormat: string | undefined): Item {
  const item: Item = {};
  for (const c of el.children) {
    switch (c.name) {
      case 'Target':
        item.target = readLocTarget(c);
        break;
      case 'Source':
        item.source = readLocTarget(c);
        break;
      case 'SourceParent':
        item.sourceParent = readParent(c);
        break;
      case 'TargetParent':
        item.targetParent = readParent(c);
        break;
      case 'Meta':
        item.meta = readMeta(c);
        break;
      case 'MoreData':
        item.moreData = true;
        break;
      default:
        break;
    }
  }
  const dataEl = child(el, 'Data');
  if (dataEl) {
    const ownFormat = item.meta?.format;
    const format = ownFormat ?? cmdFormat;
    const decoded = readItemData(dataEl, format);
    item.data = decoded;
    // A nested WBXML tree now stands as XML text: its media type says so too (TNDS +wbxml -> +xml).
    if (dataEl.xmlFromWbxml && item.meta?.type?.endsWith('+wbxml')) item.meta.type = item.meta.type.slice(0, -6) + '+xml';
    if (format === 'b64' && decoded instanceof Uint8Array && ownFormat !== undefined && item.meta) item.meta.format = 'bin';
  }
  return item;
}

function readItemData(el: InElement, format: string | undefined): string | Uint8Array {
  if (el.xml !== undefined) return el.xml;
  if (el.children.length > 0) fail('<Data> holds elements of an unknown name space', el);
  if (format === 'b64') {
    const raw = el.bytes ? (el.text ? concat(new TextEncoder().encode(el.text), el.bytes) : el.bytes) : undefined;
    const out = raw ? decodeBase64Bytes(raw) : decodeBase64(el.text);
    if (!out) fail('<Data> with Format b64 is not base64', el);
    return out;
  }
  if (el.bytes) {
    if (format === 'bin' && !el.text) return el.bytes;
    const all = el.text ? concat(new TextEncoder().encode(el.text), el.bytes) : el.bytes;
    if (format === 'bin') return all;
    // Text formats (chr, int, xml ... or none, whose default is chr) sent as OPAQUE.
    try {
      return utf8.decode(all);
    } catch {
      return all;
    }
  }
  return el.text;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function readItems(el: InElement, cmdMeta: MetInf | undefined): Item[] {
  const items: Item[] = [];
  const cmdFormat = cmdMeta?.format;
  for (const c of el.children) if (c.name === 'Item') items.push(readItem(c, cmdFormat));
  // A command-level b64 that described decoded bytes is reported as bin, like an item's own.
  if (cmdMeta && cmdFormat === 'b64' && items.some((i) => i.data instanceof Uint8Array && i.meta?.format === undefined)) cmdMeta.format = 'bin';
  return items;
}

function setCommon<T extends { noResp?: boolean }>(cmd: T, el: InElement): T {
  if (has(el, 'NoResp')) cmd.noResp = true;
  return cmd;
}

function readCommand(el: InElement, depth: number): Command {
  if (depth > 8) fail('commands nested too deeply', el);
  const cmdID = requiredText(el, 'CmdID');
  switch (el.name) {
    case 'Add':
    case 'Copy':
    case 'Delete':
    case 'Get':
    case 'Replace': {
      const meta = optionalMeta(el);
      const cmd: ItemCommand = { kind: el.name, cmdID, items: [] };
      setCommon(cmd, el);
      const cred = child(el, 'Cred');
      if (cred) cmd.cred = readCred(cred);
      if (meta) cmd.meta = meta;
      cmd.items = readItems(el, meta);
      return cmd;
    }
    case 'Exec': {
      const meta = optionalMeta(el);
      const cmd: Exec = { kind: 'Exec', cmdID, items: [] };
      setCommon(cmd, el);
      const cred = child(el, 'Cred');
      if (cred) cmd.cred = readCred(cred);
      if (meta) cmd.meta = meta;
      const corr = optionalText(el, 'Correlator');
      if (corr !== undefined) cmd.correlator = corr;
      cmd.items = readItems(el, meta);
      return cmd;
    }
    case 'Alert': {
      const cmd: Alert = { kind: 'Alert', cmdID, items: [] };
      setCommon(cmd, el);
      const cred = child(el, 'Cred');
      if (cred) cmd.cred = readCred(cred);
      const data = optionalText(el, 'Data');
      if (data !== undefined) cmd.data = data;
      const corr = optionalText(el, 'Correlator');
      if (corr !== undefined) cmd.correlator = corr;
      cmd.items = readItems(el, undefined);
      return cmd;
    }
    case 'Atomic':
    case 'Sequence': {
      const cmd: Atomic | Sequence = { kind: el.name, cmdID, commands: [] };
      setCommon(cmd, el);
      const meta = optionalMeta(el);
      if (meta) cmd.meta = meta;
      for (const c of el.children) if (isCommandName(c.name)) cmd.commands.push(readCommand(c, depth + 1));
      return cmd;
    }
    case 'Results': {
      const meta = optionalMeta(el);
      // A stray <NoResp/> in Results (not in the DTD, and meaningless: Results get no Status) is ignored.
      const cmd: Results = { kind: 'Results', cmdID, cmdRef: requiredText(el, 'CmdRef'), targetRefs: texts(el, 'TargetRef'), sourceRefs: texts(el, 'SourceRef'), items: [] };
      const msgRef = optionalText(el, 'MsgRef');
      if (msgRef !== undefined) cmd.msgRef = msgRef;
      if (meta) cmd.meta = meta;
      cmd.items = readItems(el, meta);
      return cmd;
    }
    case 'Status': {
      const cmd: Status = {
        kind: 'Status',
        cmdID,
        msgRef: requiredText(el, 'MsgRef'),
        cmdRef: requiredText(el, 'CmdRef'),
        cmd: requiredText(el, 'Cmd'),
        targetRefs: texts(el, 'TargetRef'),
        sourceRefs: texts(el, 'SourceRef'),
        data: requiredText(el, 'Data'),
        items: [],
      };
      const cred = child(el, 'Cred');
      if (cred) cmd.cred = readCred(cred);
      const chal = child(el, 'Chal');
      if (chal) cmd.chal = { meta: optionalMeta(chal) ?? {} };
      cmd.items = readItems(el, undefined);
      return cmd;
    }
    default:
      return fail(`unsupported command <${el.name}>`, el);
  }
}

const COMMAND_NAMES = new Set(['Add', 'Alert', 'Atomic', 'Copy', 'Delete', 'Exec', 'Get', 'Replace', 'Results', 'Sequence', 'Status']);
/** Data synchronisation commands, never used in DM: a message carrying one is refused. */
const FOREIGN_COMMANDS = new Set(['Sync', 'Map', 'Put', 'Search', 'Move']);

function isCommandName(name: string): boolean {
  return COMMAND_NAMES.has(name) || FOREIGN_COMMANDS.has(name);
}

function readHeader(el: InElement): SyncHdr {
  const verDTD = requiredText(el, 'VerDTD');
  if (verDTD !== '1.2' && verDTD !== '1.1') fail(`unsupported VerDTD "${verDTD.slice(0, 20)}"`, el);
  const h: SyncHdr = {
    verDTD: verDTD as VerDTD,
    verProto: requiredText(el, 'VerProto'),
    sessionID: requiredText(el, 'SessionID'),
    msgID: requiredText(el, 'MsgID'),
    target: readLocTarget(required(el, 'Target')),
    source: readLocTarget(required(el, 'Source')),
  };
  const resp = optionalText(el, 'RespURI');
  if (resp !== undefined) h.respURI = resp;
  if (has(el, 'NoResp')) h.noResp = true;
  const cred = child(el, 'Cred');
  if (cred) h.cred = readCred(cred);
  const meta = optionalMeta(el);
  if (meta) h.meta = meta;
  return h;
}

/** The message of a decoded <SyncML> element. */
export function treeToMessage(root: InElement): SyncMLMessage {
  if (root.name !== 'SyncML') fail(`the root element is <${root.name}>, expected <SyncML>`, root);
  const header = readHeader(required(root, 'SyncHdr'));
  const bodyEl = required(root, 'SyncBody');
  const body: Command[] = [];
  let final = false;
  for (const c of bodyEl.children) {
    if (c.name === 'Final') final = true;
    else if (isCommandName(c.name)) body.push(readCommand(c, 0));
  }
  return { header, body, final };
}
