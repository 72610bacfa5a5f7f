/**
 * The client side of a DM session: what the reference device and test clients run. It sends
 * package 1 (Alert 1200/1201, the ./DevInfo leaves, pending Generic Alerts), answers the
 * server's commands through a ClientHandler (Results for Get, a Status for everything,
 * 215 for commands bypassed after a user declined or cancelled), handles challenges in both
 * directions, reassembles large objects, asks for the next message with Alert 1222, and ends
 * when the server sends a final package without commands.
 */
import { systemClock, type Clock, type RandomSource } from '../clock';
import { KioskError } from '../errors';
import {
  CredentialPresenter,
  CredentialVerifier,
  MemoryAuthAccountStore,
  RESYNC_NONCE,
  type AuthAccount,
  type AuthAccountStore,
} from '../dm/auth';
import { encodedSize } from '../dm/codec';
import { LargeObjectReceiver, statusOfError } from '../dm/large-object';
import type { Alert, Atomic, Command, Encoding, Item, ItemCommand, MetInf, Results, Sequence, Status, SyncHdr, SyncMLMessage } from '../dm/model';
import { CommandTooLargeError, packMessage } from '../dm/packer';
import type { Link } from '../link';
import type { GenericAlert } from './api';
import type { ClientHandler, ClientSessionOptions, ClientSessionOutcome, CommandReply, UserInteraction } from './client-api';
import { alert, genericAlertCommand, isRealCommand, itemText, noResp, receiveMessage, sendMessage, statusFor, unencodable, type Received } from './wire';

export interface ClientSessionDeps {
  clock?: Clock;
  /** Needed when the client challenges the server (nonces). */
  random?: RandomSource;
  /** The client's accounts (credentials and nonces per server). */
  accounts?: AuthAccountStore;
  /** How long to wait for each server message (default 60 s). */
  timeoutMs?: number;
}

const UI_OPTION_KEYS = new Set(['MINDT', 'MAXDT', 'DR', 'MAXLEN', 'IT', 'ET']);

/** Parse `MINDT=10&MAXDT=20`: URL-decoded, unknown options skipped. */
export function parseUiOptions(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(part.slice(0, eq)).trim().toUpperCase();
      value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      continue;
    }
    if (UI_OPTION_KEYS.has(key)) out[key] = value;
  }
  return out;
}

interface ExecContext {
  msgID: string;
  /** Set once the user cancelled: every later command of this message gets 215. */
  cancelled: boolean;
}

class ClientSession {
  private msgID = 0;
  private owed: Command[] = [];
  private queue: Command[] = [];
  private serverFinalSeen = true;
  private inHello = true;
  private serverMaxMsgSize: number | undefined;
  private readonly encoding: Encoding;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly receiver: LargeObjectReceiver;
  private presenter: CredentialPresenter | undefined;
  private verifier: CredentialVerifier | undefined;
  private readonly sentAlerts = new Map<string, GenericAlert>();
  private readonly outcome: ClientSessionOutcome = {
    messagesSent: 0,
    messagesReceived: 0,
    serverAuthenticated: false,
    deliveredAlerts: [],
    undeliveredAlerts: [],
  };
  private resend = false;

  constructor(
    private readonly link: Link,
    private readonly options: ClientSessionOptions,
    private readonly handler: ClientHandler,
    private readonly deps: ClientSessionDeps,
  ) {
    this.encoding = options.encoding;
    this.clock = deps.clock ?? systemClock;
    this.timeoutMs = deps.timeoutMs ?? 60_000;
    this.receiver = new LargeObjectReceiver({ encoding: options.encoding, ...(options.maxObjSize !== undefined ? { maxObjSize: options.maxObjSize } : {}) });
  }

