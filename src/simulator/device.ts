/**
 * SimulatedDevice: the reference phone. A DM client with a real DM tree (DevInfo, DevDetail,
 * DMAcc, FUMO), a user who answers UI alerts, faults on demand and state that survives a pulled
 * cable or a killed simulator. The DM protocol itself is spoken by the client session engine
 * (src/core/session/client `runClientSession`); this class answers its ClientHandler calls and
 * decides when sessions happen: on a package 0 from the kiosk, on its own (pending FUMO results,
 * a user's update request, a smart card asking for it) and after each simulated reboot.
 */
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import type { ItemData, MetInf } from '../core/dm/model';
import type { DmPayload, Link } from '../core/link';
import { KioskError } from '../core/errors';
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import type { GenericAlert } from '../core/session/api';
import type {
  ClientHandler,
  ClientSessionOptions,
  ClientSessionOutcome,
  CommandReply,
  LargeObjectSink,
  UserInteraction,
  UserInteractionReply,
} from '../core/session/client-api';
import { runClientSession } from '../core/session/client';
import type { RandomSource } from '../core/clock';
import { randomBytes } from 'node:crypto';
import type { PublicKeyLike } from '../core/catalog/bundle';
import { decodePackage0, sessionIdText, verifyPackage0WithResync, PACKAGE0_CONTENT_TYPE } from '../core/dm/pkg0';
import { MemoryAuthAccountStore, RESYNC_NONCE, authTypeOf, fromBase64, type AuthAccount, type AuthAccountStore } from '../core/dm/auth';
import { DmTree, normaliseUri } from './tree';
import { FumoObject, FUMO_ALERT_TYPE_PREFIX, FumoResult, FumoState } from './fumo';
import { FaultSet, type Fault } from './faults';
import { DeviceStateStore, initialFumoState, type AccountRecord, type DeviceStateFile } from './state';
import { accountsFromTree, addAccountNodes, buildDevDetail, buildDevInfo, buildDmAcc } from './objects';
import { ScriptedUser, UserAgent, VoiceCall, type SimulatedUser, type UserAnswer } from './user';

export interface SmartCardData {
  /** The account the card provisions. */
  account: ServerAccount;
  /** The card asks the phone to confirm with its user before the account is stored (requirement 1). */
  userConfirmation: boolean;
  /** The card asks the phone to connect to the server on its own once provisioned (requirement 3). */
  connectAutonomously: boolean;
}

export interface SimulatorProfile {
  id: string;
  /** Where the FUMO MO sits, e.g. ./FUMO/FwUpdate or ./ManagedObjects/FUMO/x. */
  fumoPath: string;
  /** The phone's OBEX role on a cable ('server': the kiosk is the OBEX client). */
  obexRole: 'client' | 'server';
  encoding: 'xml' | 'wbxml';
  maxMsgSize: number;
  maxObjSize: number;
  manufacturer: string;
  language: string;
  hwVersion: string;
  /** Battery level when no battery fault is on. */
  batteryPercent: number;
  freeSpaceBytes: number;
  /** Time the phone is away during a reboot. */
  rebootDelayMs: number;
  /** Time before a pulled cable is plugged back in (the device re-appears). */
  replugDelayMs: number;
  /** Ask the phone's own user before installing (on top of the server's Alert 1101). */
  confirmInstallOnDevice: boolean;
  /** A phone the kiosk cannot notify (HTTP) calls in again this long after each session (DM client polling). */
  pollIntervalMs?: number;
  /** A smart card to bootstrap a DMAcc from, at first start. */
  smartCard?: SmartCardData;
  /**
   * Bootstrap over a local cable: how the phone takes a DM account from a server it holds none
   * for, when that server alerts it (package 0) over the cable. 'confirm': the phone asks its
   * user at the first DMAcc Add and refuses every Add (403) when the user says no; 'allow': it
   * takes the account without asking; absent: never (the alert is ignored).
   *
   * Such a session carries no credentials (there are none yet), so the phone holds it to the
   * bare minimum: Adds under ./DMAcc and Gets under ./DevInfo; anything else is 425. Once the
   * account is stored every later session with that server is authenticated as usual, and a
   * server the phone holds an account for never gets an unauthenticated session.
   */
  cableBootstrap?: 'confirm' | 'allow';
  /** Serial line rate for a real cable (informational; the throttle fault paces a pty). */
  baud?: number;
  vid?: string;
  pid?: string;
}

export const DEFAULT_PROFILE: SimulatorProfile = {
  id: 'reference-phone',
  fumoPath: './FUMO/FwUpdate',
  obexRole: 'server',
  encoding: 'wbxml',
  maxMsgSize: 65536,
  maxObjSize: 4 * 1024 * 1024 * 1024 - 1,
  manufacturer: 'Reference Devices',
  language: 'en-US',
  hwVersion: 'HW-1.0',
  batteryPercent: 82,
  freeSpaceBytes: 4_000_000_000,
  rebootDelayMs: 1500,
  replugDelayMs: 1000,
  confirmInstallOnDevice: false,
  pollIntervalMs: 3000,
};

