/**
 * The reference device's DM tree (OMA-TS-DM_TND, chapters 8.1-8.5): interior and leaf nodes
 * with a format, a Type, the DDF access types the node supports and an ACL per server id.
 *
 * Status order for every command: 414 (URI over the device's limits), 404 (no such node),
 * 405 (the node does not support the command), 425 (the ACL does not grant it to this server),
 * then the command's own outcome (418 for Add of an existing node, 400/415 for bad values).
 */
import type { ItemData, MetInf } from '../core/dm/model';
import type { NodeValue } from '../core/session/api';

export type NodeFormat = 'chr' | 'int' | 'bool' | 'bin' | 'node' | 'b64' | 'float' | 'date' | 'time' | 'null';
export type AclCommand = 'Add' | 'Delete' | 'Exec' | 'Get' | 'Replace';
/** ACL: for each command, the server ids allowed ('*' = every server). An empty ACL inherits the parent's. */
export type Acl = Partial<Record<AclCommand, string[]>>;
export type AccessType = AclCommand | 'Copy';

export const ALL_ACCESS: readonly AccessType[] = ['Add', 'Delete', 'Exec', 'Get', 'Replace', 'Copy'];

export interface TreeLimits {
  /** Most segments a URI may have below the root ('.'); 0 = no limit. */
  maxDepth: number;
  /** Longest URI in characters; 0 = no limit. */
  maxTotLen: number;
  /** Longest segment in characters; 0 = no limit. */
  maxSegLen: number;
}

export type ExecHandler = (options: { correlator?: string; data?: string }) => Promise<number> | number;
export type WriteHandler = (data: ItemData | undefined, meta: MetInf | undefined) => number;

export interface NodeSpec {
  format?: NodeFormat;
  type?: string;
  acl?: Acl;
  accessTypes?: readonly AccessType[];
  /** Permanent nodes cannot be deleted (405). */
  permanent?: boolean;
  title?: string;
  value?: ItemData;
  /** Computed value (battery level, state): read on every Get. */
  read?: () => ItemData;
  /** Intercepts a Replace of the value; returns the status. */
  write?: WriteHandler;
  exec?: ExecHandler;
}

export interface TreeNode {
  name: string;
  format: NodeFormat;
  type?: string;
  acl: Acl;
  accessTypes: readonly AccessType[];
  permanent: boolean;
  title?: string;
  value?: ItemData;
  read?: () => ItemData;
  write?: WriteHandler;
  exec?: ExecHandler;
  tstamp: string;
  verNo: number;
  children?: Map<string, TreeNode>;
}

export interface TreeGetResult {
  status: number;
  values: NodeValue[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Normalise a URI to the absolute './a/b' form: adds './', drops a trailing '/', folds '//' ('.' is the root). */
export function normaliseUri(uri: string): string {
  let u = uri.trim();
  if (u === '' || u === '.' || u === './' || u === '/') return '.';
  if (u.startsWith('./')) u = u.slice(2);
  else if (u.startsWith('/')) u = u.slice(1);
  const segs = u.split('/').filter((s) => s.length > 0);
  return segs.length === 0 ? '.' : './' + segs.join('/');
}

export function segmentsOf(uri: string): string[] {
  const n = normaliseUri(uri);
  return n === '.' ? [] : n.slice(2).split('/');
}

/** Split `uri?prop=Type` / `uri?list=Struct` into the node URI and its query. */
export function splitQuery(uri: string): { path: string; prop?: string; list?: string; badQuery?: boolean } {
  const q = uri.indexOf('?');
  if (q < 0) return { path: uri };
  const path = uri.slice(0, q);
  const query = uri.slice(q + 1);
  const eq = query.indexOf('=');
  const key = eq < 0 ? query : query.slice(0, eq);
  const value = eq < 0 ? '' : query.slice(eq + 1);
  if (key === 'prop' && value) return { path, prop: value };
  if (key === 'list' && value) return { path, list: value };
  return { path, badQuery: true };
}

export function formatAcl(acl: Acl): string {
  const order: AclCommand[] = ['Add', 'Delete', 'Exec', 'Get', 'Replace'];
  return order
    .filter((c) => acl[c] && acl[c].length > 0)
    .map((c) => `${c}=${(acl[c] ?? []).join('+')}`)
    .join('&');
}

/** Parse 'Add=srv1+srv2&Get=*'; undefined when malformed. */
export function parseAcl(text: string): Acl | undefined {
  const acl: Acl = {};
  if (text.trim() === '') return acl;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const cmd = part.slice(0, eq) as AclCommand;
    if (!['Add', 'Delete', 'Exec', 'Get', 'Replace'].includes(cmd)) return undefined;
    const ids = part
      .slice(eq + 1)
      .split('+')
      .filter((s) => s.length > 0);
    if (ids.length === 0) return undefined;
    acl[cmd] = [...(acl[cmd] ?? []), ...ids];
  }
  return acl;
}

function aclIsEmpty(acl: Acl): boolean {
  return Object.values(acl).every((v) => !v || v.length === 0);
}

function textOf(data: ItemData | undefined): string {
  if (data === undefined) return '';
  return typeof data === 'string' ? data : decoder.decode(data);
}

function nowStamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

export class DmTree {
  readonly root: TreeNode;
  readonly limits: TreeLimits;