  private async setUpAuth(): Promise<void> {
    const o = this.options;
    const store = this.deps.accounts ?? new MemoryAuthAccountStore();
    const account: AuthAccount = (await store.get(o.devId, o.serverId)) ?? {
      deviceId: o.devId,
      serverId: o.serverId,
      clientName: '',
      clientSecret: '',
      serverName: '',
      serverSecret: '',
      clientNonce: '',
      serverNonce: '',
    };
    this.presenter = new CredentialPresenter({
      type: o.clientAuth ?? 'none',
      store,
      account,
      role: 'client-credentials',
      ...(o.resyncNonce ? { initialNonce: RESYNC_NONCE } : {}),
    });
    const serverAuth = o.serverAuth ?? 'none';
    if (serverAuth !== 'none') {
      const random = this.deps.random;
      if (!random) throw new KioskError('INTERNAL', { detail: 'checking server credentials needs a RandomSource' });
      this.verifier = new CredentialVerifier({
        requirement: serverAuth,
        store,
        account,
        random,
        role: 'server-credentials',
        ...(o.resyncNonce ? { acceptResyncNonce: true } : {}),
      });
    }
  }

  private helloCommands(): Command[] {
    const o = this.options;
    const cmds: Command[] = [alert(o.initiator === 'server' ? '1200' : '1201')];
    const items: Item[] = Object.entries(o.devInfo).map(([leaf, value]) => ({
      source: { locURI: `./DevInfo/${leaf}` },
      meta: { format: 'chr' },
      data: value,
    }));
    if (items.length) cmds.push({ kind: 'Replace', cmdID: '', items });
    return cmds;
  }

  private header(): SyncHdr {
    const o = this.options;
    const h: SyncHdr = {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: o.sessionId,
      msgID: String(++this.msgID),
      target: { locURI: o.serverUri ?? o.serverId },
      source: { locURI: o.devId },
    };
    const p = this.presenter;
    if (p?.mustSend) {
      h.source.locName = p.userName;
      const cred = p.cred();
      if (cred) h.cred = cred;
    }
    if (o.maxMsgSize !== undefined || o.maxObjSize !== undefined) {
      h.meta = { ...(o.maxMsgSize !== undefined ? { maxMsgSize: o.maxMsgSize } : {}), ...(o.maxObjSize !== undefined ? { maxObjSize: o.maxObjSize } : {}) };
    }
    return h;
  }

  private queueAlerts(alerts: GenericAlert[] | undefined): void {
    for (const g of alerts ?? []) {
      const cmd = genericAlertCommand(g);
      this.queue.push(cmd);
      this.alertOf.set(cmd, g);
    }
  }

  private readonly alertOf = new Map<Command, GenericAlert>();

  async run(): Promise<ClientSessionOutcome> {
    await this.setUpAuth();
    this.queue = this.helloCommands();
    this.queueAlerts(this.options.genericAlerts);
    try {
      for (;;) {
        this.queueAlerts(this.handler.takeGenericAlerts?.());
        await this.sendNext();
        const rx = await receiveMessage(this.link, this.clock, this.timeoutMs, 'server message');
        this.outcome.messagesReceived++;
        if (await this.process(rx)) break;
      }
    } catch (e) {
      await this.receiver.abort('session failed').catch(() => undefined);
      throw e;
    }
    await this.receiver.abort('session ended').catch(() => undefined);
    for (const cmd of this.queue) {
      const g = this.alertOf.get(cmd);
      if (g) this.outcome.undeliveredAlerts.push(g);
    }
    for (const g of this.sentAlerts.values()) this.outcome.undeliveredAlerts.push(g);
    return this.outcome;
  }

  private async sendNext(): Promise<void> {
    const header = this.header();
    const askNext = !this.serverFinalSeen;
    let packed;
    try {
      packed = packMessage({
        header,
        owed: this.owed,
        queue: this.queue,
        ...(askNext ? { always: [alert('1222')] } : {}),
        ...(this.serverMaxMsgSize !== undefined ? { maxMsgSize: this.serverMaxMsgSize } : {}),
        encoding: this.encoding,
        mayBeFinal: this.serverFinalSeen,
        sizer: encodedSize,
      });
    } catch (e) {
      if (e instanceof CommandTooLargeError) throw new KioskError('PROTOCOL_ERROR', { detail: e.message });
      throw unencodable(e);
    }
    this.owed = this.owed.slice(packed.owedTaken);
    for (const p of packed.placed) {
      const g = this.alertOf.get(p.command);
      if (g) this.sentAlerts.set(`${header.msgID}:${p.cmdID}`, g);
    }
    this.queue = this.queue.slice(packed.queueTaken);
    const p = this.presenter;
    await sendMessage(this.link, packed.message, this.encoding, (body) => (p?.mustSend ? p.hmacHeader(body) : undefined));
    this.outcome.messagesSent++;
  }

