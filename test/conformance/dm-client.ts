/**
 * A small OMA DM 1.2 client written from the specification, not from src/core: its own XML and
 * WBXML (tokens from DM representation / the WBXML definition), its own MD5 and HMAC arithmetic
 * (DM security 5.1 with node:crypto), and plain HTTP POSTs (DM HTTP binding). It builds each
 * message as an element tree by hand, so a test can send exactly what a spec rule is about.
 */
import { createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';

// ------------------------------------------------------------------ element trees

export interface El {
  name: string;
  children: El[];
  text?: string;
  bytes?: Uint8Array;
}

export function el(name: string, ...content: Array<El | string | Uint8Array | undefined | false>): El {
  const e: El = { name, children: [] };
  for (const c of content) {
    if (c === undefined || c === false) continue;
    if (typeof c === 'string') e.text = (e.text ?? '') + c;
    else if (c instanceof Uint8Array) e.bytes = c;
    else e.children.push(c);
  }
  return e;
}

export function child(e: El | undefined, path: string): El | undefined {
  let cur = e;
  for (const part of path.split('/')) {
    cur = cur?.children.find((c) => c.name === part);
    if (!cur) return undefined;
  }
  return cur;
}

export function children(e: El | undefined, name: string): El[] {
  return e ? e.children.filter((c) => c.name === name) : [];
}

export function textOf(e: El | undefined, path?: string): string | undefined {
  const t = path ? child(e, path) : e;
  if (!t) return undefined;
  if (t.text !== undefined) return t.text.trim();
  if (t.bytes) return new TextDecoder().decode(t.bytes).trim();
  return t.children.length === 0 ? '' : undefined;
}

// ------------------------------------------------------------------ XML

const METINF = new Set(['Anchor', 'EMI', 'Format', 'FreeID', 'FreeMem', 'Last', 'Mark', 'MaxMsgSize', 'Mem', 'MetInf', 'Next', 'NextNonce', 'SharedMem', 'Size', 'Type', 'Version', 'MaxObjSize', 'FieldLevel']);

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function toXml(e: El, inMeta = false, root = true): string {
  const meta = inMeta || e.name === 'Meta';
  const ns = root ? ' xmlns="SYNCML:SYNCML1.2"' : inMeta && METINF.has(e.name) ? ' xmlns="syncml:metinf"' : '';
  const body = e.children.map((c) => toXml(c, meta, false)).join('') + (e.bytes ? Buffer.from(e.bytes).toString('base64') : escape(e.text ?? ''));
  return body === '' ? `<${e.name}${ns}/>` : `<${e.name}${ns}>${body}</${e.name}>`;
}

const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-f]+|#\d+);/gi, (_m, g: string) => {
    const map: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (g[0] === '#') return String.fromCodePoint(g[1] === 'x' || g[1] === 'X' ? parseInt(g.slice(2), 16) : parseInt(g.slice(1), 10));
    return map[g.toLowerCase()] ?? '';
  });

/** Just enough XML for SyncML: elements, text, CDATA, comments, a declaration; attributes ignored. */
export function parseXml(text: string): El {
  let i = 0;
  const stack: El[] = [{ name: '#doc', children: [] }];
  while (i < text.length) {
    if (text.startsWith('<?', i) || text.startsWith('<!--', i) || text.startsWith('<!DOCTYPE', i)) {
      const end = text.startsWith('<!--', i) ? text.indexOf('-->', i) + 3 : text.indexOf('>', i) + 1;
      if (end <= 0) throw new Error('unterminated markup');
      i = end;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      const top = stack[stack.length - 1]!;
      top.text = (top.text ?? '') + text.slice(i + 9, end);
      i = end + 3;
    } else if (text.startsWith('</', i)) {
      const end = text.indexOf('>', i);
      const name = text.slice(i + 2, end).trim().replace(/^.*:/, '');
      const top = stack.pop()!;
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      i = end + 1;
    } else if (text[i] === '<') {
      const end = text.indexOf('>', i);
      const raw = text.slice(i + 1, end);
      const selfClosing = raw.endsWith('/');
      const name = raw.replace(/\/$/, '').trim().split(/\s+/)[0]!.replace(/^.*:/, '');
      const e: El = { name, children: [] };
      stack[stack.length - 1]!.children.push(e);
      if (!selfClosing) stack.push(e);
      i = end + 1;
    } else {
      const end = text.indexOf('<', i) < 0 ? text.length : text.indexOf('<', i);
      const chunk = unescape(text.slice(i, end));
      const top = stack[stack.length - 1]!;
      if (chunk.trim() !== '') top.text = (top.text ?? '') + chunk;
      i = end;
    }
  }
  if (stack.length !== 1) throw new Error('unclosed element');
  return stack[0]!.children[0]!;
}

