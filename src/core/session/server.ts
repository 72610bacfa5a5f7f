/**
 * The server side of a DM session (DM protocol 2.1-2.4) driven through a Link.
 *
 * acceptSession reads package 1 (Alert 1200/1201, the ./DevInfo Replace, Generic Alerts),
 * authenticates the device and returns a DmSession whose methods each send the statuses owed
 * to the device + the new commands (as several one-message packages when the device's
 * MaxMsgSize demands: the next only once the device answered the previous) and resolve with the
 * device's statuses and results. Method calls are serialised: no new commands leave before the
 * statuses of the previous ones have arrived.
 *
 * Message rules kept here:
 * - MsgID counts 1, 2, 3 ... over the session; CmdID counts from 1 in each message.
 * - Every device message is answered: a Status for its SyncHdr first (212 once authenticated,
 *   then 200; 401/407 with Chal), a Status for each command (none for Results).
 * - While the device's package is not final, the kiosk answers with the "Next Message"
 *   response (Status + Alert 1222, no Final) unless it still has messages of its own package
 *   to send (a large object, or statuses that did not fit), which it sends instead.
 * - Final on every server message except inside a large object and the Next Message
 *   response. A package with no commands ends the session (`end`).
 * - Large objects from the device (chunked Results items) are reassembled before they are
 *   reported.
 *
 * Waiting for a Generic Alert (FUMO result) in the same session: a DM server may not send an
 * empty package without ending the session, and the device decides when its next package goes.
 * So `waitForGenericAlert` keeps the session alive by polling (./keep-alive, the loop the job
 * also uses while a consent is pending): every `keepAliveIntervalMs` it sends a package with one harmless Get (of `keepAliveUri`, ./DevInfo/DevId by default, a
 * node every DM client has). The device answers and carries any pending 1226 in that reply,
 * which is answered 200 in the kiosk's next package. When the device reboots instead, the
 * link breaks or times out and the result arrives in package 1 of a new session
 * (`hello.genericAlerts`); the caller then calls acceptSession again.
 */
import { systemClock, type Clock, type RandomSource } from '../clock';
import { KioskError } from '../errors';
import {
  CredentialPresenter,
  CredentialVerifier,
  MemoryAuthAccountStore,
  type AuthAccount,
  type AuthAccountStore,
  type AuthRequirement,
} from '../dm/auth';
import { base64Length } from '../dm/base64';
import { encodedSize } from '../dm/codec';
import { ChunkDoesNotFitError, LargeObjectSender } from '../dm/large-object';
import type { Alert, Command, Encoding, Exec, Item, ItemCommand, ItemData, MetInf, Results, Status, SyncHdr, SyncMLMessage } from '../dm/model';
import { CommandTooLargeError, packMessage } from '../dm/packer';
import type { Link } from '../link';
import { KEEP_ALIVE_URI, keepAlive } from './keep-alive';
import type {
  ClientHello,
  ConfirmAnswer,
  DmSession,
  GenericAlert,
  GetResult,
  LargeObjectSource,
  NodeValue,
  ReplaceLargeOptions,
  UserInteractionOptions,
} from './api';
import { alert, isRealCommand, itemText, noResp, parseGenericAlerts, receiveMessage, sendMessage, statusFor, unencodable, type Received } from './wire';

export interface ServerSessionOptions {
  /** The kiosk's server identifier (DMAcc ServerID, package 0 server-id, account key). */
  serverId: string;
  /** SyncHdr Source/LocURI of the kiosk's messages; defaults to serverId. */
  serverUri?: string;
  /**
   * RespURI written in every SyncHdr the kiosk sends, so the device addresses its next message
   * there (e.g. an HTTP link's per-session URL). Absent on cable links, where replies need no address.
   */
  respURI?: string;
  /**
   * What the device must present: 'none' (default), 'basic', 'md5' or 'hmac'; 'account' = the
   * scheme of the device's account (AuthAccount.authType, md5 when it names none).
   */
  clientAuth?: AuthRequirement | 'account';
  /** Scheme of the kiosk's own credentials toward the device (default: the account's, else md5). */
  serverAuth?: AuthRequirement;
  /**
   * When the kiosk sends its Cred: 'always' = in its first message and until the device
   * accepts (for devices that trust only servers that authenticate themselves);
   * 'when-challenged' (default) = after the device answers 401/407 with a Chal.
   */
  serverCredentials?: 'always' | 'when-challenged';
  /** Accounts (secrets and nonces) per device; required when any authentication is used. */
  accounts?: AuthAccountStore;
  /** Accept client credentials built on the resynchronisation nonce 0x00000000 (after a package 0 resync). */
  acceptResyncNonce?: boolean;
  clock?: Clock;
  random?: RandomSource;
  /** How long to wait for each device message (default 60 s). */
  timeoutMs?: number;
  /** MaxMsgSize / MaxObjSize the kiosk advertises in its SyncHdr Meta. */
  maxMsgSize?: number;
  maxObjSize?: number;
  /** Message size used for large objects when the device states no MaxMsgSize (default 65536). */
  defaultPeerMaxMsgSize?: number;
  /** Node read to keep the session alive while waiting for a Generic Alert (default ./DevInfo/DevId). */
  keepAliveUri?: string;
  /** Pause between keep-alive packages (default 5000 ms). */
  keepAliveIntervalMs?: number;
}

interface Entry {
  command: Command;
  /** MsgID:CmdID under which the command went out (more than one after a resend). */
  keys?: string[];
  status?: number;
  statusItems: Item[];
  results: Results[];
  /** A large object in the results failed: 424 size mismatch, 413 too large, 412 interrupted. */
  objectStatus?: number;
}