  /** Handle one server message; true when the session is over. */
  private async process(rx: Received): Promise<boolean> {
    const msg: SyncMLMessage = rx.message;
    const hdr = msg.header;
    if (hdr.respURI !== undefined) this.outcome.respURI = hdr.respURI;
    if (hdr.meta?.maxMsgSize !== undefined) this.serverMaxMsgSize = hdr.meta.maxMsgSize;
    // 1. The server's credentials. The Status for its SyncHdr opens the reply, before any
    // status still owed from an earlier message that did not fit (unshift, not push).
    let hdrStatus = 200;
    let chal: Status['chal'];
    // A final package without commands ends the session: the client must not answer it with
    // only a challenge (DM protocol 2.4), and there is nothing to protect by checking it.
    const closing = msg.final && !msg.body.some(isRealCommand);
    if (this.verifier && !closing) {
      const presented = {
        ...(hdr.cred ? { cred: hdr.cred } : {}),
        ...(hdr.source.locName !== undefined ? { locName: hdr.source.locName } : {}),
        ...(rx.payload.headers?.['x-syncml-hmac'] ? { hmacHeader: rx.payload.headers['x-syncml-hmac'] } : {}),
        body: rx.payload.body,
      };
      let v;
      try {
        v = await this.verifier.verify(presented);
      } catch (e) {
        // Second refusal of the server's credentials: say so (401, statuses only) and stop.
        this.owed.unshift(statusFor(hdr.msgID, { kind: 'SyncHdr', header: hdr }, 401));
        for (const c of msg.body) if (isRealCommand(c) && !noResp(c)) this.owed.push(statusFor(hdr.msgID, c, 401));
        this.queue = [];
        this.serverFinalSeen = true;
        await this.sendNext().catch(() => undefined);
        throw e;
      }
      hdrStatus = v.status;
      chal = v.chal;
      if (v.authenticated) this.outcome.serverAuthenticated = true;
    }
    this.owed.unshift(statusFor(hdr.msgID, { kind: 'SyncHdr', header: hdr }, hdrStatus, chal ? { chal } : {}));
    const trusted = hdrStatus === 200 || hdrStatus === 212;
    // 2. Statuses for what the client sent.
    this.resend = false;
    for (const c of msg.body) if (c.kind === 'Status') await this.onStatus(c);
    if (this.resend) {
      // Challenged: revert to package 1 with credentials (DM protocol 2.4), commands unexecuted.
      if (this.inHello) {
        const pendingAlerts = this.queue.filter((c) => this.alertOf.has(c));
        this.queue = [...this.helloCommands(), ...[...this.sentAlerts.entries()].map(([k, g]) => {
          this.sentAlerts.delete(k);
          const cmd = genericAlertCommand(g);
          this.alertOf.set(cmd, g);
          return cmd;
        }), ...pendingAlerts];
      }
    }
    // 3. The server's commands.
    const ctx: ExecContext = { msgID: hdr.msgID, cancelled: false };
    let realCommands = 0;
    let onlyNextMessage = true;
    for (const c of msg.body) {
      if (!isRealCommand(c)) continue;
      realCommands++;
      if (!(c.kind === 'Alert' && c.data === '1222')) onlyNextMessage = false;
      if (!trusted || this.resend) {
        if (!noResp(c)) this.owed.push(statusFor(hdr.msgID, c, trusted ? 215 : hdrStatus));
        continue;
      }
      await this.execute(c, ctx, undefined);
    }
    if (!(realCommands > 0 && onlyNextMessage && !msg.final)) this.serverFinalSeen = msg.final;
    const challengedServer = hdrStatus === 401 || hdrStatus === 407;
    if (msg.final && realCommands === 0 && !challengedServer && !this.resend) return true;
    return false;
  }