export interface ServerAccount {
  serverId: string;
  /** DMAcc/<x> node name; default derived from serverId. */
  id?: string;
  name?: string;
  /** AppAddr: the kiosk's URL (HTTP) or 'obex' for a cable. */
  addr?: string;
  /** syncml:auth-md5 (default), syncml:auth-basic, syncml:auth-MAC. */
  authType?: string;
  clientName: string;
  clientSecret: string;
  serverName?: string;
  serverSecret: string;
}

/** Credentials the session engine authenticates with, handed over in its deps. */
export interface DeviceCredentials {
  authType: string;
  clientName: string;
  clientSecret: string;
  serverName: string;
  serverSecret: string;
}

/** One cable (or HTTP connection) to the kiosk; a fresh one after each reboot or re-plug. */
export interface DeviceConnection {
  link: Link;
  /** Where the kiosk finds the phone: the host-side pty path, a URL, a stand-in id. */
  address: string;
  /** Whether the kiosk can send a package 0 over it (cables yes, HTTP no: the phone calls in). */
  acceptsNotifications: boolean;
  /** Withdraw the announcement and close the cable. */
  dispose(): Promise<void>;
}

/**
 * Connects the phone (again after each reboot or re-plug). release(), when present, frees what
 * the factory keeps between connections (e.g. a spare pty pair); the phone calls it once it
 * has stopped for good.
 */
export type LinkFactory = ((device: SimulatedDevice) => Promise<DeviceConnection>) & { release?: (device: SimulatedDevice) => Promise<void> };

export interface SessionRunnerDeps {
  credentials: DeviceCredentials;
  clock: Clock;
  /** The phone's accounts with their nonces, persisted in its state folder. */
  accounts: AuthAccountStore;
  random: RandomSource;
}

/** The client session engine's entry point (runClientSession) or a stand-in with the same shape. */
export type SessionRunner = (link: Link, options: ClientSessionOptions, handler: ClientHandler, deps: SessionRunnerDeps) => Promise<unknown>;

/** The default runner: the client session engine. */
export const engineSessionRunner: SessionRunner = (link, options, handler, deps) =>
  runClientSession(link, options, handler, { clock: deps.clock, accounts: deps.accounts, random: deps.random });

const nodeRandom: RandomSource = { bytes: (n) => new Uint8Array(randomBytes(n)) };

export interface SimulatedDeviceOptions {
  devId: string;
  model: string;
  /** Firmware version of a factory-fresh phone; a phone with saved state keeps its own. */
  fwVersion: string;
  profile?: Partial<SimulatorProfile>;
  /** Folder for this phone's state (JSON + the received package). */
  stateDir: string;
  faults?: readonly Fault[] | FaultSet;
  user?: SimulatedUser;
  manufacturerPublicKey?: PublicKeyLike;
  serverAccount?: ServerAccount;
  /** Defaults to runClientSession from src/core/session/client. */
  sessionRunner?: SessionRunner;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface SessionRecord {
  initiator: 'server' | 'client';
  sessionId: string;
  genericAlerts: GenericAlert[];
  ok: boolean;
  error?: string;
  outcome?: unknown;
}

/** Events: 'connected' (address), 'disconnected' (reason), 'session-start' (SessionRecord), 'session-end' (SessionRecord),
 * 'session-abandoned' ({reason}), 'notification' ({accepted, reason?}), 'partial-packet-dropped' ({bytes}: the start of a packet whose rest never came), 'package-bytes' ({offset, bytes, size}: a PkgData chunk
 * stored), 'exec' ({uri, status, correlator?}), 'rebooting', 'rebooted' ({fwVersion, result}), 'install-failed' ({result}), 'stopped'. */
export class SimulatedDevice extends EventEmitter {
  readonly devId: string;
  readonly model: string;
  readonly profile: SimulatorProfile;
  readonly faults: FaultSet;
  readonly call: VoiceCall;
  readonly userAgent: UserAgent;
  readonly tree: DmTree;
  readonly fumo: FumoObject;
  readonly store: DeviceStateStore;
  /** Did this start resume saved state? */
  readonly resumed: boolean;
  readonly sessions: SessionRecord[] = [];

  private readonly publicKey: PublicKeyLike | undefined;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private sessionRunner: SessionRunner | undefined;
  private connection: DeviceConnection | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private clientSessionDue = false;
  private wakeUp: (() => void) | undefined;
  private workScheduled = false;
  private sessionCounter = 0;
  private readonly sleepers = new Set<() => void>();
  /** A package 0 that arrived inside a session (its server started over): served next. */
  private heldNotification: DmPayload | undefined;
  /** A package 0 that came by OMA push (UDP) to a phone the kiosk cannot reach on its link: the session it asks for. */
  private pushedSession: { sessionId: string; resync: boolean } | undefined;