const HDR_OK = new Set([200, 212]);

class ServerSession implements DmSession {
  readonly genericAlerts: GenericAlert[] = [];
  hello!: ClientHello;
  private endedFlag = false;
  private msgID = 0;
  private owed: Status[] = [];
  private encoding: Encoding = 'wbxml';
  private peerMaxMsgSize: number | undefined;
  private peerMaxObjSize: number | undefined;
  private devId = '';
  private sessionId = '';
  private lastClientMsgId = '0';
  private lastClientFinal = true;
  private lastSentFinal = true;
  /** The ServerID of the device's account, when it names another than options.serverId. */
  private serverIdentity: string | undefined;
  private readonly pending = new Map<string, Entry>();
  private verifier: CredentialVerifier | undefined;
  private presenter: CredentialPresenter | undefined;
  private presenterResend = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly matchedAlerts = new Set<GenericAlert>();
  /** The device's RespURI, when it sent one (a Link may route replies by it). */
  respURI: string | undefined;
  /** Alert 1225 received: a large object the kiosk was sending was abandoned by the device. */
  private objectInterrupted = false;

  constructor(
    private readonly link: Link,
    private readonly options: ServerSessionOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  // ---------------------------------------------------------------- package 1

  async open(): Promise<void> {
    let rx = await this.receive('package 1');
    const first = rx.message.header;
    this.devId = first.source.locURI;
    this.sessionId = first.sessionID;
    this.encoding = rx.encoding;
    try {
      await this.setUpAuth();
    } catch (e) {
      // No account for this device: refuse with statuses only, then give up.
      const hdr = rx.message.header;
      this.oweHeaderStatus(statusFor(hdr.msgID, { kind: 'SyncHdr', header: hdr }, 401));
      for (const c of rx.message.body) if (isRealCommand(c) && !noResp(c)) this.owed.push(statusFor(hdr.msgID, c, 401));
      await this.sendPacked([], true).catch(() => undefined);
      this.endedFlag = true;
      throw e;
    }
    for (;;) {
      this.noteHeader(rx.message.header);
      const verdict = await this.verifyClient(rx);
      if (HDR_OK.has(verdict.status)) {
        this.oweHeaderStatus(statusFor(rx.message.header.msgID, { kind: 'SyncHdr', header: rx.message.header }, verdict.status, verdict.chal ? { chal: verdict.chal } : {}));
        break;
      }
      // Refused or missing credentials: only Status commands, one per received command.
      const code = verdict.status;
      this.oweHeaderStatus(statusFor(rx.message.header.msgID, { kind: 'SyncHdr', header: rx.message.header }, code, verdict.chal ? { chal: verdict.chal } : {}));
      for (const c of rx.message.body) if (isRealCommand(c) && !noResp(c)) this.owed.push(statusFor(rx.message.header.msgID, c, code));
      await this.sendPacked([], true);
      rx = await this.receive('package 1 with credentials');
    }
    const hello: ClientHello = {
      devId: this.devId,
      sessionId: this.sessionId,
      initiator: 'client',
      devInfo: {},
      genericAlerts: [],
      encoding: this.encoding,
      ...(this.verifier?.authenticated && this.options.clientAuth && this.options.clientAuth !== 'none'
        ? { authenticatedAs: this.verifier.account.clientName }
        : {}),
    };
    this.hello = hello;
    let sawAlert = false;
    for (;;) {
      for (const c of rx.message.body) {
        if (c.kind === 'Alert' && (c.data === '1200' || c.data === '1201')) {
          hello.initiator = c.data === '1200' ? 'server' : 'client';
          sawAlert = true;
        }
      }
      this.handleBody(rx, (g) => hello.genericAlerts.push(g), (item) => {
        const uri = item.source?.locURI ?? item.target?.locURI ?? '';
        const m = /^(?:\.\/)?DevInfo\/(.+)$/.exec(uri);
        const value = itemText(item.data);
        if (m && value !== undefined) hello.devInfo[m[1]!] = value;
      });
      await this.answerAbort();
      if (rx.message.final) break;
      await this.sendPacked([], false, true);
      rx = await this.receive('the rest of package 1');
      this.noteHeader(rx.message.header);
      const v = await this.verifyClient(rx);
      if (!HDR_OK.has(v.status)) throw new KioskError('AUTH_FAILED', { detail: 'credentials refused in the middle of package 1' });
      this.oweHeaderStatus(statusFor(rx.message.header.msgID, { kind: 'SyncHdr', header: rx.message.header }, v.status, v.chal ? { chal: v.chal } : {}));
    }
    if (!sawAlert) hello.initiator = 'client';
    if (this.peerMaxMsgSize !== undefined) hello.maxMsgSize = this.peerMaxMsgSize;
    if (this.peerMaxObjSize !== undefined) hello.maxObjSize = this.peerMaxObjSize;
  }

  private async setUpAuth(): Promise<void> {
    const o = this.options;
    const wantServerCred = o.serverCredentials ?? 'when-challenged';
    if ((o.clientAuth ?? 'none') === 'none' && !o.accounts) return;
    const store: AuthAccountStore = o.accounts ?? new MemoryAuthAccountStore();
    const found = (await store.get(this.devId, o.serverId)) ?? (await store.findForDevice?.(this.devId));
    // The kiosk answers as the server the phone's account names (an operator's imported account).
    if (found) this.serverIdentity = found.serverId;
    const account: AuthAccount = found ?? {
      deviceId: this.devId,
      serverId: o.serverId,
      clientName: '',
      clientSecret: '',
      serverName: '',
      serverSecret: '',
      clientNonce: '',
      serverNonce: '',
    };
    const clientAuth: AuthRequirement = o.clientAuth === 'account' ? (account.authType ?? 'md5') : (o.clientAuth ?? 'none');
    const random: RandomSource = o.random ?? {
      bytes: () => {
        throw new KioskError('INTERNAL', { detail: 'nonces need a RandomSource (ServerSessionOptions.random)' });
      },
    };
    if (clientAuth !== 'none') {
      if (!account.clientName) {
        throw new KioskError('AUTH_FAILED', { detail: `no account for ${this.devId} on this kiosk` });
      }
      this.verifier = new CredentialVerifier({
        requirement: clientAuth,
        store,
        account,
        random,
        role: 'client-credentials',
        ...(o.acceptResyncNonce ? { acceptResyncNonce: true } : {}),
      });
    }
    if (account.serverName) {
      const type = o.serverAuth ?? account.serverAuthType ?? account.authType ?? 'md5';
      this.presenter = new CredentialPresenter({
        type: wantServerCred === 'always' ? type : 'none',
        ...(type !== 'none' ? { fallbackType: type } : {}),
        store,
        account,
        role: 'server-credentials',
      });
    }
  }

  private async verifyClient(rx: Received): Promise<{ status: number; chal?: Status['chal'] }> {
    if (!this.verifier) return { status: 200 };
    const hdr = rx.message.header;
    try {
      const v = await this.verifier.verify({
        ...(hdr.cred ? { cred: hdr.cred } : {}),
        ...(hdr.source.locName !== undefined ? { locName: hdr.source.locName } : {}),
        ...(rx.payload.headers?.['x-syncml-hmac'] ? { hmacHeader: rx.payload.headers['x-syncml-hmac'] } : {}),
        body: rx.payload.body,
      });
      return { status: v.status, ...(v.chal ? { chal: v.chal } : {}) };
    } catch (e) {
      // Second refusal: tell the device (401, no new challenge, only statuses), then give up.
      this.oweHeaderStatus(statusFor(hdr.msgID, { kind: 'SyncHdr', header: hdr }, 401));
      for (const c of rx.message.body) if (isRealCommand(c) && !noResp(c)) this.owed.push(statusFor(hdr.msgID, c, 401));
      await this.sendPacked([], true).catch(() => undefined);
      this.endedFlag = true;
      throw e;
    }
  }

  /**
   * The Status for a received SyncHdr opens the next response (DM protocol 2.1, RepPro): it goes
   * before any status still owed from an earlier message that did not fit.
   */
  private oweHeaderStatus(s: Status): void {
    this.owed.unshift(s);
  }

  private noteHeader(h: SyncHdr): void {
    this.lastClientMsgId = h.msgID;
    if (h.meta?.maxMsgSize !== undefined) this.peerMaxMsgSize = h.meta.maxMsgSize;
    if (h.meta?.maxObjSize !== undefined) this.peerMaxObjSize = h.meta.maxObjSize;
    if (h.respURI !== undefined) this.respURI = h.respURI;
  }

  // ---------------------------------------------------------------- messages

  private async receive(what: string): Promise<Received> {
    try {
      const rx = await receiveMessage(this.link, this.clock, this.timeoutMs, what);
      this.checkSequence(rx.message.header);
      this.lastClientFinal = rx.message.final;
      return rx;
    } catch (e) {
      this.endedFlag = true;
      throw e;
    }
  }

  /** MsgID of the device's last message, for the sequence check (undefined before package 1). */
  private receivedMsgId: number | undefined;

  /**
   * DM protocol 2.1 / representation 5.1: one SessionID for the whole session, and the device's
   * MsgIDs count up by one. A repeated or skipped MsgID (a retried POST, a message from another
   * session) is not this session's next message.
   */
  private checkSequence(h: SyncHdr): void {
    const id = Number(h.msgID.trim());
    if (!Number.isInteger(id) || id < 1) throw new KioskError('PROTOCOL_ERROR', { detail: `MsgID "${h.msgID}" is not a positive integer` });
    if (this.receivedMsgId !== undefined) {
      if (h.sessionID.trim() !== this.sessionId.trim()) {
        throw new KioskError('PROTOCOL_ERROR', { detail: `a message of session ${h.sessionID} arrived in session ${this.sessionId}` });
      }
      if (id !== this.receivedMsgId + 1) {
        throw new KioskError('PROTOCOL_ERROR', { detail: `MsgID ${id} arrived where ${this.receivedMsgId + 1} was due` });
      }
    }
    this.receivedMsgId = id;
  }

  /** The SyncHdr of the kiosk's next message (`peek`: for measuring only, the MsgID is not used up). */
  private header(peek = false): SyncHdr {
    const o = this.options;
    const h: SyncHdr = {
      verDTD: '1.2',
      verProto: 'DM/1.2',
      sessionID: this.sessionId,
      msgID: String(peek ? this.msgID + 1 : ++this.msgID),
      target: { locURI: this.devId },
      source: { locURI: o.serverUri ?? this.serverIdentity ?? o.serverId },
    };
    if (o.respURI !== undefined) h.respURI = o.respURI;
    const p = this.presenter;
    if (p && p.mustSend) {
      const cred = p.cred();
      if (cred) h.cred = cred;
      if (p.type !== 'none') h.source.locName = p.userName;
    }
    if (o.maxMsgSize !== undefined || o.maxObjSize !== undefined) {
      h.meta = { ...(o.maxMsgSize !== undefined ? { maxMsgSize: o.maxMsgSize } : {}), ...(o.maxObjSize !== undefined ? { maxObjSize: o.maxObjSize } : {}) };
    }
    return h;
  }

  private hmac = (body: Uint8Array): string | undefined => (this.presenter?.mustSend ? this.presenter.hmacHeader(body) : undefined);

  private async send(message: SyncMLMessage): Promise<void> {
    try {
      await sendMessage(this.link, message, this.encoding, this.hmac);
    } catch (e) {
      this.endedFlag = true;
      throw e;
    }
  }

  /**
   * Pack and send one message: owed statuses, then queued commands as they fit. Returns the
   * number of queued commands placed. `nextMessage` adds Alert 1222 (the Next Message response).
   */
  private async sendPacked(queue: Entry[], mayBeFinal: boolean, nextMessage = false, extra: Command[] = [], rest?: 'next-package'): Promise<number> {
    const header = this.header();
    let packed;
    try {
      packed = packMessage({
        header,
        owed: this.owed,
        queue: queue.map((e) => e.command),
        always: [...(nextMessage ? [alert('1222')] : []), ...this.alertsDue, ...extra],
        ...(this.peerMaxMsgSize !== undefined ? { maxMsgSize: this.peerMaxMsgSize } : {}),
        encoding: this.encoding,
        mayBeFinal: mayBeFinal && !nextMessage,
        sizer: encodedSize,
        ...(rest ? { rest } : {}),
      });
    } catch (e) {
      if (e instanceof CommandTooLargeError) throw new KioskError('PROTOCOL_ERROR', { detail: e.message });
      throw unencodable(e);
    }
    this.owed = this.owed.slice(packed.owedTaken);
    this.alertsDue = [];
    packed.placed.forEach((p, i) => {
      const key = `${header.msgID}:${p.cmdID}`;
      const entry = queue[i]!;
      this.pending.set(key, entry);
      (entry.keys ??= []).push(key);
    });
    await this.send(packed.message);
    // The Next Message response neither opens nor closes a package of the kiosk's.
    if (!nextMessage) this.lastSentFinal = packed.message.final;
    return packed.queueTaken;
  }

  /** Read one device message after the kiosk's: record statuses/results, owe statuses. */
  private async receiveReply(): Promise<Received> {
    for (;;) {
      const rx = await this.receive('the phone\'s answer');
      this.noteHeader(rx.message.header);
      const v = await this.verifyClient(rx);
      this.oweHeaderStatus(statusFor(rx.message.header.msgID, { kind: 'SyncHdr', header: rx.message.header }, v.status, v.chal ? { chal: v.chal } : {}));
      if (HDR_OK.has(v.status)) {
        this.handleBody(rx, (g) => this.genericAlerts.push(g));
        await this.answerAbort();
        this.checkServerAccepted(rx);
        return rx;
      }
      // Credentials refused in mid-session (e.g. a wrong HMAC): nothing of the message is taken.
      // The refusal and its fresh challenge go to the device now, and it sends the message again.
      for (const c of rx.message.body) if (isRealCommand(c) && !noResp(c)) this.owed.push(statusFor(rx.message.header.msgID, c, v.status));
      await this.sendPacked([], this.lastSentFinal);
    }
  }

  /** The kiosk's SyncHdr was accepted (200/212) by the device in this session. */
  private serverAccepted = false;

  /**
   * A device message with no Status for the kiosk's SyncHdr, before the device ever accepted it,
   * is a device that did not authenticate the kiosk: the same as a status 0 (never success).
   */
  private checkServerAccepted(rx: Received): void {
    if (this.serverAccepted) return;
    const hdrStatus = rx.message.body.some((c) => c.kind === 'Status' && (c.cmdRef === '0' || c.cmd === 'SyncHdr'));
    if (!hdrStatus) this.onServerHeaderStatus(0, undefined);
  }

  private handleBody(rx: Received, onAlert: (g: GenericAlert) => void, onItem?: (item: Item) => void): void {
    const msgID = rx.message.header.msgID;
    for (const c of rx.message.body) {
      this.interruptIfNew(c);
      switch (c.kind) {
        case 'Status': {
          if (c.cmdRef === '0' || c.cmd === 'SyncHdr') {
            this.onServerHeaderStatus(Number(c.data), c.chal);
            break;
          }
          const e = this.pending.get(`${c.msgRef}:${c.cmdRef}`);
          if (e) {
            e.status = Number(c.data);
            e.statusItems = c.items;
          }
          break;
        }
        case 'Results': {
          const e = this.pending.get(`${c.msgRef ?? String(this.msgID)}:${c.cmdRef}`);
          const whole = this.joinChunks(c, e);
          if (e && whole.items.length > 0) e.results.push(whole);
          break;
        }
        case 'Alert': {
          if (c.data === '1223') {
            // Session abort: the rest of the message is still read (statuses, results), then
            // `answerAbort` sends the Status for the Alert and the SyncHdr and the session ends.
            if (!noResp(c)) this.owed.push(statusFor(msgID, c, 200));
            this.peerAborted = true;
            break;
          }
          if (c.data === '1226' && c.items.length === 0) {
            // A Generic Alert with no Item reports nothing: 412 incomplete command (DM protocol 2.3.7).
            if (!noResp(c)) this.owed.push(statusFor(msgID, c, 412));
            break;
          }
          if (c.data === '1226') for (const g of parseGenericAlerts(c)) onAlert(g);
          if (c.data === '1225') this.objectInterrupted = true;
          if (!noResp(c)) this.owed.push(statusFor(msgID, c, 200));
          break;
        }
        case 'Replace':
        case 'Add': {
          const code = this.receiveItems(c, onItem);
          if (!noResp(c)) this.owed.push(statusFor(msgID, c, code));
          break;
        }
        default:
          // The kiosk does not take management commands from a device.
          if (!noResp(c)) this.owed.push(statusFor(msgID, c, 406));
      }
    }
  }

  private peerAborted = false;

  /** Server commands that ride in the kiosk's next message (Alert 1225). */
  private alertsDue: Command[] = [];

  /** A chunked Replace/Add from the device being reassembled (DM protocol 2.2). */
  private incomingCommand: { kind: string; uri: string; first: Item; declared: number; parts: ItemData[]; bytes: number } | undefined;

  /** The largest object the kiosk reassembles from a device: its MaxObjSize, else 16 MiB. */
  private get receiveLimit(): number {
    return this.options.maxObjSize ?? 16 * 1024 * 1024;
  }

  /**
   * DM protocol 2.2: a new command (or a new item) before the last chunk of an object abandons
   * the object: the kiosk answers with Alert 1225 naming it and does not take it.
   */
  private interruptIfNew(c: Command): void {
    const open = this.incomingCommand ?? this.incoming;
    if (!open) return;
    if (c.kind === 'Status' || (c.kind === 'Alert' && c.data === '1222')) return;
    const items = 'items' in c ? (c.items as Item[]) : [];
    const uri = items[0]?.source?.locURI ?? items[0]?.target?.locURI;
    if (this.incomingCommand && (c.kind === this.incomingCommand.kind) && uri === this.incomingCommand.uri) return;
    if (this.incoming && c.kind === 'Results' && uri === this.incoming.uri) return;
    const name = this.incomingCommand ? { target: { locURI: this.incomingCommand.uri } } : { source: { locURI: this.incoming!.uri } };
    this.alertsDue.push(alert('1225', [name]));
    if (this.incoming?.entry) this.incoming.entry.objectStatus = 412;
    this.incomingCommand = undefined;
    this.incoming = undefined;
  }

  /** The status for a Replace/Add from the device; completed items (chunked ones reassembled) go to `onItem`. */
  private receiveItems(c: ItemCommand, onItem: ((item: Item) => void) | undefined): number {
    let code = 200;
    for (const item of c.items) {
      const uri = item.target?.locURI ?? item.source?.locURI ?? '';
      const open = this.incomingCommand;
      if (open && open.uri === uri && open.kind === c.kind) {
        open.parts.push(item.data ?? '');
        open.bytes += byteLength(item.data);
        if (open.bytes > Math.max(open.declared, base64Growth(open.declared))) {
          this.incomingCommand = undefined;
          code = 424;
          continue;
        }
        if (item.moreData) {
          code = 213;
          continue;
        }
        this.incomingCommand = undefined;
        if (!sizeMatches(open.bytes, open.declared, this.encoding)) {
          code = 424;
          continue;
        }
        onItem?.(joinedItem(open.first, open.parts, c.meta));
        continue;
      }
      if (item.moreData) {
        const declared = item.meta?.size ?? c.meta?.size;
        if (declared === undefined) {
          code = 411; // the first chunk must give the object's Size
          continue;
        }
        if (declared > this.receiveLimit) {
          code = 413;
          continue;
        }
        this.incomingCommand = { kind: c.kind, uri, first: item, declared, parts: [item.data ?? ''], bytes: byteLength(item.data) };
        code = 213;
        continue;
      }
      onItem?.(item);
    }
    return code;
  }

  /**
   * After Alert 1223 from the device (DM protocol 2.3.1.2): answer with a final message holding
   * the Status for the SyncHdr and the Alert and no new commands, then end with SESSION_ABORTED.
   * The device need not read it: the answer is given up after a short wait.
   */
  private async answerAbort(): Promise<void> {
    if (!this.peerAborted) return;
    this.endedFlag = true;
    let handle: unknown;
    const giveUp = new Promise<void>((resolve) => {
      handle = this.clock.setTimeout(resolve, Math.min(this.timeoutMs, 10_000));
    });
    await Promise.race([this.sendPacked([], true).catch(() => undefined), giveUp]);
    this.clock.clearTimeout(handle);
    throw new KioskError('SESSION_ABORTED', { detail: 'the phone sent Alert 1223' });
  }

  /**
   * Large objects from the device (DM protocol 2.2; a server must support them): a Results item
   * with MoreData is held until its last chunk, which may come in a later Results of a later
   * message, and the reassembled item is reported once, with the Meta of its first chunk.
   */
  private joinChunks(r: Results, entry: Entry | undefined): Results {
    const items: Item[] = [];
    for (const item of r.items) {
      const uri = item.source?.locURI ?? item.target?.locURI ?? '';
      const open = this.incoming;
      if (open && open.uri === uri) {
        open.parts.push(item.data ?? '');
        open.bytes += byteLength(item.data);
        const over = open.declared !== undefined ? open.bytes > Math.max(open.declared, base64Growth(open.declared)) : open.bytes > this.receiveLimit;
        if (over) {
          // More than the declared Size: stop buffering at once (memory stays bounded).
          this.incoming = undefined;
          if (open.entry) open.entry.objectStatus = 424;
          continue;
        }
        if (item.moreData) continue;
        this.incoming = undefined;
        if (open.declared !== undefined && !sizeMatches(open.bytes, open.declared, this.encoding)) {
          // DM protocol 2.2: the reassembled size must match Meta/Size, else 424 and nothing is taken.
          if (open.entry) open.entry.objectStatus = 424;
          continue;
        }
        items.push(joinedItem(open.first, open.parts, open.resultsMeta));
      } else if (item.moreData) {
        const declared = item.meta?.size ?? r.meta?.size;
        if (declared !== undefined && declared > this.receiveLimit) {
          if (entry) entry.objectStatus = 413;
          continue;
        }
        this.incoming = {
          uri,
          first: item,
          parts: [item.data ?? ''],
          bytes: byteLength(item.data),
          ...(declared !== undefined ? { declared } : {}),
          ...(r.meta ? { resultsMeta: r.meta } : {}),
          ...(entry ? { entry } : {}),
        };
      } else items.push(item);
    }
    return { ...r, items };
  }

  private incoming: { uri: string; first: Item; parts: ItemData[]; bytes: number; declared?: number; resultsMeta?: MetInf; entry?: Entry } | undefined;

  private onServerHeaderStatus(code: number, chal: Status['chal']): void {
    const accepted = code >= 200 && code < 300;
    const challenged = code === 401 || code === 407;
    if (accepted) this.serverAccepted = true;
    if (!this.presenter) {
      if (accepted) return;
      this.endedFlag = true;
      if (challenged) throw new KioskError('AUTH_FAILED', { detail: 'the phone asks for kiosk credentials, and none are set up for it' });
      // 0 is no SyncML status, and any other refusal of the header: the phone did not take the message.
      throw new KioskError('AUTH_FAILED', { detail: `the phone did not accept the kiosk (status ${code} for its message header); it may need the kiosk's credentials` });
    }
    // Status 0 or another non-success is "not authenticated", never success: as a 407 with no Chal.
    const settled = this.presenter.onHeaderStatus(accepted || challenged ? code : 407, accepted || challenged ? chal : undefined).then((r) => {
      if (r === 'resend') this.presenterResend = true;
    });
    settled.catch(() => undefined); // observed in settle()
    this.presenterPromise = settled;
  }

  private presenterPromise: Promise<void> = Promise.resolve();

  private async settle(): Promise<boolean> {
    await this.presenterPromise;
    const resend = this.presenterResend;
    this.presenterResend = false;
    return resend;
  }

  // ---------------------------------------------------------------- packages

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private ensureOpen(): void {
    if (this.endedFlag) throw new KioskError('PROTOCOL_ERROR', { detail: 'the session has ended' });
  }

  /** Send one package of commands and collect the device's answering package. */
  private async runPackage(commands: Command[]): Promise<Entry[]> {
    this.ensureOpen();
    // A package with no commands would end the session (DM protocol 2.1): nothing to send.
    if (commands.length === 0) return [];
    const entries: Entry[] = commands.map((command) => ({ command, statusItems: [], results: [] }));
    try {
      return await this.exchangePackage(entries);
    } finally {
      // Forget the package once answered: nothing of it stays referenced (memory stays flat).
      for (const e of entries) for (const k of e.keys ?? []) this.pending.delete(k);
    }
  }

  /**
   * DM protocol 2.1: the server sends no new commands before it holds the statuses of the
   * previous ones, and closes every message with Final where it can. So the commands that do
   * not fit one message wait for a later package: each message of new commands is a package of
   * its own, and the next one leaves only once the device's whole answering package is in.
   * While the device's package is open the server answers with the Next Message response.
   */
  private async exchangePackage(entries: Entry[]): Promise<Entry[]> {
    let queue = [...entries];
    for (;;) {
      // The device's package is still open (and not because the kiosk's own is): ask for the rest.
      const nextMessage = !this.lastClientFinal && this.lastSentFinal;
      const taken = await this.sendPacked(nextMessage ? [] : queue, true, nextMessage, [], 'next-package');
      queue = queue.slice(taken);
      const rx = await this.receiveReply();
      if (await this.settle()) {
        // The device refused or asked for the kiosk's credentials: repeat what it did not execute.
        queue = entries.filter((e) => e.status === undefined || e.status === 0 || e.status === 401 || e.status === 407);
        for (const e of queue) delete e.status;
        this.lastClientFinal = true;
        continue;
      }
      if (!rx.message.final || !this.lastSentFinal) continue;
      if (queue.length > 0) continue;
      break;
    }
    for (const e of entries) {
      if (e.status === undefined && !noResp(e.command)) {
        if (e.results.length > 0) e.status = 200;
        else throw new KioskError('PROTOCOL_ERROR', { detail: `no status for ${e.command.kind} ${targetOf(e.command)}` });
      }
    }
    return entries;
  }

  get(uris: string[]): Promise<GetResult[]> {
    return this.serial(async () => {
      const cmds = uris.map<ItemCommand>((uri) => ({ kind: 'Get', cmdID: '', items: [{ target: { locURI: uri } }] }));
      const entries = await this.runPackage(cmds);
      return entries.map((e) => (e.objectStatus !== undefined ? { status: e.objectStatus, values: [] } : { status: e.status ?? 0, values: e.results.flatMap(valuesOf) }));
    });
  }

  private async one(cmd: Command): Promise<Entry> {
    const [e] = await this.runPackage([cmd]);
    return e!;
  }

  replace(uri: string, data: ItemData, meta?: { format?: string; type?: string }): Promise<number> {
    return this.serial(() => this.putItem('Replace', uri, data, meta));
  }

  add(uri: string, data: ItemData | undefined, meta?: { format?: string; type?: string }): Promise<number> {
    return this.serial(() => this.putItem('Add', uri, data, meta));
  }

  /**
   * One Replace/Add (DM protocol 2.2): an object larger than the device's MaxObjSize is never
   * sent (413, as replaceLarge answers); one whose command does not fit the device's MaxMsgSize
   * goes as a large object in chunks.
   */
  private async putItem(kind: 'Replace' | 'Add', uri: string, data: ItemData | undefined, meta?: { format?: string; type?: string }): Promise<number> {
    this.ensureOpen();
    const size = byteLength(data);
    if (this.peerMaxObjSize !== undefined && this.peerMaxObjSize > 0 && size > this.peerMaxObjSize) return 413;
    const cmd = itemCommand(kind, uri, data, meta);
    const max = this.peerMaxMsgSize;
    if (data !== undefined && max !== undefined && encodedSize({ header: this.header(true), body: [...this.owed, { ...cmd, cmdID: String(this.owed.length + 1) }], final: true }, this.encoding) > max) {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      const source: LargeObjectSource = { size: bytes.length, read: (o, n) => Promise.resolve(bytes.subarray(o, o + n)) };
      return this.sendLarge(uri, source, meta?.type ? { type: meta.type } : {}, kind);
    }
    return (await this.one(cmd)).status ?? 0;
  }

  delete(uri: string): Promise<number> {
    return this.serial(async () => (await this.one({ kind: 'Delete', cmdID: '', items: [{ target: { locURI: uri } }] })).status ?? 0);
  }

  exec(uri: string, options: { correlator?: string; data?: string } = {}): Promise<number> {
    const cmd: Exec = {
      kind: 'Exec',
      cmdID: '',
      ...(options.correlator !== undefined ? { correlator: options.correlator } : {}),
      items: [{ target: { locURI: uri }, ...(options.data !== undefined ? { data: options.data } : {}) }],
    };
    return this.serial(async () => (await this.one(cmd)).status ?? 0);
  }

  display(text: string, options?: UserInteractionOptions): Promise<number> {
    return this.serial(async () => (await this.one(uiAlert('1100', text, options))).status ?? 0);
  }

  confirm(text: string, options?: UserInteractionOptions): Promise<ConfirmAnswer> {
    return this.serial(async () => {
      const s = (await this.one(uiAlert('1101', text, options))).status;
      switch (s) {
        case 200:
          return 'yes';
        case 304:
          return 'no';
        case 214:
          return 'cancelled';
        case 408:
          return 'timeout';
        case 406:
        case 405:
        case 501:
          return 'unsupported';
        default:
          return 'no';
      }
    });
  }

  replaceLarge(uri: string, source: LargeObjectSource, options: ReplaceLargeOptions = {}): Promise<number> {
    return this.serial(() => this.sendLarge(uri, source, options));
  }

  private async sendLarge(uri: string, source: LargeObjectSource, options: ReplaceLargeOptions, kind: 'Replace' | 'Add' = 'Replace'): Promise<number> {
    this.ensureOpen();
    const maxMsgSize = this.peerMaxMsgSize ?? this.options.defaultPeerMaxMsgSize ?? 65536;
    const sender = new LargeObjectSender({
      uri,
      source,
      encoding: this.encoding,
      maxMsgSize,
      ...(this.peerMaxObjSize !== undefined ? { maxObjSize: this.peerMaxObjSize } : {}),
      ...(options.type ? { type: options.type } : {}),
      ...(options.startOffset ? { startOffset: options.startOffset } : {}),
      kind,
      sizer: encodedSize,
    });
    const refusal = sender.refusal();
    if (refusal !== undefined) return refusal;
    let acknowledged = options.startOffset ?? 0;
    this.objectInterrupted = false;
    let lastEntry: Entry | undefined;
    for (;;) {
      if (options.signal?.aborted) {
        // Abandon the object and the session: Alert 1223 (session abort) in place of the next chunk.
        await this.sendPacked([], true, false, [alert('1223')]).catch(() => undefined);
        this.endedFlag = true;
        throw new KioskError('CANCELLED');
      }
      // Owed statuses go first; the chunk fills the rest of the message.
      const header = this.header();
      const owed = this.owed;
      const planned = await sender
        .next((command, last) => ({
          header,
          body: [...owed, command].map((c, i) => ({ ...c, cmdID: String(i + 1) })),
          final: last,
        }), options.chunkBytes?.())
        .catch((e: unknown) => {
          if (e instanceof ChunkDoesNotFitError) throw new KioskError('PROTOCOL_ERROR', { detail: e.message });
          throw e;
        });
      this.owed = [];
      const cmdID = String(owed.length + 1);
      const entry: Entry = { command: planned.command, statusItems: [], results: [] };
      const key = `${header.msgID}:${cmdID}`;
      this.pending.set(key, entry);
      lastEntry = entry;
      let rx: Received;
      try {
        await this.send(planned.message);
        this.lastSentFinal = planned.message.final;
        rx = await this.receiveReply();
        // The last chunk's status may come in a later message of the device's package.
        while (planned.last && entry.status === undefined && !rx.message.final) {
          await this.sendPacked([], false, true);
          rx = await this.receiveReply();
        }
      } finally {
        this.pending.delete(key);
        // The chunk's bytes are not needed once sent.
        entry.command = { ...entry.command, items: [] } as ItemCommand;
      }
      if (await this.settle()) throw new KioskError('AUTH_FAILED', { detail: 'the phone refused the kiosk\'s credentials during a download' });
      if (this.objectInterrupted) return 412;
      const s = entry.status;
      if (!planned.last) {
        // A chunk that is not the last is buffered (213). Any other success would mean the
        // device took part of the object as the whole: never reported as done.
        if (s !== undefined && s >= 200 && s < 300 && s !== 213) {
          throw new KioskError('PROTOCOL_ERROR', { detail: `the phone answered ${s} to a chunk that was not the last of ${uri}, where 213 was due: the object is incomplete` });
        }
        if (s !== 213) return s ?? 500;
        acknowledged += planned.length;
        options.onProgress?.({ acknowledgedBytes: acknowledged, totalBytes: source.size });
        continue;
      }
      // Last chunk: the device's package may still span messages.
      while (!rx.message.final) {
        await this.sendPacked([], false, true);
        rx = await this.receiveReply();
      }
      break;
    }
    const final = lastEntry?.status ?? 500;
    if (final >= 200 && final < 300) options.onProgress?.({ acknowledgedBytes: source.size, totalBytes: source.size });
    return final;
  }

  waitForGenericAlert(predicate: (alert: GenericAlert) => boolean, timeoutMs: number): Promise<GenericAlert> {
    return this.serial(async () => {
      const deadline = this.clock.now() + timeoutMs;
      const find = (): GenericAlert | undefined =>
        [...this.hello.genericAlerts, ...this.genericAlerts].find((g) => !this.matchedAlerts.has(g) && predicate(g));
      const outcome = await keepAlive({
        clock: this.clock,
        intervalMs: this.options.keepAliveIntervalMs ?? 5000,
        ping: () => this.runPackage([{ kind: 'Get', cmdID: '', items: [{ target: { locURI: this.options.keepAliveUri ?? KEEP_ALIVE_URI } }] }]),
        done: () => find() !== undefined,
        deadline,
      });
      const found = find();
      if (outcome === 'timeout' || !found) throw new KioskError('LINK_TIMEOUT', { detail: `no result alert within ${Math.round(timeoutMs / 1000)} s` });
      this.matchedAlerts.add(found);
      return found;
    });
  }

  end(): Promise<void> {
    return this.serial(async () => {
      if (this.endedFlag) return;
      // If the device's package is still open, ask for the rest first. Only when the kiosk's own
      // package is closed: after an abandoned large object the device's message is open because
      // ours is, and asking it for "the rest" would go round for ever. Bounded all the same.
      for (let round = 0; !this.lastClientFinal && this.lastSentFinal && round < 16; round++) {
        await this.sendPacked([], false, true);
        await this.receiveReply();
      }
      // The owed statuses may not fit one message: the device asks for the rest with 1222.
      for (;;) {
        await this.sendPacked([], true);
        if (this.lastSentFinal) break;
        await this.receiveReply();
      }
      this.endedFlag = true;
    });
  }
}

function byteLength(d: ItemData | undefined): number {
  if (d === undefined) return 0;
  return typeof d === 'string' ? new TextEncoder().encode(d).length : d.length;
}

const base64Growth = base64Length;

/** Does the reassembled size match Meta/Size? In XML senders disagree whether Size counts the base64 text: either is taken. */
function sizeMatches(received: number, declared: number, encoding: Encoding): boolean {
  return received === declared || (encoding === 'xml' && base64Length(received) === declared);
}

/** One item from its chunks: text when every chunk was text, else the bytes (text as UTF-8). */
function joinedItem(first: Item, parts: ItemData[], resultsMeta: MetInf | undefined): Item {
  let data: ItemData;
  if (parts.every((p) => typeof p === 'string')) data = parts.join('');
  else {
    const bytes = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p));
    const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      out.set(b, at);
      at += b.length;
    }
    data = out;
  }
  const { moreData: _moreData, ...rest } = first;
  const meta = resultsMeta || first.meta ? { ...resultsMeta, ...first.meta } : undefined;
  return { ...rest, ...(meta ? { meta } : {}), data };
}