  private async onStatus(s: Status): Promise<void> {
    if (s.cmdRef === '0' || s.cmd === 'SyncHdr') {
      const code = Number(s.data);
      const p = this.presenter;
      if (!p) return;
      if (code === 401 || code === 407) {
        const acc = p;
        if (!acc.userName) throw new KioskError('AUTH_FAILED', { detail: 'the server asks for credentials and none are set up' });
      }
      const r = await p.onHeaderStatus(code, s.chal);
      if (r === 'resend') this.resend = true;
      else if (code === 200 || code === 212) this.inHello = false;
      return;
    }
    const key = `${s.msgRef}:${s.cmdRef}`;
    const g = this.sentAlerts.get(key);
    if (g) {
      this.sentAlerts.delete(key);
      const code = Number(s.data);
      if (code === 200 || code === 202) this.outcome.deliveredAlerts.push(g);
      // Not executed because of authentication: send it again; refused otherwise: report it.
      else if (code === 401 || code === 407) this.queueAlerts([g]);
      else this.outcome.undeliveredAlerts.push(g);
    }
  }

  private push(c: Command): void {
    this.owed.push(c);
  }

  private status(msgID: string, c: Command, code: number, items: Item[] = []): void {
    if (!noResp(c)) this.push(statusFor(msgID, c, code, items.length ? { items } : {}));
  }

  /**
   * Execute one command. `group` is the enclosing Sequence/Atomic, whose rules for a declined
   * confirmation differ. Returns the command's status code.
   */
  private async execute(c: Command, ctx: ExecContext, group: { kind: 'Sequence' | 'Atomic'; declined: boolean } | undefined): Promise<number> {
    if (c.kind === 'Status' || c.kind === 'Results') return 200;
    // A new command while a chunked object is open interrupts it (DM protocol 2.2).
    const first = 'items' in c ? (c.items as Item[])[0] : undefined;
    if (this.receiver.active && !(first && (c.kind === 'Replace' || c.kind === 'Add') && this.receiver.continues(c.kind, first)) && !(c.kind === 'Alert' && c.data === '1222')) {
      const cut = await this.receiver.interrupt();
      if (cut) {
        this.push(alert('1225', [{ target: { locURI: cut.uri } }]));
        if (cut.ref) this.push({ kind: 'Status', cmdID: '', msgRef: cut.ref.msgRef, cmdRef: cut.ref.cmdRef, cmd: cut.ref.cmd, targetRefs: [cut.uri], sourceRefs: [], data: '412', items: [] });
      }
    }
    if (ctx.cancelled || group?.declined) {
      this.status(ctx.msgID, c, 215);
      return 215;
    }
    const owedBefore = this.owed.length;
    try {
      return await this.dispatch(c, ctx, group);
    } catch (e) {
      // Protocol-level failures end the session; a handler that throws fails just its command.
      if (e instanceof KioskError) throw e;
      this.owed.length = owedBefore;
      const code = statusOfError(e);
      this.status(ctx.msgID, c, code);
      return code;
    }
  }

  private async dispatch(c: Exclude<Command, Status | Results>, ctx: ExecContext, group: { kind: 'Sequence' | 'Atomic'; declined: boolean } | undefined): Promise<number> {
    switch (c.kind) {
      case 'Sequence':
      case 'Atomic':
        return this.executeGroup(c, ctx);
      case 'Alert':
        return this.executeAlert(c, ctx, group);
      case 'Get':
        return this.executeGet(c, ctx);
      case 'Replace':
      case 'Add':
        return this.executeWrite(c, ctx);
      case 'Delete': {
        const code = await this.eachItem(c, (item) => this.handler.delete(item.target?.locURI ?? ''));
        this.status(ctx.msgID, c, code);
        return code;
      }
      case 'Copy': {
        const copy = this.handler.copy?.bind(this.handler);
        const code = copy ? await this.eachItem(c, (item) => copy(item.target?.locURI ?? '', item.source?.locURI ?? '')) : 406;
        this.status(ctx.msgID, c, code);
        return code;
      }
      case 'Exec': {
        const correlator = c.correlator;
        const code = await this.eachItem(c, (item) => {
          const data = itemText(item.data);
          return this.handler.exec(item.target?.locURI ?? '', { ...(correlator !== undefined ? { correlator } : {}), ...(data !== undefined ? { data } : {}) });
        });
        this.status(ctx.msgID, c, code);
        return code;
      }
    }
  }

  private async eachItem(c: { items: Item[] }, run: (item: Item) => Promise<CommandReply>): Promise<number> {
    let code = 200;
    for (const item of c.items) {
      const r = await run(item);
      if (code < 300 && (r.status >= 300 || code === 200)) code = r.status;
    }
    return code;
  }