  constructor(options: SimulatedDeviceOptions) {
    super();
    this.devId = options.devId;
    this.model = options.model;
    this.profile = { ...DEFAULT_PROFILE, ...(options.profile ?? {}) };
    this.faults = options.faults instanceof FaultSet ? options.faults : new FaultSet(options.faults ?? []);
    this.publicKey = options.manufacturerPublicKey;
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => undefined);
    this.sessionRunner = options.sessionRunner;
    this.call = new VoiceCall(() => this.clock.now());
    if (this.faults.has('call-in-progress')) this.call.start();
    const baseUser = options.user ?? new ScriptedUser({ policy: 'yes' });
    this.userAgent = new UserAgent(new FaultAwareUser(baseUser, this.faults), this.call, this.clock);

    const initialAccounts: AccountRecord[] = options.serverAccount ? [accountRecord(options.serverAccount)] : [];
    const opened = DeviceStateStore.open(options.stateDir, (): DeviceStateFile => ({
      version: 1,
      devId: options.devId,
      model: options.model,
      fwVersion: options.fwVersion,
      swVersion: options.fwVersion,
      hwVersion: this.profile.hwVersion,
      fumo: initialFumoState(),
      pendingAlerts: [],
      accounts: initialAccounts,
      boots: 0,
    }));
    this.store = opened.store;
    this.resumed = opened.resumed;

    this.tree = new DmTree({ maxDepth: 16, maxTotLen: 255, maxSegLen: 64 });
    const identity = {
      devId: this.devId,
      manufacturer: this.profile.manufacturer,
      model: this.model,
      language: this.profile.language,
      devType: 'phone',
      oem: this.profile.manufacturer,
    };
    buildDevInfo(this.tree, identity);
    buildDevDetail(this.tree, identity, {
      fwVersion: () => this.store.state.fwVersion,
      swVersion: () => this.store.state.swVersion,
      hwVersion: () => this.store.state.hwVersion,
      batteryPercent: () => this.batteryPercent,
      externalPower: () => this.faults.has('external-power'),
      freeSpaceBytes: () => Math.max(0, this.profile.freeSpaceBytes - this.store.state.fumo.receivedBytes),
    });
    buildDmAcc(this.tree, this.store.state.accounts);
    this.fumo = new FumoObject(this.tree, this.profile.fumoPath, this.store, {
      device: () => ({ model: this.model, fwVersion: this.store.state.fwVersion }),
      publicKey: this.publicKey,
      faults: this.faults,
      disconnect: () => this.pullCable(),
      workScheduled: () => {
        this.workScheduled = true;
      },
      received: (offset, bytes, size) => this.emit('package-bytes', { offset, bytes, size }),
    });
  }

  // ------------------------------------------------------------------ state

  get fwVersion(): string {
    return this.store.state.fwVersion;
  }

  get fumoState(): number {
    return this.fumo.state;
  }

  get batteryPercent(): number {
    return this.faults.get('battery-low')?.percent ?? this.profile.batteryPercent;
  }

  get pendingAlerts(): readonly GenericAlert[] {
    return this.store.state.pendingAlerts;
  }

  get accounts(): readonly AccountRecord[] {
    return this.store.state.accounts;
  }

  /** Where the kiosk finds the phone now (undefined while it is rebooting or unplugged). */
  get address(): string | undefined {
    return this.connection?.address;
  }

  /** stop() was called: no more connections will be made. */
  get isStopped(): boolean {
    return this.stopped;
  }

  get boots(): number {
    return this.store.state.boots;
  }

  /** The account sessions are held with: the first one (profile account or bootstrapped). */
  get account(): AccountRecord | undefined {
    return this.store.state.accounts[0];
  }

  credentials(): DeviceCredentials | undefined {
    const a = this.account;
    if (!a) return undefined;
    return {
      authType: a.authType,
      clientName: a.clientName,
      // The wrong-credentials fault makes the phone present a password the kiosk does not know.
      clientSecret: this.faults.has('wrong-credentials') ? `${a.clientSecret}-wrong` : a.clientSecret,
      serverName: a.serverName,
      serverSecret: a.serverSecret,
    };
  }

  /** The phone's side of the account store: secrets from DMAcc, nonces kept in the state file. */
  private accountStore(credentials: DeviceCredentials): AuthAccountStore {
    return {
      get: (deviceId: string, serverId: string): Promise<AuthAccount | undefined> => {
        const a = this.store.state.accounts.find((x) => x.serverId === serverId);
        if (!a || deviceId !== this.devId) return Promise.resolve(undefined);
        const nonces = this.store.state.nonces?.[serverId] ?? { clientNonce: '', serverNonce: '' };
        const type = authTypeOf(credentials.authType);
        return Promise.resolve({
          deviceId,
          serverId,
          clientName: credentials.clientName,
          clientSecret: credentials.clientSecret,
          serverName: credentials.serverName,
          serverSecret: credentials.serverSecret,
          clientNonce: nonces.clientNonce,
          serverNonce: nonces.serverNonce,
          ...(type ? { authType: type } : {}),
        });
      },
      put: (account: AuthAccount): Promise<void> => {
        this.store.state.nonces = { ...(this.store.state.nonces ?? {}), [account.serverId]: { clientNonce: account.clientNonce, serverNonce: account.serverNonce } };
        this.store.save();
        return Promise.resolve();
      },
    };
  }