  constructor(limits: Partial<TreeLimits> = {}, rootAcl: Acl = { Get: ['*'], Add: ['*'], Replace: ['*'] }) {
    this.limits = { maxDepth: limits.maxDepth ?? 0, maxTotLen: limits.maxTotLen ?? 0, maxSegLen: limits.maxSegLen ?? 0 };
    this.root = {
      name: '.',
      format: 'node',
      acl: rootAcl,
      accessTypes: ['Get', 'Add', 'Replace'],
      permanent: true,
      tstamp: nowStamp(),
      verNo: 0,
      children: new Map(),
    };
  }

  // ---- definition (the device itself, no ACL checks) ----

  /** Create or update an interior node (and any missing ancestors). */
  defineInterior(uri: string, spec: NodeSpec = {}): TreeNode {
    return this.define(uri, { ...spec, format: 'node' });
  }

  defineLeaf(uri: string, spec: NodeSpec & { format: NodeFormat }): TreeNode {
    return this.define(uri, spec);
  }

  private define(uri: string, spec: NodeSpec): TreeNode {
    const segs = segmentsOf(uri);
    let node = this.root;
    segs.forEach((seg, i) => {
      const children = node.children;
      if (!children) throw new Error(`${uri}: ${seg} is below a leaf`);
      let next = children.get(seg);
      const last = i === segs.length - 1;
      if (!next) {
        next = this.makeNode(seg, last ? spec : { format: 'node' });
        children.set(seg, next);
      } else if (last) {
        const fresh = this.makeNode(seg, spec);
        if (next.children && fresh.children) fresh.children = next.children;
        children.set(seg, fresh);
        next = fresh;
      }
      node = next;
    });
    return node;
  }

  private makeNode(name: string, spec: NodeSpec): TreeNode {
    const format = spec.format ?? 'chr';
    const interior = format === 'node';
    const node: TreeNode = {
      name,
      format,
      acl: spec.acl ?? {},
      accessTypes: spec.accessTypes ?? (interior ? ['Get', 'Add', 'Delete', 'Replace'] : ['Get', 'Replace', 'Delete', 'Add']),
      permanent: spec.permanent ?? false,
      tstamp: nowStamp(),
      verNo: 0,
    };
    if (spec.type !== undefined) node.type = spec.type;
    if (spec.title !== undefined) node.title = spec.title;
    if (spec.value !== undefined) node.value = spec.value;
    if (spec.read) node.read = spec.read;
    if (spec.write) node.write = spec.write;
    if (spec.exec) node.exec = spec.exec;
    if (interior) node.children = new Map();
    return node;
  }

  /** The node at `uri`, or undefined. */
  find(uri: string): TreeNode | undefined {
    let node: TreeNode | undefined = this.root;
    for (const seg of segmentsOf(uri)) {
      node = node?.children?.get(seg);
      if (!node) return undefined;
    }
    return node;
  }

  /** Read a leaf's value as text, without ACL checks (device internal). */
  text(uri: string): string | undefined {
    const n = this.find(uri);
    if (!n || n.format === 'node') return undefined;
    return textOf(n.read ? n.read() : n.value);
  }