// ------------------------------------------------------------------ WBXML (SyncML 1.2 code pages)

const PAGE0 = ['Add', 'Alert', 'Archive', 'Atomic', 'Chal', 'Cmd', 'CmdID', 'CmdRef', 'Copy', 'Cred', 'Data', 'Delete', 'Exec', 'Final', 'Get', 'Item', 'Lang', 'LocName', 'LocURI', 'Map', 'MapItem', 'Meta', 'MsgID', 'MsgRef', 'NoResp', 'NoResults', 'Put', 'Replace', 'RespURI', 'Results', 'Search', 'Sequence', 'SessionID', 'SftDel', 'Source', 'SourceRef', 'Status', 'Sync', 'SyncBody', 'SyncHdr', 'SyncML', 'Target', 'TargetRef', '', 'VerDTD', 'VerProto', 'NumberOfChanges', 'MoreData', 'Field', 'Filter', 'Record', 'FilterType', 'SourceParent', 'TargetParent', 'Move', 'Correlator'];
const PAGE1 = ['Anchor', 'EMI', 'Format', 'FreeID', 'FreeMem', 'Last', 'Mark', 'MaxMsgSize', 'Mem', 'MetInf', 'Next', 'NextNonce', 'SharedMem', 'Size', 'Type', 'Version', 'MaxObjSize', 'FieldLevel'];
const tokenOf = (page: string[], name: string) => page.indexOf(name) + 5;

function mbUint(n: number): number[] {
  const out = [n & 0x7f];
  for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) out.unshift((n & 0x7f) | 0x80);
  return out;
}

/** WBXML 1.2, public id 0x1201 (or the FPI in the string table, `nulInTable` false to leave out its NUL). */
export function toWbxml(e: El, options: { fpiInTable?: boolean; nulInTable?: boolean } = {}): Uint8Array {
  const out: number[] = [0x02];
  if (options.fpiInTable) {
    const fpi = [...Buffer.from('-//SYNCML//DTD SyncML 1.2//EN'), ...(options.nulInTable === false ? [] : [0])];
    out.push(0x00, 0x00, 0x6a, ...mbUint(fpi.length), ...fpi);
  } else out.push(0xa4, 0x01, 0x6a, 0x00);
  let page = 0;
  const write = (x: El, inMeta: boolean) => {
    const meta = inMeta && PAGE1.includes(x.name);
    const want = meta ? 1 : 0;
    if (want !== page) {
      out.push(0x00, want);
      page = want;
    }
    const token = meta ? tokenOf(PAGE1, x.name) : tokenOf(PAGE0, x.name);
    if (token < 5) throw new Error(`no token for ${x.name}`);
    const has = x.children.length > 0 || x.text !== undefined || x.bytes !== undefined;
    out.push(token | (has ? 0x40 : 0));
    if (!has) return;
    for (const c of x.children) write(c, inMeta || x.name === 'Meta' || x.name === 'Chal');
    if (x.text !== undefined) out.push(0x03, ...Buffer.from(x.text, 'utf8'), 0x00);
    if (x.bytes) out.push(0xc3, ...mbUint(x.bytes.length), ...x.bytes);
    out.push(0x01);
  };
  write(e, false);
  return Uint8Array.from(out);
}