  devInfo(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const leaf of ['DevId', 'Man', 'Mod', 'DmV', 'Lang']) out[leaf] = this.tree.text(`./DevInfo/${leaf}`) ?? '';
    return out;
  }

  // ------------------------------------------------------------------ user actions

  startCall(): void {
    this.call.start();
  }

  endCall(): void {
    this.call.end();
  }

  /** The phone's user (or the phone itself) asks for an update: a client-initiated session with a Generic Alert. */
  requestUpdate(origin: 'user' | 'device' = 'user'): void {
    this.store.state.pendingAlerts.push({
      type: `${FUMO_ALERT_TYPE_PREFIX}${origin === 'user' ? 'userrequest' : 'devicerequest'}`,
      format: 'chr',
      sourceURI: this.fumo.root,
      data: this.store.state.fwVersion,
    });
    this.store.save();
    this.clientSessionDue = true;
    this.wake();
  }

  // ------------------------------------------------------------------ the handler the session engine calls

  /** The ClientHandler for a session with `serverId` (ACLs are checked against it). */
  handlerFor(serverId: string): ClientHandler {
    // A server that reads Ext/ReceivedBytes in this session continues a held package from there.
    let resumeAsked = false;
    return {
      get: (uri: string): Promise<CommandReply> => {
        const r = this.tree.get(serverId, uri);
        if (r.status === 200 && this.fumo.isReceivedBytes(uri)) resumeAsked = true;
        return Promise.resolve({ status: r.status, values: r.values });
      },
      replace: async (uri: string, data: ItemData | undefined, meta: MetInf | undefined): Promise<CommandReply> => {
        if (meta?.size !== undefined && this.fumo.isPkgData(uri) && byteLength(data) !== meta.size) {
          // The rest of a resumed package in one message (Size announces the whole object).
          const st = this.tree.checkReplace(serverId, uri);
          if (st !== 200) return { status: st };
          const resume = resumeAsked;
          resumeAsked = false;
          return { status: await this.fumo.replaceRemainder(data, meta.size, { resume }) };
        }
        return { status: this.tree.replace(serverId, uri, data, meta) };
      },
      add: (uri: string, data: ItemData | undefined, meta: MetInf | undefined): Promise<CommandReply> => {
        const status = this.tree.add(serverId, uri, data, meta);
        if (status === 200 && normaliseUri(uri).startsWith('./DMAcc/')) this.syncAccounts();
        return Promise.resolve({ status });
      },
      delete: (uri: string): Promise<CommandReply> => {
        const status = this.tree.delete(serverId, uri);
        if (status === 200 && normaliseUri(uri).startsWith('./DMAcc/')) this.syncAccounts();
        return Promise.resolve({ status });
      },
      exec: async (uri: string, options: { correlator?: string; data?: string }): Promise<CommandReply> => {
        const status = await this.tree.exec(serverId, uri, options);
        this.emit('exec', { uri, status, ...(options.correlator !== undefined ? { correlator: options.correlator } : {}) });
        return { status };
      },
      beginLargeObject: async (uri: string, size: number, meta: MetInf | undefined): Promise<LargeObjectSink | CommandReply> => {
        const st = this.tree.checkReplace(serverId, uri);
        if (st !== 200) return { status: st };
        if (meta?.format !== undefined && meta.format !== 'bin' && meta.format !== 'b64') return { status: 415 };
        if (!this.fumo.isPkgData(uri)) return { status: 406 };
        if (size > this.profile.freeSpaceBytes) return { status: 420 };
        const resume = resumeAsked;
        resumeAsked = false;
        return this.fumo.beginPackage(size, { resume });
      },
      userInteraction: (alert: UserInteraction): Promise<UserInteractionReply> => this.userAgent.interact(alert, 'server'),
    };
  }

  private syncAccounts(): void {
    this.store.state.accounts = accountsFromTree(this.tree);
    this.store.save();
  }

  // ------------------------------------------------------------------ life cycle

  /**
   * Plug the phone in: connect through `linkFactory` (again after every reboot or re-plug) and
   * serve sessions until stop(). Resolves once the first connection is up.
   */
  async attach(linkFactory: LinkFactory): Promise<string> {
    if (this.running) throw new Error('device already attached');
    this.stopped = false;
    const first = new Promise<string>((resolve, reject) => {
      const onConnected = (address: string): void => {
        this.off('stopped', onStopped);
        resolve(address);
      };
      const onStopped = (): void => {
        this.off('connected', onConnected);
        reject(new Error('device stopped before it connected'));
      };
      this.once('connected', onConnected);
      this.once('stopped', onStopped);
    });
    this.running = this.lifecycle(linkFactory).catch((e: unknown) => {
      this.log(`${this.devId}: stopped on error: ${e instanceof Error ? e.message : String(e)}`);
      this.emit('error-stop', e);
    });
    void this.running.finally(() => {
      this.running = undefined;
      this.emit('stopped');
    });
    return first;
  }

  /** Unplug for good: end the current connection and the loop. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    for (const s of [...this.sleepers]) s();
    const c = this.connection;
    if (c) await c.link.close().catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  /** Remove this phone's saved state (after stop). */
  wipeState(): void {
    rmSync(this.store.dir, { recursive: true, force: true });
  }

  /** Resolves with the arguments of the next `event` that satisfies `predicate`. */
  waitFor<T = unknown>(event: string, predicate: (value: T) => boolean = () => true): Promise<T> {
    return new Promise((resolve) => {
      const on = (value: T): void => {
        if (!predicate(value)) return;
        this.off(event, on);
        resolve(value);
      };
      this.on(event, on);
    });
  }

  /**
   * A package 0 arrived by OMA push (UDP, a phone on DM over HTTP): checked like one on a cable;
   * when it verifies, the phone opens the server-initiated session it asks for on its link.
   */
  async pushNotification(bytes: Uint8Array): Promise<boolean> {
    const accepted = await this.acceptNotification(bytes);
    if (!accepted || accepted.bootstrapServerId !== undefined) return false;
    this.pushedSession = { sessionId: accepted.sessionId, resync: accepted.resync };
    this.wake();
    return true;
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private pullCable(): void {
    const c = this.connection;
    if (c) void c.link.close().catch(() => undefined);
  }

  /** Sleeps end early when the device is stopped. */
  private async sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.sleepers.delete(done);
        this.clock.clearTimeout(handle);
        resolve();
      };
      const handle = this.clock.setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** Settle what a killed simulator left behind, then run the smart-card bootstrap. */
  private async boot(): Promise<void> {
    await this.fumo.recoverAfterRestart();
    // A reboot under way when the simulator died: it finishes now.
    if (this.fumo.hasRebootPending()) this.finishReboot();
    if (this.fumo.hasScheduledInstall()) this.workScheduled = true;
    if (this.store.state.pendingAlerts.length > 0) this.clientSessionDue = true;
    await this.bootstrapFromSmartCard();
  }

  private async bootstrapFromSmartCard(): Promise<void> {
    const card = this.profile.smartCard;
    if (!card || this.store.state.bootstrap) return;
    // Requirements 1 and 2: ask exactly when the card says so.
    const accepted = card.userConfirmation
      ? await this.userAgent.confirm(`Set up device management with ${card.account.name ?? card.account.serverId} from the SIM card?`)
      : true;
    this.store.state.bootstrap = { applied: accepted, at: new Date(this.clock.now()).toISOString() };
    if (accepted) {
      const rec = accountRecord(card.account);
      if (!this.tree.find(`./DMAcc/${rec.id}`)) addAccountNodes(this.tree, rec);
      this.store.state.accounts = accountsFromTree(this.tree);
      // Requirement 3: connect on its own when the card says so.
      if (card.connectAutonomously) this.clientSessionDue = true;
    }
    this.store.save();
    this.emit('bootstrap', { applied: accepted, asked: card.userConfirmation });
  }

  private async lifecycle(linkFactory: LinkFactory): Promise<void> {
    try {
      await this.connectLoop(linkFactory);
    } finally {
      await linkFactory.release?.(this).catch(() => undefined);
    }
  }

  private async connectLoop(linkFactory: LinkFactory): Promise<void> {
    await this.boot();
    while (!this.stopped) {
      let conn: DeviceConnection;
      try {
        conn = await linkFactory(this);
      } catch (e) {
        this.log(`${this.devId}: cannot connect: ${e instanceof Error ? e.message : String(e)}`);
        await this.sleep(this.profile.replugDelayMs);
        continue;
      }
      this.connection = conn;
      this.emit('connected', conn.address);
      let outcome: 'reboot' | 'closed' | 'stopped';
      try {
        outcome = await this.serve(conn);
      } finally {
        this.connection = undefined;
        await conn.dispose().catch(() => undefined);
      }
      // A notification kept from the last connection was for it alone.
      this.heldNotification = undefined;
      this.emit('disconnected', outcome);
      if (outcome === 'stopped' || this.stopped) break;
      if (outcome === 'reboot') {
        this.emit('rebooting');
        await this.sleep(this.profile.rebootDelayMs + (this.faults.get('slow-reboot')?.ms ?? 0));
        // Stopped while rebooting: like a phone switched off mid-reboot, it finishes on the next start.
        if (this.stopped) break;
        this.finishReboot();
      } else {
        await this.sleep(this.profile.replugDelayMs);
      }
    }
  }

  private finishReboot(): void {
    const result = this.fumo.completeAfterReboot((version) => {
      this.store.state.fwVersion = version;
      this.store.state.swVersion = version;
    });
    this.store.state.boots++;
    this.store.save();
    this.clientSessionDue = true;
    this.emit('rebooted', { fwVersion: this.store.state.fwVersion, result });
  }

  /** Serve one connection; tells why it ended. */
  private async serve(conn: DeviceConnection): Promise<'reboot' | 'closed' | 'stopped'> {
    let linkBroken = false;
    // A phone that cannot be notified (HTTP) calls in as soon as it is connected.
    if (!conn.acceptsNotifications) this.clientSessionDue = true;
    while (!this.stopped && !linkBroken) {
      // A server that started over and asked for a session is answered before anything else.
      const asked = this.heldNotification !== undefined;
      if (this.workScheduled && !asked) {
        const after = await this.doScheduledWork();
        if (after === 'reboot') return 'reboot';
      }
      const pushed = this.pushedSession;
      if (pushed && !conn.acceptsNotifications) {
        this.pushedSession = undefined;
        linkBroken = !(await this.runSession(conn.link, 'server', pushed.sessionId, pushed.resync));
        continue;
      }
      if (this.clientSessionDue && !asked) {
        this.clientSessionDue = false;
        linkBroken = !(await this.runSession(conn.link, 'client', this.nextSessionId()));
        continue;
      }
      if (!conn.acceptsNotifications) {
        // Nothing can reach this phone: it calls in again after its polling interval (or at once
        // when it has something to say), so the kiosk gets a session for each job.
        const poll = this.profile.pollIntervalMs ?? DEFAULT_PROFILE.pollIntervalMs ?? 3000;
        if (this.pushedSession) continue;
        await new Promise<void>((resolve) => {
          const handle = this.clock.setTimeout(() => {
            this.clientSessionDue = true;
            this.wakeUp = undefined;
            resolve();
          }, poll);
          this.wakeUp = () => {
            this.clock.clearTimeout(handle);
            resolve();
          };
        });
        continue;
      }
      const ac = new AbortController();
      this.wakeUp = () => ac.abort();
      let payload = this.heldNotification;
      this.heldNotification = undefined;
      try {
        payload ??= await conn.link.receive({ signal: ac.signal });
      } catch (e) {
        if (ac.signal.aborted) continue;
        this.log(`${this.devId}: link ended: ${e instanceof Error ? e.message : String(e)}`);
        linkBroken = true;
        break;
      } finally {
        this.wakeUp = undefined;
      }
      if (payload.contentType.split(';')[0]?.trim().toLowerCase() !== PACKAGE0_CONTENT_TYPE) {
        this.log(`${this.devId}: ignored a ${payload.contentType} message outside a session`);
        continue;
      }
      const accepted = await this.acceptNotification(payload.body);
      if (accepted?.bootstrapServerId !== undefined) linkBroken = !(await this.runBootstrapSession(conn.link, accepted.bootstrapServerId, accepted.sessionId));
      else if (accepted) linkBroken = !(await this.runSession(conn.link, 'server', accepted.sessionId, accepted.resync));
    }
    return this.stopped ? 'stopped' : 'closed';
  }

  /** Install work the last session left (an Exec'd update): verify, then reboot or report. */
  private async doScheduledWork(): Promise<'reboot' | 'continue'> {
    this.workScheduled = false;
    await this.fumo.idle();
    if (!this.fumo.hasScheduledInstall()) {
      if (this.store.state.pendingAlerts.length > 0) this.clientSessionDue = true;
      return 'continue';
    }
    if (this.profile.confirmInstallOnDevice) {
      const ok = await this.userAgent.confirm('A firmware update is ready. Install it now? The phone will restart.');
      if (!ok) {
        this.fumo.cancelInstall(FumoResult.UserCancelled);
        this.clientSessionDue = true;
        return 'continue';
      }
    }
    const r = await this.fumo.prepareInstall();
    if (r === 'reboot') return 'reboot';
    this.emit('install-failed', { result: Number(this.pendingAlerts[this.pendingAlerts.length - 1]?.data ?? 0) });
    this.clientSessionDue = true;
    return 'continue';
  }

  /** Check a package 0; resolves with the session id to open, or undefined to ignore it. */
  async acceptNotification(bytes: Uint8Array): Promise<{ sessionId: string; resync: boolean; bootstrapServerId?: string } | undefined> {
    let pkg;
    try {
      pkg = decodePackage0(bytes);
    } catch (e) {
      this.emit('notification', { accepted: false, reason: `unreadable: ${e instanceof Error ? e.message : String(e)}` });
      return undefined;
    }
    const account = this.store.state.accounts.find((a) => a.serverId === pkg.serverId);
    if (!account) {
      if (this.profile.cableBootstrap && this.connection?.acceptsNotifications) {
        // No shared secret yet: the digest cannot be checked; the session that follows may only add the account.
        this.emit('notification', { accepted: true, uiMode: pkg.uiMode, sessionId: pkg.sessionId, bootstrap: pkg.serverId });
        return { sessionId: sessionIdText(pkg.sessionId), resync: false, bootstrapServerId: pkg.serverId };
      }
      this.emit('notification', { accepted: false, reason: `no account for server ${pkg.serverId}` });
      return undefined;
    }
    const stored = fromBase64(this.store.state.nonces?.[account.serverId]?.serverNonce ?? '') ?? RESYNC_NONCE;
    const verdict = verifyPackage0WithResync(pkg, account.serverSecret, stored.length > 0 ? stored : RESYNC_NONCE);
    if (!verdict.ok) {
      this.emit('notification', { accepted: false, reason: 'digest does not verify' });
      return undefined;
    }
    if (pkg.uiMode === 'informative') {
      await this.userAgent.display(`${account.name || account.serverId} is connecting to manage this phone.`);
    } else if (pkg.uiMode === 'user-interaction') {
      const ok = await this.userAgent.confirm(`${account.name || account.serverId} wants to manage this phone. Allow?`);
      if (!ok) {
        this.emit('notification', { accepted: false, reason: 'declined by the user', uiMode: pkg.uiMode });
        return undefined;
      }
    }
    this.emit('notification', { accepted: true, uiMode: pkg.uiMode, sessionId: pkg.sessionId, nonce: verdict.nonce });
    return { sessionId: sessionIdText(pkg.sessionId), resync: verdict.nonce === 'resync' && stored.length > 0 && stored !== RESYNC_NONCE };
  }

  private nextSessionId(): string {
    this.sessionCounter = (this.sessionCounter % 0xfff) + 1;
    return ((this.store.state.boots % 16) * 0x1000 + this.sessionCounter).toString(16).toUpperCase();
  }

  /**
   * The one session a server without an account gets over the cable (profile.cableBootstrap):
   * no credentials either way, only DMAcc Adds (after the user's yes where the profile asks)
   * and DevInfo reads. False when the link broke.
   */
  async runBootstrapSession(link: Link, serverId: string, sessionId: string): Promise<boolean> {
    const rule = this.profile.cableBootstrap;
    if (!rule) return true;
    let verdict: boolean | undefined = rule === 'allow' ? true : undefined;
    let added = 0;
    const denied = (): Promise<CommandReply> => Promise.resolve({ status: 425 });
    const full = this.handlerFor(serverId);
    const under = (uri: string, root: string): boolean => {
      const u = normaliseUri(uri);
      return u === root || u.startsWith(`${root}/`);
    };
    const handler: ClientHandler = {
      get: (uri) => (under(uri, './DevInfo') ? full.get(uri) : denied()),
      add: async (uri, data, meta) => {
        if (!under(uri, './DMAcc') || normaliseUri(uri) === './DMAcc') return { status: 425 };
        if (verdict === undefined) {
          verdict = await this.userAgent.confirm(`The service counter (${serverId}) wants to set up device management on this phone over the cable. Allow?`);
        }
        if (!verdict) return { status: 403 };
        const reply = await full.add(uri, data, meta);
        if (reply.status === 200) added++;
        return reply;
      },
      replace: denied,
      delete: denied,
      exec: denied,
      beginLargeObject: denied,
      userInteraction: (alert) => full.userInteraction(alert),
    };
    const options: ClientSessionOptions = {
      devId: this.devId,
      serverId,
      initiator: 'server',
      sessionId,
      devInfo: this.devInfo(),
      encoding: this.profile.encoding,
      maxMsgSize: this.profile.maxMsgSize,
      maxObjSize: this.profile.maxObjSize,
      clientAuth: 'none',
    };
    const record: SessionRecord = { initiator: 'server', sessionId, genericAlerts: [], ok: false };
    this.sessions.push(record);
    this.emit('session-start', record);
    const none = { authType: 'none', clientName: '', clientSecret: '', serverName: '', serverSecret: '' };
    try {
      record.outcome = await (this.sessionRunner ?? engineSessionRunner)(link, options, handler, {
        credentials: none,
        clock: this.clock,
        accounts: new MemoryAuthAccountStore(),
        random: nodeRandom,
      });
      record.ok = true;
    } catch (e) {
      record.error = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: string } | undefined)?.code;
      if (code === 'CABLE_UNPLUGGED' || code === 'LINK_CLOSED' || code === 'LINK_TIMEOUT') {
        this.emit('session-end', record);
        return false;
      }
    } finally {
      if (verdict !== undefined) this.emit('bootstrap', { applied: verdict && added > 0, asked: rule === 'confirm', serverId, via: 'cable' });
    }
    this.emit('session-end', record);
    return true;
  }

  /**
   * The link as one session sees it. A package 0 that arrives while the session waits for its
   * server means the server started over (a restarted kiosk): the session is abandoned
   * (SESSION_ABORTED) and the notification is kept, so the serve loop opens the fresh session it
   * asks for.
   */
  private sessionLink(link: Link): Link {
    return {
      id: link.id,
      kind: link.kind,
      send: (m) => link.send(m),
      close: () => link.close(),
      receive: async (options) => {
        const payload = await link.receive(options);
        if (payload.contentType.split(';')[0]?.trim().toLowerCase() === PACKAGE0_CONTENT_TYPE && this.fromOwnServer(payload.body)) {
          this.heldNotification = payload;
          this.emit('session-abandoned', { reason: 'notification' });
          throw new KioskError('SESSION_ABORTED', { detail: 'the server sent a new notification' });
        }
        return payload;
      },
    };
  }

  /** Is this package 0 from a server this phone has an account with, its digest correct? (No user is asked.) */
  private fromOwnServer(bytes: Uint8Array): boolean {
    try {
      const pkg = decodePackage0(bytes);
      const account = this.store.state.accounts.find((a) => a.serverId === pkg.serverId);
      if (!account) return false;
      const stored = fromBase64(this.store.state.nonces?.[account.serverId]?.serverNonce ?? '') ?? RESYNC_NONCE;
      return verifyPackage0WithResync(pkg, account.serverSecret, stored.length > 0 ? stored : RESYNC_NONCE).ok;
    } catch {
      return false;
    }
  }

  /** Run one session; false when the link broke (cable pulled, peer gone). */
  async runSession(link: Link, initiator: 'server' | 'client', sessionId: string, resync = false): Promise<boolean> {
    const account = this.account;
    const credentials = this.credentials();
    if (!account || !credentials) {
      this.log(`${this.devId}: no DM account, no session`);
      return true;
    }
    const runner = this.sessionRunner ?? engineSessionRunner;
    const alerts = [...this.store.state.pendingAlerts];
    const inFlight = new Set<GenericAlert>(alerts);
    const clientAuth = authTypeOf(credentials.authType) ?? 'md5';
    const options: ClientSessionOptions = {
      devId: this.devId,
      serverId: account.serverId,
      initiator,
      sessionId,
      devInfo: this.devInfo(),
      genericAlerts: alerts,
      encoding: this.profile.encoding,
      maxMsgSize: this.profile.maxMsgSize,
      maxObjSize: this.profile.maxObjSize,
      clientAuth,
      ...(resync ? { resyncNonce: true } : {}),
    };
    this.fumo.sessionStarted();
    const handler: ClientHandler = {
      ...this.handlerFor(account.serverId),
      // Results that arrive during the session (a background download ended) go out at once.
      takeGenericAlerts: () => {
        const fresh = this.store.state.pendingAlerts.filter((a) => !inFlight.has(a));
        for (const a of fresh) inFlight.add(a);
        record.genericAlerts.push(...fresh);
        return fresh;
      },
    };
    const record: SessionRecord = { initiator, sessionId, genericAlerts: [...alerts], ok: false };
    this.sessions.push(record);
    this.emit('session-start', record);
    try {
      record.outcome = await runner(this.sessionLink(link), options, handler, {
        credentials,
        clock: this.clock,
        accounts: this.accountStore(credentials),
        random: nodeRandom,
      });
      record.ok = true;
      // Drop the alerts the server acknowledged (all of them, for a runner that does not say).
      const outcome = record.outcome as Partial<ClientSessionOutcome> | undefined;
      const undelivered = outcome?.undeliveredAlerts ?? [];
      const keep = (a: GenericAlert): boolean => !inFlight.has(a) || undelivered.some((u) => sameAlert(u, a));
      this.store.state.pendingAlerts = this.store.state.pendingAlerts.filter(keep);
      this.store.save();
    } catch (e) {
      record.error = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: string } | undefined)?.code;
      this.emit('session-end', record);
      if (code === 'CABLE_UNPLUGGED' || code === 'LINK_CLOSED' || code === 'LINK_TIMEOUT') return false;
      return true;
    }
    this.emit('session-end', record);
    return true;
  }
}