  /** Set a leaf's stored value, without ACL checks (device internal). */
  set(uri: string, value: ItemData): void {
    const n = this.find(uri);
    if (!n) throw new Error(`no node ${uri}`);
    n.value = value;
    n.tstamp = nowStamp();
    n.verNo = (n.verNo + 1) % 65536;
  }

  remove(uri: string): void {
    const segs = segmentsOf(uri);
    const parent = this.find('./' + segs.slice(0, -1).join('/'));
    parent?.children?.delete(segs[segs.length - 1] ?? '');
  }

  /** Children names of an interior node. */
  childNames(uri: string): string[] {
    return [...(this.find(uri)?.children?.keys() ?? [])];
  }

  // ---- checks ----

  /** 414 when the URI is over the device's limits, else 200. */
  checkLimits(uri: string): number {
    const { maxDepth, maxTotLen, maxSegLen } = this.limits;
    const path = splitQuery(uri).path;
    const segs = segmentsOf(path);
    if (maxTotLen > 0 && normaliseUri(path).length > maxTotLen) return 414;
    if (maxDepth > 0 && segs.length > maxDepth) return 414;
    if (maxSegLen > 0 && segs.some((s) => s.length > maxSegLen)) return 414;
    return 200;
  }

  /** The ACL in force for a node: its own, or the nearest ancestor's non-empty one. */
  effectiveAcl(uri: string): Acl {
    const segs = segmentsOf(uri);
    let acl = this.root.acl;
    let node: TreeNode | undefined = this.root;
    for (const seg of segs) {
      node = node?.children?.get(seg);
      if (!node) break;
      if (!aclIsEmpty(node.acl)) acl = node.acl;
    }
    return acl;
  }

  allowed(serverId: string, uri: string, cmd: AclCommand): boolean {
    const ids = this.effectiveAcl(uri)[cmd] ?? [];
    return ids.includes('*') || ids.includes(serverId);
  }

  private parentUri(uri: string): string {
    const segs = segmentsOf(uri);
    return segs.length <= 1 ? '.' : './' + segs.slice(0, -1).join('/');
  }

  // ---- commands as a server sends them ----

  get(serverId: string, uri: string): TreeGetResult {
    const lim = this.checkLimits(uri);
    if (lim !== 200) return { status: lim, values: [] };
    const q = splitQuery(uri);
    if (q.badQuery) return { status: 400, values: [] };
    const node = this.find(q.path);
    if (!node) return { status: 404, values: [] };
    const path = normaliseUri(q.path);
    if (q.prop !== undefined) return this.getProp(serverId, path, node, q.prop, uri);
    if (q.list !== undefined) return this.getList(serverId, path, node, q.list);
    if (!node.accessTypes.includes('Get')) return { status: 405, values: [] };
    if (!this.allowed(serverId, path, 'Get')) return { status: 425, values: [] };
    return { status: 200, values: [this.valueOf(path, node)] };
  }

  private valueOf(path: string, node: TreeNode): NodeValue {
    if (node.format === 'node') {
      const v: NodeValue = { uri: path, format: 'node', data: [...(node.children?.keys() ?? [])].join('/') };
      if (node.type !== undefined) v.type = node.type;
      return v;
    }
    const data = node.read ? node.read() : (node.value ?? '');
    const v: NodeValue = { uri: path, format: node.format, data };
    v.type = node.type ?? (node.format === 'bin' ? 'application/octet-stream' : 'text/plain');
    return v;
  }

  private getProp(serverId: string, path: string, node: TreeNode, prop: string, uri: string): TreeGetResult {
    // Properties are readable by whoever may Get the node (ACL itself: also the node's Get right).
    if (!this.allowed(serverId, path, 'Get')) return { status: 425, values: [] };
    let data: string;
    switch (prop) {
      case 'ACL':
        data = formatAcl(node.acl);
        break;
      case 'Format':
        data = node.format;
        break;
      case 'Type':
        data = node.type ?? (node.format === 'node' ? '' : node.format === 'bin' ? 'application/octet-stream' : 'text/plain');
        break;
      case 'Name':
        data = node.name;
        break;
      case 'Title':
        if (node.title === undefined) return { status: 404, values: [] };
        data = node.title;
        break;
      case 'Size': {
        if (node.format === 'node') return { status: 406, values: [] };
        const v = node.read ? node.read() : (node.value ?? '');
        data = String(typeof v === 'string' ? encoder.encode(v).length : v.length);
        break;
      }
      case 'TStamp':
        data = node.tstamp;
        break;
      case 'VerNo':
        data = String(node.verNo);
        break;
      default:
        return { status: 406, values: [] };
    }
    return { status: 200, values: [{ uri, format: 'chr', data }] };
  }