export function parseWbxml(b: Uint8Array): El {
  let i = 1;
  const mb = () => {
    let n = 0;
    for (;;) {
      const x = b[i++]!;
      n = n * 128 + (x & 0x7f);
      if (!(x & 0x80)) return n;
    }
  };
  if (mb() === 0) mb();
  mb(); // charset
  const tableLen = mb();
  const table = b.subarray(i, i + tableLen);
  i += tableLen;
  let page = 0;
  const root: El = { name: '#doc', children: [] };
  const stack: El[] = [root];
  while (i < b.length) {
    const t = b[i++]!;
    const top = stack[stack.length - 1]!;
    if (t === 0x00) page = b[i++]!;
    else if (t === 0x01) stack.pop();
    else if (t === 0x03) {
      const end = b.indexOf(0, i);
      top.text = (top.text ?? '') + Buffer.from(b.subarray(i, end)).toString('utf8');
      i = end + 1;
    } else if (t === 0x83) {
      const at = mb();
      top.text = (top.text ?? '') + Buffer.from(table.subarray(at, table.indexOf(0, at))).toString('utf8');
    } else if (t === 0xc3) {
      const n = mb();
      top.bytes = b.slice(i, i + n);
      i += n;
    } else {
      const name = (page === 1 ? PAGE1 : PAGE0)[(t & 0x3f) - 5];
      if (!name) throw new Error(`unknown token 0x${t.toString(16)} on page ${page}`);
      const e: El = { name, children: [] };
      top.children.push(e);
      if (t & 0x40) stack.push(e);
    }
  }
  return root.children[0]!;
}

// ------------------------------------------------------------------ authentication arithmetic (DM security 5.1)

export const md5 = (...parts: Array<string | Uint8Array>): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
export const b64 = (x: Buffer | Uint8Array | string) => Buffer.from(x).toString('base64');

export const basicCred = (user: string, pass: string) => b64(`${user}:${pass}`);
/** B64(MD5(B64(MD5(user:pass)) + ":" + nonce)) */
export const md5Cred = (user: string, pass: string, nonce: Uint8Array) => b64(md5(b64(md5(`${user}:${pass}`)), ':', nonce));
/** B64(MD5(B64(MD5(user:pass)) + ":" + nonce + ":" + B64(MD5(body)))) */
export const hmacMac = (user: string, pass: string, nonce: Uint8Array, body: Uint8Array) => b64(md5(b64(md5(`${user}:${pass}`)), ':', nonce, ':', b64(md5(body))));

// ------------------------------------------------------------------ messages

export type Enc = 'xml' | 'wbxml';
export const CT: Record<Enc, string> = { xml: 'application/vnd.syncml.dm+xml', wbxml: 'application/vnd.syncml.dm+wbxml' };

export interface Reply {
  status: number;
  contentType: string;
  headers: Headers;
  bytes: Uint8Array;
  /** The decoded SyncML message (HTTP 200 only). */
  msg?: El;
}

export interface StatusInfo {
  cmdID: string;
  msgRef: string;
  cmdRef: string;
  cmd: string;
  data: string;
  chalType?: string;
  nextNonce?: Uint8Array;
}

export function statusesOf(msg: El): StatusInfo[] {
  return children(child(msg, 'SyncBody'), 'Status').map((s) => {
    const n = textOf(s, 'Chal/Meta/NextNonce');
    return {
      cmdID: textOf(s, 'CmdID') ?? '',
      msgRef: textOf(s, 'MsgRef') ?? '',
      cmdRef: textOf(s, 'CmdRef') ?? '',
      cmd: textOf(s, 'Cmd') ?? '',
      data: textOf(s, 'Data') ?? '',
      ...(textOf(s, 'Chal/Meta/Type') !== undefined ? { chalType: textOf(s, 'Chal/Meta/Type')! } : {}),
      ...(n !== undefined ? { nextNonce: Buffer.from(n, 'base64') } : {}),
    };
  });
}