function targetOf(c: Command): string {
  const items = 'items' in c ? (c.items as Item[]) : [];
  return items[0]?.target?.locURI ?? '';
}

function itemCommand(kind: 'Replace' | 'Add', uri: string, data: ItemData | undefined, meta?: { format?: string; type?: string }): ItemCommand {
  const m: MetInf = {};
  if (meta?.format) m.format = meta.format;
  else if (data instanceof Uint8Array) m.format = 'bin';
  if (meta?.type) m.type = meta.type;
  return {
    kind,
    cmdID: '',
    ...(Object.keys(m).length ? { meta: m } : {}),
    items: [{ target: { locURI: uri }, ...(data !== undefined ? { data } : {}) }],
  };
}

function uiOptions(o: UserInteractionOptions | undefined): string | undefined {
  const parts: string[] = [];
  // MINDT and MAXDT are positive integers (DM protocol 2.5.3): 0 or less means "no such option".
  const seconds = (v: number | undefined): number | undefined => (v === undefined || !(Math.round(v) > 0) ? undefined : Math.round(v));
  const mindt = seconds(o?.minDisplaySeconds);
  const maxdt = seconds(o?.maxDisplaySeconds);
  if (mindt !== undefined) parts.push(`MINDT=${mindt}`);
  if (maxdt !== undefined) parts.push(`MAXDT=${maxdt}`);
  if (o?.defaultResponse !== undefined) parts.push(`DR=${encodeURIComponent(o.defaultResponse)}`);
  return parts.length ? parts.join('&') : undefined;
}

function uiAlert(code: '1100' | '1101', text: string, o?: UserInteractionOptions): Alert {
  const opts = uiOptions(o);
  return alert(code, [opts !== undefined ? { data: opts } : {}, { data: text }]);
}

function valuesOf(r: Results): NodeValue[] {
  return r.items.map((item, i) => {
    const v: NodeValue = { uri: item.source?.locURI ?? item.target?.locURI ?? r.sourceRefs[i] ?? r.targetRefs[i] ?? '' };
    const format = item.meta?.format ?? r.meta?.format;
    const type = item.meta?.type ?? r.meta?.type;
    if (format) v.format = format;
    if (type) v.type = type;
    if (item.data !== undefined) v.data = item.data;
    return v;
  });
}

/** Read package 1, authenticate the device, and return the session. */
export async function acceptSession(link: Link, options: ServerSessionOptions): Promise<DmSession> {
  const s = new ServerSession(link, options);
  await s.open();
  return s;
}

export type { ServerSession };