  private getList(serverId: string, path: string, node: TreeNode, list: string): TreeGetResult {
    if (list !== 'Struct' && list !== 'StructData') return { status: 406, values: [] };
    if (!this.allowed(serverId, path, 'Get')) return { status: 425, values: [] };
    const values: NodeValue[] = [];
    const walk = (p: string, n: TreeNode): void => {
      if (!this.allowed(serverId, p, 'Get')) return;
      if (n.format === 'node') {
        const v: NodeValue = { uri: p, format: 'node' };
        if (n.type !== undefined) v.type = n.type;
        values.push(v);
        for (const [name, child] of n.children ?? []) walk(p === '.' ? `./${name}` : `${p}/${name}`, child);
      } else {
        const v: NodeValue = { uri: p, format: n.format };
        if (n.type !== undefined) v.type = n.type;
        if (list === 'StructData' && n.accessTypes.includes('Get')) v.data = n.read ? n.read() : (n.value ?? '');
        values.push(v);
      }
    };
    walk(path, node);
    return { status: 200, values };
  }

  replace(serverId: string, uri: string, data: ItemData | undefined, meta: MetInf | undefined): number {
    const lim = this.checkLimits(uri);
    if (lim !== 200) return lim;
    const q = splitQuery(uri);
    if (q.badQuery || q.list !== undefined) return 400;
    const node = this.find(q.path);
    if (!node) return 404;
    const path = normaliseUri(q.path);
    if (q.prop !== undefined) return this.replaceProp(serverId, path, node, q.prop, textOf(data));
    if (node.format === 'node' || !node.accessTypes.includes('Replace')) return 405;
    if (!this.allowed(serverId, path, 'Replace')) return 425;
    const fmt = meta?.format;
    if (fmt !== undefined && !formatCompatible(node.format, fmt)) return 415;
    if (node.write) {
      const st = node.write(data, meta);
      if (st < 300) this.touch(node);
      return st;
    }
    const checked = checkValue(node.format, data);
    if (typeof checked === 'number') return checked;
    node.value = checked;
    if (meta?.type !== undefined) node.type = meta.type;
    this.touch(node);
    return 200;
  }

  private replaceProp(serverId: string, path: string, node: TreeNode, prop: string, text: string): number {
    switch (prop) {
      case 'ACL': {
        // The ACL of a node may be changed by a server with Replace on the parent (the node itself for the root).
        const guard = path === '.' ? '.' : this.parentUri(path);
        if (!this.allowed(serverId, guard, 'Replace')) return 425;
        const acl = parseAcl(text);
        if (!acl) return 400;
        node.acl = acl;
        return 200;
      }
      case 'Title':
        if (!this.allowed(serverId, path, 'Replace')) return 425;
        node.title = text;
        return 200;
      case 'Name': {
        if (node.permanent || path === '.') return 405;
        if (!this.allowed(serverId, path, 'Replace')) return 425;
        const parent = this.find(this.parentUri(path));
        if (!text || text.includes('/') || parent?.children?.has(text)) return text ? 418 : 400;
        parent?.children?.delete(node.name);
        node.name = text;
        parent?.children?.set(text, node);
        return 200;
      }
      case 'Format':
      case 'Type':
      case 'Size':
      case 'TStamp':
      case 'VerNo':
        return 405;
      default:
        return 406;
    }
  }