function sameAlert(a: GenericAlert, b: GenericAlert): boolean {
  return a.type === b.type && a.data === b.data && a.correlator === b.correlator && a.sourceURI === b.sourceURI;
}

function accountRecord(a: ServerAccount): AccountRecord {
  return {
    id: a.id ?? (a.serverId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32) || 'Account1'),
    serverId: a.serverId,
    name: a.name ?? a.serverId,
    addr: a.addr ?? 'obex',
    authType: a.authType ?? 'syncml:auth-md5',
    clientName: a.clientName,
    clientSecret: a.clientSecret,
    serverName: a.serverName ?? a.serverId,
    serverSecret: a.serverSecret,
  };
}

/** The decline fault turns every answer into "no"; otherwise the configured user answers. */
class FaultAwareUser implements SimulatedUser {
  constructor(
    private readonly inner: SimulatedUser,
    private readonly faults: FaultSet,
  ) {}

  ask(alert: UserInteraction): Promise<UserAnswer | 'no-ui' | 'shown'> {
    if (this.faults.has('decline') && alert.code !== 1100) return Promise.resolve('no');
    return this.inner.ask(alert);
  }
}

export { FumoState };

function byteLength(data: ItemData | undefined): number {
  if (data === undefined) return 0;
  return typeof data === 'string' ? new TextEncoder().encode(data).length : data.length;
}