export const headerStatus = (msg: El) => statusesOf(msg).find((s) => s.cmdRef === '0');
/** Commands of the server (not Status, not Final). */
export const commandsOf = (msg: El) => (child(msg, 'SyncBody')?.children ?? []).filter((c) => c.name !== 'Status' && c.name !== 'Final' && c.name !== 'Results');
export const isFinal = (msg: El) => child(msg, 'SyncBody/Final') !== undefined;

export interface ClientAccount {
  user: string;
  secret: string;
  type: 'basic' | 'md5' | 'hmac' | 'none';
  /** Nonce for the next client credentials (from the server's last NextNonce). */
  nonce: Uint8Array;
  /** What the server must present, and the nonce the client gave it. */
  serverUser: string;
  serverSecret: string;
  serverNonce: Uint8Array;
}

export interface ClientOptions {
  url: string;
  devId: string;
  serverId: string;
  encoding?: Enc;
  sessionId?: string;
  maxMsgSize?: number;
  maxObjSize?: number;
  account?: ClientAccount;
  /** Content-Type header to send (default the DM type of the encoding). */
  contentType?: string;
  /** How long one POST waits for its answer before the client gives up (default 30 s, common in phones). */
  requestTimeoutMs?: number;
  /** For an https URL: the CA certificate (PEM) the client trusts, as a phone trusts its operator's. */
  ca?: string | Buffer;
}