  add(serverId: string, uri: string, data: ItemData | undefined, meta: MetInf | undefined): number {
    const lim = this.checkLimits(uri);
    if (lim !== 200) return lim;
    const q = splitQuery(uri);
    if (q.badQuery || q.prop !== undefined || q.list !== undefined) return 405;
    const path = normaliseUri(q.path);
    if (path === '.') return 418;
    if (this.find(path)) return 418;
    // The nearest existing ancestor must be interior and grant Add; missing interior parents are created.
    const segs = segmentsOf(path);
    let depth = segs.length - 1;
    let anc: TreeNode | undefined;
    for (; depth >= 0; depth--) {
      anc = this.find(depth === 0 ? '.' : './' + segs.slice(0, depth).join('/'));
      if (anc) break;
    }
    if (!anc) return 404;
    const ancPath = depth <= 0 ? '.' : './' + segs.slice(0, depth).join('/');
    if (anc.format !== 'node' || !anc.accessTypes.includes('Add')) return 405;
    if (!this.allowed(serverId, ancPath, 'Add')) return 425;
    const format = (meta?.format ?? 'chr') as NodeFormat;
    if (!KNOWN_FORMATS.has(format)) return 415;
    let value: ItemData | undefined;
    if (format !== 'node') {
      const checked = checkValue(format, data);
      if (typeof checked === 'number') return checked;
      value = checked;
    }
    const spec: NodeSpec = { format };
    if (meta?.type !== undefined) spec.type = meta.type;
    if (value !== undefined) spec.value = value;
    this.define(path, spec);
    return 200;
  }

  delete(serverId: string, uri: string): number {
    const lim = this.checkLimits(uri);
    if (lim !== 200) return lim;
    const q = splitQuery(uri);
    if (q.badQuery || q.prop !== undefined || q.list !== undefined) return 405;
    const path = normaliseUri(q.path);
    const node = this.find(path);
    if (!node) return 404;
    if (path === '.' || node.permanent || !node.accessTypes.includes('Delete')) return 405;
    if (!this.allowed(serverId, path, 'Delete')) return 425;
    this.remove(path);
    return 200;
  }

  /** Checks for Exec; the caller runs the node's handler when this returns 200. */
  checkExec(serverId: string, uri: string): number {
    const lim = this.checkLimits(uri);
    if (lim !== 200) return lim;
    const path = normaliseUri(uri);
    const node = this.find(path);
    if (!node) return 404;
    if (!node.exec || !node.accessTypes.includes('Exec')) return 405;
    if (!this.allowed(serverId, path, 'Exec')) return 425;
    return 200;
  }

  async exec(serverId: string, uri: string, options: { correlator?: string; data?: string }): Promise<number> {
    const st = this.checkExec(serverId, uri);
    if (st !== 200) return st;
    const node = this.find(uri);
    return node?.exec ? await node.exec(options) : 405;
  }

  /** Checks for a large-object Replace/Add: the same as Replace without running it. */
  checkReplace(serverId: string, uri: string): number {
    const lim = this.checkLimits(uri);
    if (lim !== 200) return lim;
    const path = normaliseUri(uri);
    const node = this.find(path);
    if (!node) return 404;
    if (node.format === 'node' || !node.accessTypes.includes('Replace')) return 405;
    if (!this.allowed(serverId, path, 'Replace')) return 425;
    return 200;
  }

  private touch(node: TreeNode): void {
    node.tstamp = nowStamp();
    node.verNo = (node.verNo + 1) % 65536;
  }
}

const KNOWN_FORMATS = new Set<string>(['chr', 'int', 'bool', 'bin', 'node', 'b64', 'float', 'date', 'time', 'null']);

function formatCompatible(node: NodeFormat, given: string): boolean {
  if (given === node) return true;
  // Binary data travels as b64 in XML and as bin (opaque) in WBXML.
  if ((node === 'bin' || node === 'b64') && (given === 'bin' || given === 'b64')) return true;
  // Many servers label every simple value chr.
  if (given === 'chr' && (node === 'int' || node === 'bool' || node === 'float' || node === 'date' || node === 'time')) return true;
  return false;
}

/** Validate and normalise a value for a format: the stored value, or a status (400 bad value). */
function checkValue(format: NodeFormat, data: ItemData | undefined): ItemData | number {
  switch (format) {
    case 'int': {
      const t = textOf(data).trim();
      return /^-?\d+$/.test(t) ? t : 400;
    }
    case 'bool': {
      const t = textOf(data).trim().toLowerCase();
      return t === 'true' || t === 'false' ? t : 400;
    }
    case 'bin':
    case 'b64':
      return data === undefined ? new Uint8Array(0) : typeof data === 'string' ? encoder.encode(data) : data;
    case 'null':
      return '';
    default:
      return textOf(data);
  }
}