  private async executeGroup(c: Sequence | Atomic, ctx: ExecContext): Promise<number> {
    const group = { kind: c.kind, declined: false };
    let failed = false;
    // The group's own Status goes before its children's.
    const at = this.owed.length;
    for (const child of c.commands) {
      const code = await this.execute(child, ctx, group);
      if (code >= 300 && code !== 304) failed = true;
    }
    // Atomic: a declined confirmation or any failure fails the whole (no partial commit is
    // possible through the handler, so the executed children keep their own statuses).
    const code = c.kind === 'Atomic' && (failed || group.declined) ? 507 : 200;
    if (!c.noResp) this.owed.splice(at, 0, statusFor(ctx.msgID, c, code));
    return code;
  }

  private async executeAlert(c: Alert, ctx: ExecContext, group: { kind: 'Sequence' | 'Atomic'; declined: boolean } | undefined): Promise<number> {
    const code = Number(c.data);
    if (code === 1222) {
      this.status(ctx.msgID, c, 200);
      return 200;
    }
    if (code === 1223) throw new KioskError('SESSION_ABORTED', { detail: 'the server sent Alert 1223' });
    if (code >= 1100 && code <= 1104) {
      const ui: UserInteraction = {
        code: code as UserInteraction['code'],
        options: parseUiOptions(itemText(c.items[0]?.data)),
        text: itemText(c.items[1]?.data) ?? '',
        choices: c.items.slice(2).map((i) => itemText(i.data) ?? ''),
      };
      const reply = await this.handler.userInteraction(ui);
      this.status(ctx.msgID, c, reply.status, (reply.data ?? []).map((d) => ({ data: d })));
      if (reply.status === 214) ctx.cancelled = true;
      if (code === 1101 && reply.status === 304 && group) group.declined = true;
      return reply.status;
    }
    this.status(ctx.msgID, c, 406);
    return 406;
  }

  private async executeGet(c: ItemCommand, ctx: ExecContext): Promise<number> {
    let code = 200;
    const items: Item[] = [];
    for (const item of c.items) {
      const uri = item.target?.locURI ?? '';
      const r = await this.handler.get(uri);
      if (r.status !== 200 && code === 200) code = r.status;
      for (const v of r.values ?? []) {
        const meta: MetInf = {};
        if (v.format) meta.format = v.format;
        if (v.type) meta.type = v.type;
        items.push({ source: { locURI: v.uri }, ...(Object.keys(meta).length ? { meta } : {}), ...(v.data !== undefined ? { data: v.data } : {}) });
      }
    }
    this.status(ctx.msgID, c, code);
    if (code === 200 && items.length) {
      const results: Results = { kind: 'Results', cmdID: '', msgRef: ctx.msgID, cmdRef: c.cmdID, targetRefs: [], sourceRefs: [], items };
      this.push(results);
    }
    return code;
  }

  private async executeWrite(c: ItemCommand, ctx: ExecContext): Promise<number> {
    let code = 200;
    for (const item of c.items) {
      let r: number;
      const chunked = item.moreData === true || this.receiver.continues(c.kind, item);
      if (chunked) {
        const out = await this.receiver.accept(item, c.meta, { msgRef: ctx.msgID, cmdRef: c.cmdID, cmd: c.kind }, (uri, size, meta) =>
          this.handler.beginLargeObject(uri, size, meta),
        );
        r = out.status;
      } else {
        const meta: MetInf | undefined = c.meta || item.meta ? { ...c.meta, ...item.meta } : undefined;
        const uri = item.target?.locURI ?? '';
        r = (await (c.kind === 'Add' ? this.handler.add(uri, item.data, meta) : this.handler.replace(uri, item.data, meta))).status;
      }
      if (code === 200 || (code < 300 && r >= 300)) code = r;
    }
    this.status(ctx.msgID, c, code);
    return code;
  }
}

/** Run one DM session as the client; resolves when the server ends it, rejects with a KioskError otherwise. */
export async function runClientSession(
  link: Link,
  options: ClientSessionOptions,
  handler: ClientHandler,
  deps: ClientSessionDeps = {},
): Promise<ClientSessionOutcome> {
  return new ClientSession(link, options, handler, deps).run();
}