interface RawAnswer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/** One POST over HTTPS with only the given CA trusted (TLS 1.2 or later, the DM HTTP binding's floor). */
function postTls(url: string, headers: Record<string, string>, body: Uint8Array, ca: string | Buffer, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, ca, minVersion: 'TLSv1.2', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, headers: h, bytes: new Uint8Array(Buffer.concat(chunks)) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** One DM session of the client: numbers messages, follows RespURI, signs and checks credentials. */
export class DmClient {
  msgId = 0;
  target: string;
  readonly encoding: Enc;
  last: El | undefined;
  /** Send credentials on the next message (until the server says 212). */
  credNeeded = true;

  constructor(readonly o: ClientOptions) {
    this.target = o.url;
    this.encoding = o.encoding ?? 'xml';
  }

  header(extra: El[] = []): El {
    const a = this.o.account;
    const meta: El[] = [];
    if (this.o.maxMsgSize !== undefined) meta.push(el('MaxMsgSize', String(this.o.maxMsgSize)));
    if (this.o.maxObjSize !== undefined) meta.push(el('MaxObjSize', String(this.o.maxObjSize)));
    const cred =
      a && this.credNeeded && (a.type === 'basic' || a.type === 'md5')
        ? el('Cred', el('Meta', el('Format', 'b64'), el('Type', a.type === 'basic' ? 'syncml:auth-basic' : 'syncml:auth-md5')), el('Data', a.type === 'basic' ? basicCred(a.user, a.secret) : md5Cred(a.user, a.secret, a.nonce)))
        : undefined;
    return el(
      'SyncHdr',
      el('VerDTD', '1.2'),
      el('VerProto', 'DM/1.2'),
      el('SessionID', this.o.sessionId ?? '1'),
      el('MsgID', String(++this.msgId)),
      el('Target', el('LocURI', this.o.serverId)),
      el('Source', el('LocURI', this.o.devId), a && a.type !== 'none' ? el('LocName', a.user) : undefined),
      cred,
      meta.length ? el('Meta', ...meta) : undefined,
      ...extra,
    );
  }

  encode(msg: El): Uint8Array {
    return this.encoding === 'xml' ? Buffer.from(toXml(msg)) : toWbxml(msg);
  }

  /** POST one message (body commands numbered from 1) and decode the answer. */
  async send(body: El[], options: { final?: boolean; raw?: Uint8Array; header?: El } = {}): Promise<Reply> {
    let bytes = options.raw;
    if (!bytes) {
      let id = 0;
      const numbered = body.map((c) => (c.children.some((x) => x.name === 'CmdID') ? c : { ...c, children: [el('CmdID', String(++id)), ...c.children] }));
      const msg = el('SyncML', options.header ?? this.header(), el('SyncBody', ...numbered, options.final === false ? undefined : el('Final')));
      bytes = this.encode(msg);
    }
    return this.post(bytes);
  }

  async post(bytes: Uint8Array, extraHeaders: Record<string, string> = {}): Promise<Reply> {
    const headers: Record<string, string> = { 'content-type': this.o.contentType ?? CT[this.encoding], ...extraHeaders };
    const a = this.o.account;
    if (a?.type === 'hmac' && !('x-syncml-hmac' in extraHeaders)) {
      headers['x-syncml-hmac'] = `algorithm=MD5, username="${a.user}", mac=${hmacMac(a.user, a.secret, a.nonce, bytes)}`;
    }
    const timeoutMs = this.o.requestTimeoutMs ?? 30_000;
    let res: RawAnswer;
    if (this.o.ca !== undefined && this.target.startsWith('https:')) res = await postTls(this.target, headers, bytes, this.o.ca, timeoutMs);
    else {
      const f = await fetch(this.target, { method: 'POST', headers, body: bytes as Uint8Array<ArrayBuffer>, signal: AbortSignal.timeout(timeoutMs) });
      res = { status: f.status, headers: f.headers, bytes: new Uint8Array(await f.arrayBuffer()) };
    }
    const out = res.bytes;
    const reply: Reply = { status: res.status, contentType: res.headers.get('content-type') ?? '', headers: res.headers, bytes: out };
    if (res.status === 200) {
      reply.msg = reply.contentType.includes('wbxml') ? parseWbxml(out) : parseXml(Buffer.from(out).toString('utf8'));
      this.last = reply.msg;
      const resp = textOf(reply.msg, 'SyncHdr/RespURI');
      if (resp) this.target = resp;
      const hs = headerStatus(reply.msg);
      if (a && hs) {
        if (hs.nextNonce) a.nonce = hs.nextNonce;
        if (hs.data === '212') this.credNeeded = false;
      }
    }
    return reply;
  }
}

// ------------------------------------------------------------------ commands

export const alert = (code: string, ...items: El[]) => el('Alert', el('Data', code), ...items);
export const item = (opts: { source?: string; target?: string; data?: string | Uint8Array; meta?: El[]; moreData?: boolean }) =>
  el(
    'Item',
    opts.target ? el('Target', el('LocURI', opts.target)) : undefined,
    opts.source ? el('Source', el('LocURI', opts.source)) : undefined,
    opts.meta ? el('Meta', ...opts.meta) : undefined,
    opts.data !== undefined ? el('Data', opts.data) : undefined,
    opts.moreData ? el('MoreData') : undefined,
  );
export const devInfo = (devId: string, dmv = '1.2') =>
  el(
    'Replace',
    ...Object.entries({ DevId: devId, Man: 'Conformance', Mod: 'Spec Phone', DmV: dmv, Lang: 'en-US' }).map(([k, v]) => item({ source: `./DevInfo/${k}`, data: v })),
  );

/** The Status answering the server's command `cmd` of message `msg` (or its SyncHdr). */
export function statusFor(msg: El, cmd: El | 'SyncHdr', code: string, extra: El[] = []): El {
  const msgRef = textOf(msg, 'SyncHdr/MsgID')!;
  if (cmd === 'SyncHdr') {
    return el('Status', el('MsgRef', msgRef), el('CmdRef', '0'), el('Cmd', 'SyncHdr'), el('TargetRef', textOf(msg, 'SyncHdr/Target/LocURI')!), el('SourceRef', textOf(msg, 'SyncHdr/Source/LocURI')!), el('Data', code), ...extra);
  }
  return el('Status', el('MsgRef', msgRef), el('CmdRef', textOf(cmd, 'CmdID')!), el('Cmd', cmd.name), el('Data', code), ...extra);
}

export function resultsFor(msg: El, get: El, items: El[]): El {
  return el('Results', el('MsgRef', textOf(msg, 'SyncHdr/MsgID')!), el('CmdRef', textOf(get, 'CmdID')!), ...items);
}

export const targetOf = (cmd: El) => textOf(cmd, 'Item/Target/LocURI');
