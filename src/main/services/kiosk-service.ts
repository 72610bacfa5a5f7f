/**
 * The kiosk service: wires devices (scanner and links), DM sessions, FUMO jobs, the store and
 * events together, and implements the KioskApi the hosts serve.
 *
 * A cable link is driven by the kiosk alone (the kiosk is the OBEX client): the kiosk either
 * alerts the phone with a package 0 and accepts the session it opens, or, when the runner waits
 * for a phone that installs and reboots, listens for the session the phone opens by itself with
 * its result. A session from a phone goes to the runner first (a job may be waiting for it).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type RandomSource } from '../../core/clock';
import { RESYNC_NONCE } from '../../core/dm/auth';
import type { ItemData } from '../../core/dm/model';
import { encodePackage0, PACKAGE0_CONTENT_TYPE, type UiMode } from '../../core/dm/pkg0';
import { KioskError, isKioskError } from '../../core/errors';
import { JobRunner, type SessionRouting } from '../../core/fumo/runner';
import {
  isTerminal,
  type CustomerConsentAnswer,
  type CustomerConsentRequest,
  type AccountsPort,
  type DeviceNodeMap,
  type FumoSession,
  type FumoSettings,
  type JobSnapshot,
  type JobState,
} from '../../core/fumo/ports';
import type { DmPayload, Link } from '../../core/link';
import type { DmSession } from '../../core/session/api';
import { acceptSession, type ServerSessionOptions } from '../../core/session/server';
import {
  fail,
  maskDevId,
  ok,
  toResult,
  type KioskBackend,
  type KioskEventListener,
  type KioskEventName,
  type KioskEvents,
  type Result,
} from '../../shared/api';
import type {
  BundleView,
  ExportFile,
  HistoryPage,
  ImportReport,
  Receipt,
  Snapshot,
  TrustedKey,
  ConsentAnswer,
  ConsentMode,
  ConsentRequest,
  DeviceState,
  DeviceView,
  HistoryFilter,
  HistoryRecord,
  JobPhase,
  JobResult,
  JobView,
  Problem,
  SessionView,
  Settings,
  SettingsPatch,
  StartJobParams,
} from '../../shared/schemas';
import { describeError, type ErrorCode } from '../../shared/errors';
import { openSerialLink } from '../links/serial';
import { DeviceScanner, createDeviceScanner, serialAdapter, usbAdapter, type DiscoveredDevice } from '../links/scanner';
import { SIMULATED_SERIAL_PROFILE } from '../demo/sim-profile';
import { profileById, findProfile, loadProfiles, GENERIC_SERIAL_PROFILE_ID, type DeviceProfile } from '../../transport/profiles';
import { createStorePorts, importDemoCatalog, openStore, toBundleView, toHistoryRecord, toTrustedKey, type Actor, type KioskStore } from '../store';
import { accountsPort, sessionAccounts, SIMULATED_ACCOUNT } from './adapters';
import { DEMO_PIN, PinStore } from './pin';
import { PayloadServer } from './payload-server';
import { decodeMessage } from '../../core/dm/codec';
import { provisionDmAccount } from '../../core/fumo/bootstrap';
import { CONSENT_TEXT_VERSION, privacyTexts, warrantyTexts } from '../../core/fumo/consent-text';

// ---------------------------------------------------------------------------------------------
// Device sources

export type { DiscoveredDevice };

/** Anything that reports devices coming and going: the DeviceScanner, or the demo's own simulation. */
export interface DeviceSource {
  on(event: 'attach', listener: (d: DiscoveredDevice) => void): unknown;
  on(event: 'detach', listener: (d: { portId: string }) => void): unknown;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

// ---------------------------------------------------------------------------------------------
// Options and state

export interface KioskServiceOptions {
  dataDir: string;
  /** Three simulated phones and the demo catalogue; PIN 1234. */
  demo?: boolean;
  clock?: Clock;
  random?: RandomSource;
  /** The kiosk's DM server id (DMAcc ServerID, package 0). */
  serverId?: string;
  /**
   * Where devices come from (default: the scanner: serial ports, USB and the simulated phones of
   * the machine's sim registry; in demo mode serial ports and USB only, beside the demo's own
   * phones); more with addDeviceSource().
   */
  sources?: DeviceSource[];
  /** How a discovered device becomes a Link (default: OBEX over the serial path). */
  openLink?: (device: DiscoveredDevice, profile: DeviceProfile) => Promise<Link>;
  profiles?: DeviceProfile[];
  /** Job settings beyond the stored ones (timeouts, consent timings). */
  fumo?: Partial<FumoSettings>;
  /** How long the kiosk waits for each message of a phone (default 60 s). */
  sessionTimeoutMs?: number;
  /** Identify each phone (model, version, update state) as soon as it is attached (default true). */
  identifyOnAttach?: boolean;
  /** Demo simulation: where the phones keep their state (default <dataDir>/demo-phones). */
  demoStateDir?: string;
  /**
   * The kiosk's own download server for phones whose link reaches it over HTTP (DownloadAndUpdate
   * with a PkgURL): listen address (default 127.0.0.1), port (default any free one) and the host
   * name written into the URLs (default the listen address).
   */
  payloadServer?: { host?: string; port?: number; publicHost?: string };
  log?: (line: string) => void;
}

/** Who answers a customer consent request when no screen does (the CLI). */
export type ConsentResponder = (request: CustomerConsentRequest, mode: ConsentMode) => Promise<CustomerConsentAnswer>;

interface DeviceEntry {
  d: DiscoveredDevice;
  profile: DeviceProfile;
  link: Link | undefined;
  attached: boolean;
  /** Full DevId once known (hint or package 1). */
  devId: string | undefined;
  view: DeviceView;
  /** Serialises use of the link: one session at a time. */
  lock: Promise<void>;
  /** Bumped on every (re)attach, when the lock chain starts afresh for the new link. */
  generation: number;
  /** The link being opened, so two users of the port never open it twice. */
  opening: Promise<Link> | undefined;
  identified: Promise<void> | undefined;
}

interface JobInfo {
  portId: string;
  consentMode: ConsentMode;
  retryOf: string | null;
  bytesSent: number;
  bytesTotal: number;
  speedBps: number | null;
  etaSeconds: number | null;
  finishedAt: number | null;
}

interface PendingConsent {
  request: ConsentRequest;
  resolve(answer: CustomerConsentAnswer): void;
  reject(e: Error): void;
}

const TECH_ACTOR: Actor = { name: 'technician', role: 'technician' };

/** Extra attempts to identify a phone whose port is still busy (500 ms, 1 s, 2 s apart). */
const IDENTIFY_RETRIES = 3;

function phaseOf(s: JobSnapshot): JobPhase {
  const map: Record<JobState, JobPhase> = {
    discovered: 'queued',
    session: 'connecting',
    identified: 'capabilities',
    matched: 'capabilities',
    'pre-flight': 'preflight',
    'awaiting-customer-consent': 'awaiting-consent',
    'awaiting-device-consent': 'awaiting-device-consent',
    downloading: 'downloading',
    scheduled: 'scheduled',
    installing: 'installing',
    verifying: 'verifying',
    notifying: 'verifying',
    done: 'completed',
    'up-to-date': 'completed',
    declined: 'declined',
    failed: 'failed',
    cancelled: 'cancelled',
  };
  return map[s.state];
}

function resultOf(s: JobSnapshot): JobResult | null {
  switch (s.state) {
    case 'done':
      return 'success';
    case 'up-to-date':
      return 'up-to-date';
    case 'declined':
      return 'declined';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
      return 'failed';
    case 'scheduled':
      return s.parked ? 'scheduled' : null;
    default:
      return null;
  }
}

interface PeekedLink {
  /** The same link, whose next receive() gives the peeked message again. */
  link: Link;
  /** The phone's first message carries credentials (SyncHdr Cred or an HMAC header). */
  credentials: boolean;
  /** SyncHdr Source of package 1. */
  devId?: string;
}

/** Read the phone's package 1 to see whether it authenticates, and hand it on unread. */
async function peekFirstMessage(link: Link, timeoutMs: number): Promise<PeekedLink> {
  const first = await link.receive({ timeoutMs });
  let credentials = true;
  let devId: string | undefined;
  try {
    const { message } = decodeMessage(first.body, first.contentType);
    credentials = message.header.cred !== undefined || first.headers?.['x-syncml-hmac'] !== undefined;
    devId = message.header.source.locURI;
  } catch {
    // Unreadable: let the session engine report it as it always does.
  }
  let pending: DmPayload | undefined = first;
  const replay: Link = {
    get id() {
      return link.id;
    },
    get kind() {
      return link.kind;
    },
    send: (m) => link.send(m),
    receive: (o) => {
      const p = pending;
      pending = undefined;
      return p ? Promise.resolve(p) : link.receive(o);
    },
    close: () => link.close(),
  };
  return { link: replay, credentials, ...(devId !== undefined ? { devId } : {}) };
}

function text(data: ItemData | undefined): string | undefined {
  if (data === undefined) return undefined;
  return typeof data === 'string' ? data : new TextDecoder().decode(data);
}


/** Device profile values the FUMO job reads. */
export function nodesOf(profile: DeviceProfile): DeviceNodeMap {
  return {
    fumoUri: profile.fumoPath,
    ...(profile.batteryNode ? { batteryUri: profile.batteryNode } : {}),
    ...(profile.externalPowerNode ? { externalPowerUri: profile.externalPowerNode } : {}),
    freeSpaceUri: './DevDetail/Ext/FreeSpace',
    // DownloadAndUpdate with a PkgURL served by the kiosk itself where the phone can reach it over HTTP.
    httpCapable: profile.linkKind === 'http' || profile.httpPayload === true,
    // The job reads <fumo>/Ext/ReceivedBytes and writes <fumo>/Ext/PkgId under the FUMO root it finds.
    ...(profile.resumeDownload ? { resumeSupported: true } : {}),
  };
}

export class KioskService extends EventEmitter implements KioskBackend {
  readonly store: KioskStore;
  readonly runner: JobRunner;
  readonly serverId: string;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly entries = new Map<string, DeviceEntry>();
  private readonly jobInfo = new Map<string, JobInfo>();
  /** Jobs waiting for a phone whose cable was pulled (by job id, with its DevId): shown as CABLE_UNPLUGGED until it is back. */
  private readonly cableOut = new Map<string, string>();
  private readonly consents = new Map<string, PendingConsent>();
  private customerRequestId: string | null = null;
  private authSession: SessionView | null = null;
  private consentResponder: ConsentResponder | undefined;
  private readonly sources: DeviceSource[] = [];
  private readonly pins: PinStore;
  private readonly profiles: DeviceProfile[];
  private readonly simulatedDevIds = new Set<string>();
  private closed = false;
  private readonly log: (line: string) => void;
  private readonly background = new Set<Promise<unknown>>();
  private readonly sessionAccountStore;
  demoSimulation: { stop(): Promise<void> } | undefined;
  private readonly accountsPort: AccountsPort;
  /** Serves bundles to phones that fetch their update by PkgURL (started on first use). */
  readonly payloads: PayloadServer;

  constructor(private readonly options: KioskServiceOptions) {
    super();
    mkdirSync(options.dataDir, { recursive: true });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? { bytes: (n) => new Uint8Array(randomBytes(n)) };
    this.serverId = options.serverId ?? SIMULATED_ACCOUNT.serverId;
    this.log = options.log ?? (() => undefined);
    this.store = openStore(options.dataDir, { clock: this.clock, random: this.random });
    this.pins = new PinStore(options.dataDir);
    this.profiles = options.profiles ?? safeProfiles();
    this.sessionAccountStore = sessionAccounts(this.store, (devId) => this.simulatedDevIds.has(devId));
    const storePorts = createStorePorts(this.store, {
      describeJob: (jobId) => {
        const info = this.jobInfo.get(jobId);
        const entry = info ? this.entries.get(info.portId) : undefined;
        return { portId: info?.portId ?? '', linkKind: entry?.d.linkKind ?? 'unknown' };
      },
      consentTextVersion: () => CONSENT_TEXT_VERSION,
    });
    const settingsOf = (): Partial<FumoSettings> => ({
      ...options.fumo,
      batteryThresholdPercent: this.store.settings.get('batteryThresholdPercent'),
      consentTextVersion: CONSENT_TEXT_VERSION,
    });
    this.accountsPort = accountsPort(this.store, this.serverId, 'obex://fumo-kiosk', this.random);
    this.payloads = new PayloadServer({
      open: (bundleId) => this.store.catalog.openPayload(bundleId),
      random: this.random,
      ...(options.payloadServer ?? {}),
      onProgress: (offer, served, total) => this.onPayloadServed(offer.devId, served, total),
    });
    this.runner = new JobRunner({
      concurrency: this.store.settings.get('concurrency'),
      ports: {
        ...storePorts,
        catalog: {
          ...storePorts.catalog,
          payloadUrl: async (bundleId, devId) => {
            // One URL per job: an earlier one for this phone is withdrawn first.
            this.payloads.revokeDevice(devId);
            return (await this.payloads.offer(bundleId, devId)).url;
          },
        },
        consent: { askCustomer: (r, signal) => this.askCustomer(r, signal) },
        clock: this.clock,
        random: this.random,
        accounts: this.accountsPort,
        get settings(): Partial<FumoSettings> {
          return settingsOf();
        },
      },
      nodesFor: (snap) => {
        const entry = snap.portId ? this.entries.get(snap.portId) : undefined;
        return entry ? nodesOf(entry.profile) : undefined;
      },
    });
    this.runner.on((e) => {
      if (e.type === 'waiting') {
        if (e.reason === 'reconnect') this.showCableOut(e.jobId, e.devId);
        this.onJobWaiting(e.devId, e.reason);
      } else if (e.type === 'job-state') this.onJobState(e.snapshot);
      else if (e.type === 'job-progress') {
        const info = this.jobInfo.get(e.progress.jobId);
        if (!info) return;
        info.bytesSent = e.progress.bytesSent;
        info.bytesTotal = e.progress.totalBytes;
        info.speedBps = e.progress.speedBps;
        info.etaSeconds = e.progress.etaSeconds ?? null;
        this.emitEvent('job:progress', {
          jobId: e.progress.jobId,
          portId: info.portId,
          bytesSent: e.progress.bytesSent,
          bytesTotal: e.progress.totalBytes,
          speedBps: e.progress.speedBps,
          etaSeconds: e.progress.etaSeconds ?? null,
        });
      }
    });
    this.profiles.push(SIMULATED_SERIAL_PROFILE);
    for (const s of options.sources ?? [defaultScanner(options.demo === true)]) this.addDeviceSource(s);
  }

  /** Start: import the demo catalogue and phones (demo), resume or report unfinished jobs, start the sources. */
  async start(): Promise<void> {
    if (this.options.demo) {
      await importDemoCatalog(this.store);
      if (!this.pins.has('demo')) this.pins.set('demo', 'admin', DEMO_PIN);
    }
    const restored = await this.runner.restore();
    for (const s of restored.resumable) this.jobInfoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    for (const s of this.sources) await s.start?.();
  }

  addDeviceSource(source: DeviceSource): void {
    this.sources.push(source);
    source.on('attach', (d) => this.track(this.onAttach(d)));
    source.on('detach', (d) => this.onDetach(d.portId));
  }

  /** Answer customer consent requests here instead of on a screen (the CLI). */
  setConsentResponder(responder: ConsentResponder | undefined): void {
    this.consentResponder = responder;
  }

  addProfile(profile: DeviceProfile): void {
    const i = this.profiles.findIndex((p) => p.id === profile.id);
    if (i >= 0) this.profiles.splice(i, 1);
    this.profiles.push(profile);
  }

  /** Mark DevIds as simulated phones (they share the simulator's demo account). */
  trustSimulatedDevice(devId: string, own = false): void {
    this.simulatedDevIds.add(devId);
    if (own) this.ownPhones.add(devId);
  }

  private readonly ownPhones = new Set<string>();
  /** History records already announced (history:added), by audit id. */
  private readonly announcedHistory = new Set<string>();

  // -------------------------------------------------------------------- events

  private emitEvent<E extends KioskEventName>(event: E, payload: KioskEvents[E]): void {
    this.emit(event, payload);
  }

  override on<E extends KioskEventName>(event: E, listener: KioskEventListener<E>): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends KioskEventName>(event: E, listener: KioskEventListener<E>): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  private track<T>(p: Promise<T>): void {
    const q = p.catch((e: unknown) => this.log(`background task failed: ${e instanceof Error ? e.message : String(e)}`));
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  // -------------------------------------------------------------------- devices

  private profileFor(d: DiscoveredDevice): DeviceProfile {
    // A simulated phone's pty has no line rate or flow control to set.
    if (d.simulated && d.linkKind === 'serial') return this.profiles.find((p) => p.id === SIMULATED_SERIAL_PROFILE.id) ?? SIMULATED_SERIAL_PROFILE;
    const p = profileById(d.profileId, this.profiles) ?? findProfile(d.vid, d.pid, this.profiles) ?? profileById(GENERIC_SERIAL_PROFILE_ID, this.profiles);
    if (!p) throw new KioskError('INTERNAL', { detail: `no device profile for ${d.portId}` });
    return p;
  }

  private async onAttach(d: DiscoveredDevice): Promise<void> {
    if (this.closed) return;
    this.log(`attach ${d.portId} ${d.path}${d.devIdHint ? ` ${d.devIdHint}` : ''}`);
    const profile = this.profileFor(d);
    if (d.simulated && d.devIdHint) this.simulatedDevIds.add(d.devIdHint);
    // The demo's own phones arrive through their own source; the scanner may see them too.
    if (d.devIdHint && this.ownPhones.has(d.devIdHint) && d.portId !== `sim:${d.devIdHint}`) return;
    const existing = this.entries.get(d.portId);
    const entry: DeviceEntry = existing ?? {
      d,
      profile,
      link: undefined,
      attached: true,
      devId: d.devIdHint,
      lock: Promise.resolve(),
      generation: 0,
      opening: undefined,
      identified: undefined,
      view: {
        portId: d.portId,
        linkKind: d.linkKind,
        simulated: d.simulated === true,
        devId: d.devIdHint ? maskDevId(d.devIdHint) : null,
        manufacturer: null,
        model: null,
        fwVersion: null,
        targetVersion: null,
        bundleId: null,
        battery: null,
        externalPower: null,
        supportsSchedule: true,
        state: 'connecting',
        phase: null,
        jobId: null,
        problems: [],
        attachedAt: this.clock.now(),
      },
    };
    if (existing) {
      await existing.link?.close().catch(() => undefined);
      existing.d = d;
      existing.profile = profile;
      existing.link = undefined;
      existing.opening = undefined;
      existing.attached = true;
      // Whoever held the old link finds it closed; the new link starts a fresh queue.
      existing.lock = Promise.resolve();
      existing.generation++;
      if (d.devIdHint) existing.devId = d.devIdHint;
    }
    this.entries.set(d.portId, entry);
    this.emitEvent(existing ? 'device:updated' : 'device:attached', entry.view);
    entry.identified = this.afterAttach(entry);
    await entry.identified;
  }

  private onDetach(portId: string): void {
    this.log(`detach ${portId}`);
    const entry = this.entries.get(portId);
    if (!entry) return;
    entry.attached = false;
    const link = entry.link;
    entry.link = undefined;
    void link?.close().catch(() => undefined);
    // A device with a job keeps its entry (it comes back after a reboot or a replug).
    const job = entry.devId ? this.runner.activeFor(entry.devId) : undefined;
    if (job) return;
    this.entries.delete(portId);
    this.emitEvent('device:detached', { portId });
  }

  private async linkOf(entry: DeviceEntry): Promise<Link> {
    if (entry.link) return entry.link;
    if (!entry.attached) throw new KioskError('CABLE_UNPLUGGED');
    // One open at a time per port: a second open of the same port fails on its lock.
    if (entry.opening) return entry.opening;
    const open = this.options.openLink ?? ((d: DiscoveredDevice, p: DeviceProfile) => openSerialLink(d.path, p, { clock: this.clock }));
    const generation = entry.generation;
    const opening = open(entry.d, entry.profile);
    entry.opening = opening;
    try {
      const link = await opening;
      if (entry.generation !== generation || !entry.attached) {
        // The phone went away (or came back on another path) while its port was opening.
        await link.close().catch(() => undefined);
        throw new KioskError('CABLE_UNPLUGGED');
      }
      entry.link = link;
      return link;
    } finally {
      if (entry.opening === opening) entry.opening = undefined;
    }
  }

  /** A fatal link error (OBEX operation broken) leaves the port usable once reopened; only the link that failed is closed. */
  private async dropLink(entry: DeviceEntry, link: Link | undefined): Promise<void> {
    if (!link) return;
    if (entry.link === link) entry.link = undefined;
    await link.close().catch(() => undefined);
  }

  /**
   * Take the device's link for one session; the returned function gives it back. A caller that
   * queued for the link of an earlier attach queues again for the current one, so two sessions
   * never read the same link at once.
   */
  private async lease(entry: DeviceEntry): Promise<() => void> {
    for (;;) {
      const generation = entry.generation;
      const previous = entry.lock;
      let release!: () => void;
      entry.lock = new Promise<void>((r) => (release = r));
      await previous;
      if (entry.generation === generation) return release;
      release();
    }
  }

  private sessionOptions(timeoutMs?: number): ServerSessionOptions {
    return {
      serverId: this.serverId,
      clientAuth: 'md5',
      accounts: this.sessionAccountStore,
      acceptResyncNonce: true,
      clock: this.clock,
      random: this.random,
      timeoutMs: timeoutMs ?? this.options.sessionTimeoutMs ?? 60_000,
      keepAliveIntervalMs: 2000,
    };
  }

  /**
   * Package 0 over the link, then accept the session the phone opens.
   *
   * Bootstrap over a local cable: a phone that holds no DM account for this kiosk answers with a
   * package 1 that carries no credentials (it has none). On a cable (never over HTTP) the kiosk
   * then accepts that one session without authentication and uses it for nothing but adding
   * the kiosk's account (DMAcc with per-device credentials, generated here and kept in the
   * store), honouring the phone's answer: a refusal ends it as BOOTSTRAP_REFUSED and nothing is
   * stored. The kiosk then alerts the phone again and requires MD5 authentication with the new
   * credentials, as for every other session; a phone that still presents none is refused.
   */
  private async alertAndAccept(entry: DeviceEntry, uiMode: UiMode = 'background', bootstrapped = false): Promise<DmSession> {
    const link = await this.linkOf(entry);
    const devId = entry.devId;
    const account = devId ? await this.sessionAccountStore.get(devId, this.serverId) : undefined;
    const password = account?.serverSecret ?? (entry.d.simulated ? SIMULATED_ACCOUNT.serverSecret : '');
    const sessionId = 1 + ((((this.random.bytes(2)[0] ?? 0) << 8) | (this.random.bytes(1)[0] ?? 0)) % 0xfffe);
    // The resynchronisation nonce: accepted by every phone whatever nonce it last stored.
    const body = encodePackage0({ uiMode, initiator: 'server', sessionId, serverId: this.serverId }, { password, nonce: RESYNC_NONCE });
    let first: PeekedLink;
    try {
      await link.send({ body, contentType: PACKAGE0_CONTENT_TYPE });
      first = await peekFirstMessage(link, this.options.sessionTimeoutMs ?? 60_000);
    } catch (e) {
      await this.dropLink(entry, link);
      throw e;
    }
    if (!first.credentials && !bootstrapped && entry.d.linkKind !== 'http' && first.devId !== undefined && !this.holdsOwnAccount(first.devId)) {
      await this.bootstrapOverCable(entry, first.link);
      return this.alertAndAccept(entry, uiMode, true);
    }
    try {
      const session = await acceptSession(first.link, this.sessionOptions());
      this.learn(entry, session);
      return session;
    } catch (e) {
      await this.dropLink(entry, link);
      throw e;
    }
  }

  /** The kiosk keeps per-device credentials for this phone (not only the simulator's shared demo account). */
  private holdsOwnAccount(devId: string): boolean {
    const a = this.store.accounts.getSync(devId, this.serverId);
    if (!a) return false;
    return !(this.simulatedDevIds.has(devId) && a.clientSecret === SIMULATED_ACCOUNT.clientSecret);
  }

  /** The unauthenticated bootstrap session (see alertAndAccept): the kiosk's account is added, nothing else. */
  private async bootstrapOverCable(entry: DeviceEntry, link: Link): Promise<void> {
    let session: DmSession;
    try {
      session = await acceptSession(link, { ...this.sessionOptions(), clientAuth: 'none', accounts: undefined });
    } catch (e) {
      await this.dropLink(entry, link);
      throw e;
    }
    this.learn(entry, session);
    const devId = session.hello.devId;
    this.log(`bootstrap ${devId} over ${entry.d.portId}`);
    try {
      await provisionDmAccount(session, devId, this.accountsPort, this.random);
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  /** Wait for the phone to open a session by itself (after its install and reboot). */
  private async listenAccept(entry: DeviceEntry, timeoutMs: number): Promise<DmSession> {
    const link = await this.linkOf(entry);
    try {
      const session = await acceptSession(link, this.sessionOptions(timeoutMs));
      this.learn(entry, session);
      return session;
    } catch (e) {
      await this.dropLink(entry, link);
      throw e;
    }
  }

  private learn(entry: DeviceEntry, session: DmSession): void {
    const h = session.hello;
    entry.devId = h.devId;
    entry.view = {
      ...entry.view,
      devId: maskDevId(h.devId),
      manufacturer: h.devInfo.Man ?? entry.view.manufacturer,
      model: h.devInfo.Mod ?? entry.view.model,
    };
  }

  /** A session that gives the link back when it ends. */
  private leased(session: DmSession, release: () => void): FumoSession {
    let released = false;
    const free = (): void => {
      if (!released) {
        released = true;
        release();
      }
    };
    return {
      get hello() {
        return session.hello;
      },
      get genericAlerts() {
        return session.genericAlerts;
      },
      get ended() {
        return session.ended;
      },
      get: (u) => session.get(u),
      add: (u, d, m) => session.add(u, d, m),
      replace: (u, d, m) => session.replace(u, d, m),
      replaceLarge: (u, s, o) => session.replaceLarge(u, s, o),
      exec: (u, o) => session.exec(u, o),
      display: (t, o) => session.display(t, o),
      confirm: (t, o) => session.confirm(t, o),
      waitForGenericAlert: async (p, t) => {
        try {
          return await session.waitForGenericAlert(p, t);
        } catch (e) {
          free();
          throw e;
        }
      },
      end: async () => {
        try {
          await session.end();
        } finally {
          free();
        }
      },
    };
  }

  private async afterAttach(entry: DeviceEntry): Promise<void> {
    const expected = this.runner.expectedDevices();
    const hint = entry.devId;
    const wants = (reason: 'reboot' | 'reconnect'): boolean =>
      hint !== undefined ? expected.get(hint) === reason : [...expected.values()].includes(reason);
    if (wants('reboot')) {
      const release = await this.lease(entry);
      try {
        const session = await this.listenAccept(entry, this.options.fumo?.installTimeoutMs ?? 120_000);
        this.route(entry, this.leased(session, release));
        return;
      } catch (e) {
        release();
        this.log(`${entry.d.portId}: no session from the phone after its reboot (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (wants('reconnect')) {
      const release = await this.lease(entry);
      try {
        const session = await this.alertAndAccept(entry);
        this.route(entry, this.leased(session, release));
        return;
      } catch (e) {
        release();
        this.log(`${entry.d.portId}: the phone did not answer (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (this.options.identifyOnAttach !== false) await this.identifyPatiently(entry).catch((e: unknown) => this.markProblem(entry, e));
  }

  /**
   * Identify a newly attached phone. A port that is still busy (another program probing a new
   * port, a slow machine still releasing the previous link) fails to open with CABLE_UNPLUGGED
   * while the phone is plugged in: try again a few times, a little later each time, as long as
   * the same attach stands.
   */
  private async identifyPatiently(entry: DeviceEntry): Promise<void> {
    const generation = entry.generation;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.identify(entry);
        return;
      } catch (e) {
        const again = isKioskError(e) && e.code === 'CABLE_UNPLUGGED' && attempt < IDENTIFY_RETRIES && !this.closed;
        if (!again || !entry.attached || entry.generation !== generation) throw e;
        this.log(`${entry.d.portId}: port busy, identifying again (${attempt + 1}/${IDENTIFY_RETRIES})`);
        await new Promise<void>((r) => this.clock.setTimeout(r, 500 * 2 ** attempt));
        if (!entry.attached || entry.generation !== generation || this.closed) throw e;
      }
    }
  }

  /**
   * A job waits for its phone. A phone still on its cable after an Exec may report without a
   * reboot (an install refused before it began): listen on the link it is on.
   */
  private onJobWaiting(devId: string, reason: 'reboot' | 'reconnect'): void {
    if (reason !== 'reboot' || this.closed) return;
    const entry = [...this.entries.values()].find((e) => e.attached && e.devId === devId);
    if (!entry) return;
    this.track(
      (async () => {
        const release = await this.lease(entry);
        if (!entry.attached || !this.runner.expectedDevices().has(devId)) {
          release();
          return;
        }
        try {
          const session = await this.listenAccept(entry, this.options.fumo?.installTimeoutMs ?? 600_000);
          this.route(entry, this.leased(session, release));
        } catch {
          // The phone rebooted (this link ended): it comes back on a new link.
          release();
        }
      })(),
    );
  }

  /** Offer a session to the runner; a job it goes to no longer waits for a pulled cable. */
  private offerToRunner(session: FumoSession): SessionRouting {
    const routed = this.runner.offerSession(session);
    if (routed === 'handed-to-waiting-job' || routed === 'resumed-parked-job') this.clearCableOut(session.hello.devId);
    return routed;
  }

  /**
   * The phone of a running job went away mid-update (the job waits to reconnect): the job and
   * the device card say so in plain words at once, not only when the job gives up.
   */
  private showCableOut(jobId: string, devId: string): void {
    const snap = jobId ? this.runner.get(jobId) : this.runner.activeFor(devId);
    if (!snap || isTerminal(snap.state) || this.closed) return;
    this.cableOut.set(snap.jobId, devId);
    this.onJobState(snap);
  }

  /** The phone is back and its job resumes: the cable problem is cleared on the job and the card. */
  private clearCableOut(devId: string): void {
    for (const [jobId, d] of this.cableOut) {
      if (d !== devId) continue;
      this.cableOut.delete(jobId);
      const snap = this.runner.get(jobId);
      if (snap) this.onJobState(snap);
    }
  }

  /** Hand a phone's session to the runner; an unclaimed one is identified, or starts the customer's own request. */
  private route(entry: DeviceEntry, session: FumoSession): void {
    const routed = this.offerToRunner(session);
    if (routed !== 'unclaimed') return;
    const request = [...session.hello.genericAlerts, ...session.genericAlerts].find((a) => /firmwareupdate\.(userrequest|devicerequest)$/i.test(a.type));
    if (request && session.hello.initiator === 'client') {
      // The customer asked on the phone (Alert 1201 + Generic Alert): the same consent steps follow.
      this.startJobOn(entry, { consentMode: 'customer', schedule: undefined, bundleId: undefined, trigger: 'customer', session });
      return;
    }
    this.track(this.identifyWith(entry, session).finally(() => session.end().catch(() => undefined)));
  }

  /** Open a session only to learn model, version and whether an update applies (nobody is prompted). */
  async identify(entry: DeviceEntry): Promise<void> {
    const release = await this.lease(entry);
    let session: FumoSession | undefined;
    try {
      session = this.leased(await this.alertAndAccept(entry), release);
    } catch (e) {
      release();
      throw e;
    }
    // A phone with a job waiting for it (e.g. it came back on its own) goes to that job.
    if (this.offerToRunner(session) !== 'unclaimed') return;
    try {
      await this.identifyWith(entry, session);
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  private async identifyWith(entry: DeviceEntry, session: FumoSession): Promise<void> {
    const get = async (uri: string): Promise<string | undefined> => {
      const [r] = await session.get([uri]);
      return r && r.status >= 200 && r.status < 300 ? text(r.values[0]?.data) : undefined;
    };
    const fw = await get('./DevDetail/FwV');
    const battery = entry.profile.batteryNode ? Number(await get(entry.profile.batteryNode)) : NaN;
    const powerText = entry.profile.externalPowerNode ? await get(entry.profile.externalPowerNode) : undefined;
    const external = powerText === undefined ? null : /^(true|1|yes|ac|usb)$/i.test(powerText.trim());
    const model = session.hello.devInfo.Mod ?? entry.view.model ?? '';
    const problems: Problem[] = [];
    let state: DeviceState = 'no-update';
    let targetVersion: string | null = null;
    let bundleId: string | null = null;
    if (fw !== undefined) {
      const match = await createStorePorts(this.store).catalog.match({
        devId: session.hello.devId,
        manufacturer: session.hello.devInfo.Man ?? '',
        model,
        fwVersion: fw,
        largeObjects: true,
        fumoUri: entry.profile.fumoPath,
      });
      if (match.kind === 'up-to-date') state = 'up-to-date';
      else if (match.kind === 'offer') {
        state = 'update-available';
        targetVersion = match.offer.targetVersion;
        bundleId = match.offer.bundleId;
        const threshold = this.store.settings.get('batteryThresholdPercent');
        if (Number.isFinite(battery) && battery < threshold) {
          problems.push({
            code: 'BATTERY_LOW',
            message: describeError('BATTERY_LOW', { required: threshold, measured: battery }),
            required: threshold,
            measured: battery,
            blocking: external !== true,
          });
          if (external !== true) state = 'blocked';
        }
      } else if (match.refusal.code !== 'MODEL_MISMATCH' && match.refusal.code !== 'VERSION_MISMATCH') {
        problems.push(this.problem(match.refusal.code, match.refusal.details));
      }
    }
    entry.view = {
      ...entry.view,
      fwVersion: fw ?? null,
      model: model || null,
      battery: Number.isFinite(battery) ? Math.max(0, Math.min(100, battery)) : null,
      externalPower: external,
      targetVersion,
      bundleId,
      problems,
      state: entry.view.jobId && !this.isJobOver(entry.view.jobId) ? entry.view.state : state,
    };
    this.emitEvent('device:updated', entry.view);
  }

  private problem(code: ErrorCode, details: Record<string, string | number | undefined>): Problem {
    const required = details['required'];
    const measured = details['measured'];
    return { code, message: describeError(code, details), required: required ?? null, measured: measured ?? null, blocking: true };
  }

  private markProblem(entry: DeviceEntry, e: unknown): void {
    const err = isKioskError(e) ? e : new KioskError('INTERNAL', { detail: e instanceof Error ? e.message : String(e) });
    entry.view = { ...entry.view, problems: [{ code: err.code, message: err.message, required: null, measured: null, blocking: true }] };
    this.emitEvent('device:updated', entry.view);
  }

  /** Wait until every attached device has been identified (or failed to be). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.identified?.catch(() => undefined)));
  }

  /** The unfinished job of the device on a port (running, queued or parked), if any. */
  activeJobOn(portId: string): JobSnapshot | undefined {
    const devId = this.fullDevId(portId);
    return devId ? this.runner.activeFor(devId) : undefined;
  }

  /** The unmasked DevId of the device on a port, once known. */
  fullDevId(portId: string): string | undefined {
    const e = this.entries.get(portId);
    return e?.devId ?? e?.d.devIdHint;
  }

  listDevices(): DeviceView[] {
    return [...this.entries.values()].map((e) => e.view);
  }

  private findEntry(ref: { portId?: string; devId?: string }): DeviceEntry {
    if (ref.portId) {
      const e = this.entries.get(ref.portId);
      if (e) return e;
      throw new KioskError('DEVICE_NOT_FOUND', { detail: ref.portId });
    }
    const devId = ref.devId ?? '';
    for (const e of this.entries.values()) if (e.devId === devId || e.d.devIdHint === devId || e.view.devId === devId) return e;
    throw new KioskError('DEVICE_NOT_FOUND', { detail: devId });
  }

  // -------------------------------------------------------------------- jobs

  private jobInfoFor(jobId: string, portId: string, consentMode: ConsentMode, retryOf: string | null = null): JobInfo {
    let info = this.jobInfo.get(jobId);
    if (!info) {
      info = { portId, consentMode, retryOf, bytesSent: 0, bytesTotal: 0, speedBps: null, etaSeconds: null, finishedAt: null };
      this.jobInfo.set(jobId, info);
    }
    return info;
  }

  private isJobOver(jobId: string): boolean {
    const s = this.runner.get(jobId);
    return !s || isTerminal(s.state);
  }

  private startJobOn(
    entry: DeviceEntry,
    p: {
      consentMode: ConsentMode;
      schedule: 'now' | 'later' | undefined;
      bundleId: string | undefined;
      trigger: 'technician' | 'customer';
      session?: FumoSession;
      technician?: string;
      allowBatteryOverride?: boolean;
      retryOf?: string;
    },
  ): string {
    const open = p.session
      ? p.session
      : async (): Promise<FumoSession> => {
          const release = await this.lease(entry);
          try {
            return this.leased(await this.alertAndAccept(entry), release);
          } catch (e) {
            release();
            throw e;
          }
        };
    // Jobs of one device are tied together by their DevId; the portId names the cable.
    const holder: { id?: string } = {};
    const jobId = this.runner.start({
      trigger: p.trigger,
      portId: entry.d.portId,
      devId: entry.devId,
      bundleId: p.bundleId,
      schedule: p.schedule,
      technician: p.technician ?? this.authSession?.user.name,
      nodes: nodesOf(entry.profile),
      allowBatteryOverride: p.allowBatteryOverride,
      open: typeof open === 'function' ? open : open,
    });
    holder.id = jobId;
    this.jobInfoFor(jobId, entry.d.portId, p.consentMode, p.retryOf ?? null);
    entry.view = { ...entry.view, jobId, state: 'updating', phase: 'queued' };
    this.emitEvent('device:updated', entry.view);
    return jobId;
  }

  /**
   * Start (or continue) an update on one device. A device with a parked job (download finished
   * for "install later", cable pulled) continues that job instead of starting a new one.
   */
  async startUpdate(params: {
    portId?: string;
    devId?: string;
    bundleId?: string;
    schedule?: 'now' | 'later';
    consentMode: ConsentMode;
    technician?: string;
    allowBatteryOverride?: boolean;
  }): Promise<string> {
    const entry = this.findEntry(params);
    await entry.identified?.catch(() => undefined);
    const active = entry.devId ? this.runner.activeFor(entry.devId) : undefined;
    if (active) {
      if (!active.parked) throw new KioskError('BUSY');
      this.jobInfoFor(active.jobId, entry.d.portId, params.consentMode);
      const release = await this.lease(entry);
      try {
        const session = this.leased(await this.alertAndAccept(entry), release);
        if (this.offerToRunner(session) === 'unclaimed') await session.end();
      } catch (e) {
        release();
        throw e;
      }
      return active.jobId;
    }
    return this.startJobOn(entry, {
      consentMode: params.consentMode,
      schedule: params.schedule,
      bundleId: params.bundleId,
      trigger: 'technician',
      technician: params.technician,
      allowBatteryOverride: params.allowBatteryOverride,
    });
  }

  /** Resolves when the job has ended or parked. */
  waitForJob(jobId: string): Promise<JobSnapshot> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const s = this.runner.get(jobId);
        if (!s) {
          reject(new KioskError('RECORD_NOT_FOUND', { detail: jobId }));
          return true;
        }
        if (isTerminal(s.state) || (s.parked && !this.runner.isRunning(jobId))) {
          resolve(s);
          return true;
        }
        return false;
      };
      if (check()) return;
      const off = this.runner.on((e) => {
        if (e.type === 'job-state' && e.snapshot.jobId === jobId && check()) off();
      });
    });
  }

  /** The phone's download from the payload server, as job progress (the job sends no bytes itself). */
  private onPayloadServed(devId: string, served: number, total: number): void {
    const snap = this.runner.activeFor(devId);
    const info = snap ? this.jobInfo.get(snap.jobId) : undefined;
    if (!snap || !info) return;
    info.bytesSent = Math.min(served, total);
    info.bytesTotal = total;
    this.emitEvent('job:progress', {
      jobId: snap.jobId,
      portId: info.portId,
      bytesSent: info.bytesSent,
      bytesTotal: total,
      speedBps: info.speedBps,
      etaSeconds: info.etaSeconds,
    });
  }

  private onJobState(s: JobSnapshot): void {
    if (isTerminal(s.state)) this.cableOut.delete(s.jobId);
    const info = this.jobInfoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    // The job's download URL closes with the job.
    if (isTerminal(s.state) && s.devId) this.payloads.revokeDevice(s.devId);
    if (s.download) {
      info.bytesTotal = s.download.totalBytes;
      info.bytesSent = Math.max(info.bytesSent, s.download.acknowledgedBytes);
    }
    if (isTerminal(s.state) && info.finishedAt === null) info.finishedAt = s.updatedAt;
    const view = this.jobView(s);
    this.emitEvent('job:updated', view);
    const entry = this.entries.get(info.portId);
    if (entry) {
      let state: DeviceState = 'updating';
      if (s.state === 'done') state = 'updated';
      else if (s.state === 'up-to-date') state = 'up-to-date';
      else if (s.state === 'failed') state = 'failed';
      else if (s.state === 'declined' || s.state === 'cancelled') state = entry.view.targetVersion ? 'update-available' : entry.view.state;
      entry.view = {
        ...entry.view,
        jobId: s.jobId,
        phase: view.phase,
        state,
        ...(s.facts ? { fwVersion: s.finalVersion ?? s.facts.fwVersion, model: s.facts.model, devId: maskDevId(s.facts.devId) } : {}),
        ...(s.facts?.batteryPercent !== undefined ? { battery: Math.max(0, Math.min(100, s.facts.batteryPercent)) } : {}),
        ...(s.offer ? { targetVersion: s.offer.targetVersion, bundleId: s.offer.bundleId } : {}),
        ...(s.error && s.state === 'failed'
          ? { problems: [this.problem(s.error.code, (s.error.details ?? {}) as Record<string, string | number | undefined>)] }
          : {}),
      };
      // The card shows the job's error (CABLE_UNPLUGGED while it waits for the phone): no second copy here.
      if (s.state !== 'failed') entry.view = { ...entry.view, problems: entry.view.problems.filter((p) => p.code !== 'CABLE_UNPLUGGED') };
      this.emitEvent('device:updated', entry.view);
    }
    // The job enters its end state before it completes its history record: the record is
    // announced once it is complete (the runner reports the job again when its run returns).
    if (isTerminal(s.state) && s.auditId && !this.announcedHistory.has(s.auditId)) {
      const rec = this.store.audit.get(s.auditId);
      if (rec && rec.status === 'complete') {
        this.announcedHistory.add(s.auditId);
        this.emitEvent('history:added', toHistoryRecord(rec));
      }
    }
    if (isTerminal(s.state)) {
      for (const [id, c] of this.consents) {
        if (c.request.jobId === s.jobId) {
          this.consents.delete(id);
          c.reject(new KioskError('CANCELLED'));
        }
      }
    }
  }

  jobView(s: JobSnapshot): JobView {
    const info = this.jobInfoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    const err =
      this.cableOut.has(s.jobId) && !isTerminal(s.state)
        ? { code: 'CABLE_UNPLUGGED' as const, message: describeError('CABLE_UNPLUGGED'), details: {} }
        : s.error && (isTerminal(s.state) || s.parked)
          ? { code: s.error.code, message: s.error.message, details: cleanDetails(s.error.details) }
          : null;
    return {
      jobId: s.jobId,
      portId: info.portId,
      devId: s.devId ? maskDevId(s.devId) : null,
      model: s.facts?.model ?? null,
      bundleId: s.offer?.bundleId ?? s.requestedBundleId ?? null,
      fromVersion: s.facts?.fwVersion ?? null,
      targetVersion: s.offer?.targetVersion ?? null,
      schedule: s.schedule,
      consentMode: s.customerConsent?.by ?? info.consentMode,
      phase: phaseOf(s),
      bytesSent: s.download?.complete ? s.download.totalBytes : info.bytesSent,
      bytesTotal: s.download?.totalBytes ?? info.bytesTotal,
      speedBps: s.state === 'downloading' ? info.speedBps : null,
      etaSeconds: s.state === 'downloading' ? info.etaSeconds : null,
      result: resultOf(s),
      error: err,
      retryOf: info.retryOf,
      historyId: s.auditId ?? null,
      startedAt: s.createdAt,
      updatedAt: s.updatedAt,
      finishedAt: info.finishedAt,
    };
  }

  // -------------------------------------------------------------------- consent

  private async askCustomer(r: CustomerConsentRequest, signal: AbortSignal): Promise<CustomerConsentAnswer> {
    const info = this.jobInfo.get(r.jobId);
    const mode: ConsentMode = info?.consentMode ?? 'customer';
    if (this.consentResponder) return this.consentResponder(r, mode);
    const requestId = `consent-${Buffer.from(this.random.bytes(6)).toString('hex')}`;
    // The version names the texts shown (src/core/fumo/consent-text.ts) and is recorded with the answer.
    const version = CONSENT_TEXT_VERSION;
    const request: ConsentRequest = {
      requestId,
      jobId: r.jobId,
      portId: info?.portId ?? r.devId,
      model: r.model,
      fromVersion: r.fromVersion,
      targetVersion: r.toVersion,
      releaseNotes: (() => {
        const snap = this.runner.get(r.jobId);
        return snap?.offer?.releaseNotes ?? (r.releaseNotes ? { en: r.releaseNotes } : {});
      })(),
      imageBytes: r.sizeBytes,
      estimatedSeconds: r.estimatedSeconds ?? Math.ceil(r.sizeBytes / 92_160),
      privacy: { version, text: privacyTexts() },
      warranty: { version, text: warrantyTexts() },
      supportsSchedule: r.schedules.includes('later'),
      consentMode: mode,
      createdAt: this.clock.now(),
    };
    return new Promise<CustomerConsentAnswer>((resolve, reject) => {
      this.consents.set(requestId, { request, resolve, reject });
      signal.addEventListener(
        'abort',
        () => {
          if (this.consents.delete(requestId)) reject(new KioskError('CANCELLED'));
        },
        { once: true },
      );
      this.emitEvent('consent:requested', request);
    });
  }

  private answerConsent(a: ConsentAnswer): JobView {
    const pending = this.consents.get(a.requestId);
    if (!pending) throw new KioskError('RECORD_NOT_FOUND', { detail: a.requestId });
    this.consents.delete(a.requestId);
    if (this.customerRequestId === a.requestId) this.customerRequestId = null;
    pending.resolve({
      accepted: a.decision === 'approve',
      by: pending.request.consentMode,
      schedule: a.schedule,
      language: a.language,
    });
    this.emitEvent('consent:resolved', { requestId: a.requestId, jobId: pending.request.jobId, decision: a.decision });
    const snap = this.runner.get(pending.request.jobId);
    if (!snap) throw new KioskError('RECORD_NOT_FOUND', { detail: pending.request.jobId });
    return this.jobView(snap);
  }

  // -------------------------------------------------------------------- auth and settings

  private requireTechnician(): SessionView {
    if (!this.authSession) throw new KioskError('UNAUTHORIZED');
    return this.authSession;
  }

  private actor(): Actor {
    const s = this.requireTechnician();
    return { name: s.user.name, role: s.user.role };
  }

  private settingsView(): Settings {
    const all = this.store.settings.getAll();
    return {
      concurrency: all.concurrency,
      batteryThresholdPercent: all.batteryThresholdPercent,
      kioskMode: all.kioskMode,
      languages: all.languages,
      idleTimeoutSeconds: all.idleTimeoutSeconds,
      allowNonLoopback: all.allowNonLoopback,
    };
  }

  /** Set a technician or administrator PIN (stored hashed). */
  setPin(name: string, role: 'technician' | 'admin', pin: string): void {
    if (!/^\d{4,12}$/.test(pin)) throw new KioskError('INVALID_REQUEST', { detail: 'a PIN is 4 to 12 digits' });
    this.pins.set(name, role, pin);
  }

  private historyRecords(filter: HistoryFilter = {}): { records: HistoryRecord[]; total: number } {
    const f = {
      ...(filter.from !== undefined ? { from: filter.from } : {}),
      ...(filter.to !== undefined ? { to: filter.to } : {}),
      ...(filter.result ? { result: filter.result } : {}),
      ...(filter.model ? { model: filter.model } : {}),
      ...(filter.search ? { search: filter.search } : {}),
    };
    const records = this.store.audit.list({ ...f, limit: filter.limit ?? 100, offset: filter.offset ?? 0 }).map(toHistoryRecord);
    return { records, total: this.store.audit.count(f) };
  }

  // -------------------------------------------------------------------- KioskApi

  getSnapshot = (): Promise<Result<Snapshot>> =>
    toResult(() => ({
      app: { name: 'fumo-kiosk', version: '0.1.0', demo: this.options.demo === true },
      devices: this.listDevices(),
      jobs: this.runner.list().map((s) => this.jobView(s)),
      consent: { pending: [...this.consents.values()].map((c) => c.request), customerRequestId: this.customerRequestId },
      session: this.authSession,
      catalog: this.store.catalog.list().map(toBundleView),
      trust: this.store.trust.list().map(toTrustedKey),
      settings: this.settingsView(),
      recentHistory: this.historyRecords({ limit: 20 }).records,
    }));

  devices = {
    list: (): Promise<Result<DeviceView[]>> => toResult(() => this.listDevices()),
  };

  jobs = {
    list: (): Promise<Result<JobView[]>> => toResult(() => this.runner.list().map((s) => this.jobView(s))),
    start: (p: StartJobParams): Promise<Result<JobView>> =>
      toResult(async () => {
        const session = this.requireTechnician();
        const jobId = await this.startUpdate({
          ...(p.portId ? { portId: p.portId } : {}),
          ...(p.devId ? { devId: p.devId } : {}),
          ...(p.bundleId ? { bundleId: p.bundleId } : {}),
          schedule: p.schedule,
          consentMode: p.consentMode,
          technician: session.user.name,
        });
        const snap = this.runner.get(jobId);
        if (!snap) throw new KioskError('INTERNAL', { detail: 'job vanished' });
        return this.jobView(snap);
      }),
    cancel: (p: { jobId: string }): Promise<Result<JobView>> =>
      toResult(async () => {
        this.requireTechnician();
        if (!this.runner.get(p.jobId)) throw new KioskError('RECORD_NOT_FOUND', { detail: p.jobId });
        await this.runner.cancel(p.jobId);
        return this.jobView(this.runner.get(p.jobId)!);
      }),
    retry: (p: { jobId: string }): Promise<Result<JobView>> =>
      toResult(() => {
        this.requireTechnician();
        const old = this.runner.get(p.jobId);
        const info = this.jobInfo.get(p.jobId);
        if (!old || !info) throw new KioskError('RECORD_NOT_FOUND', { detail: p.jobId });
        const entry = this.entries.get(info.portId);
        if (!entry) throw new KioskError('DEVICE_NOT_FOUND', { detail: info.portId });
        const jobId = this.startJobOn(entry, {
          consentMode: info.consentMode,
          schedule: old.schedule,
          bundleId: old.requestedBundleId,
          trigger: 'technician',
          retryOf: p.jobId,
        });
        return this.jobView(this.runner.get(jobId)!);
      }),
  };

  consent = {
    pending: (): Promise<Result<ConsentRequest[]>> => toResult(() => [...this.consents.values()].map((c) => c.request)),
    handover: (p: { requestId: string }): Promise<Result<ConsentRequest>> =>
      toResult(() => {
        this.requireTechnician();
        const c = this.consents.get(p.requestId);
        if (!c) throw new KioskError('RECORD_NOT_FOUND', { detail: p.requestId });
        this.customerRequestId = p.requestId;
        this.emitEvent('consent:handover', { requestId: p.requestId, jobId: c.request.jobId, portId: c.request.portId });
        return c.request;
      }),
    answer: (a: ConsentAnswer): Promise<Result<JobView>> => toResult(() => this.answerConsent(a)),
  };

  auth = {
    login: async (p: { pin: string }): Promise<Result<SessionView>> => {
      const who = this.pins.check(p.pin);
      if (!who) return fail('UNAUTHORIZED');
      this.authSession = { user: { id: who.name, name: who.name, role: who.role }, expiresAt: null };
      this.emitEvent('auth:changed', this.authSession);
      return ok(this.authSession);
    },
    logout: async (): Promise<Result<null>> => {
      this.authSession = null;
      this.emitEvent('auth:changed', null);
      return ok(null);
    },
    session: async (): Promise<Result<SessionView | null>> => ok(this.authSession),
  };

  catalog = {
    list: (): Promise<Result<BundleView[]>> => toResult(() => this.store.catalog.list().map(toBundleView)),
    import: (p: { path: string }): Promise<Result<ImportReport>> =>
      toResult(async () => {
        const r = await this.store.catalog.import(p.path, { actor: this.actor() });
        const list = this.store.catalog.list().map(toBundleView);
        this.emitEvent('catalog:changed', list);
        return { bundle: toBundleView(r.entry), accepted: true };
      }),
    remove: (p: { bundleId: string }): Promise<Result<null>> =>
      toResult(async () => {
        await this.store.catalog.remove(p.bundleId, this.actor());
        this.emitEvent('catalog:changed', this.store.catalog.list().map(toBundleView));
        return null;
      }),
  };

  trust = {
    list: (): Promise<Result<TrustedKey[]>> => toResult(() => this.store.trust.list().map(toTrustedKey)),
    add: (p: { name: string; publicKey: string }): Promise<Result<TrustedKey>> =>
      toResult(() => {
        const k = toTrustedKey(this.store.trust.add(p.name, p.publicKey, this.actor()));
        this.emitEvent('trust:changed', this.store.trust.list().map(toTrustedKey));
        return k;
      }),
    remove: (p: { keyId: string }): Promise<Result<null>> =>
      toResult(() => {
        this.store.trust.remove(p.keyId, this.actor());
        this.emitEvent('trust:changed', this.store.trust.list().map(toTrustedKey));
        return null;
      }),
  };

  settings = {
    get: (): Promise<Result<Settings>> => toResult(() => this.settingsView()),
    set: (p: SettingsPatch): Promise<Result<Settings>> =>
      toResult(() => {
        const a = this.actor();
        if (a.role !== 'admin') throw new KioskError('ADMIN_REQUIRED', { detail: 'change settings', required: 'admin', measured: a.role });
        this.store.settings.patch(p);
        if (p.concurrency !== undefined) this.runner.setConcurrency(p.concurrency);
        const s = this.settingsView();
        this.emitEvent('settings:changed', s);
        return s;
      }),
  };

  history = {
    list: (filter?: HistoryFilter): Promise<Result<HistoryPage>> => toResult(() => this.historyRecords(filter)),
    get: (p: { id: string }): Promise<Result<HistoryRecord>> =>
      toResult(() => {
        const r = this.store.audit.get(p.id);
        if (!r) throw new KioskError('RECORD_NOT_FOUND', { detail: p.id });
        return toHistoryRecord(r);
      }),
    export: (p: { format: 'csv' | 'json'; filter?: HistoryFilter }): Promise<Result<ExportFile>> =>
      toResult(() => {
        const f = p.filter ?? {};
        const content = p.format === 'csv' ? this.store.audit.exportCsv(f) : this.store.audit.exportJson(f);
        return { filename: `fumo-history.${p.format}`, mimeType: p.format === 'csv' ? 'text/csv' : 'application/json', content };
      }),
    receipt: (p: { id: string; language?: string }): Promise<Result<Receipt>> =>
      toResult(() => ({ id: p.id, html: this.store.audit.receiptHtml(p.id, p.language ? { language: p.language } : {}) })),
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.consents.values()) c.reject(new KioskError('CANCELLED'));
    this.consents.clear();
    for (const s of this.sources) await Promise.resolve(s.stop?.()).catch(() => undefined);
    for (const e of this.entries.values()) await e.link?.close().catch(() => undefined);
    await this.demoSimulation?.stop().catch(() => undefined);
    await this.payloads.close().catch(() => undefined);
    await Promise.race([Promise.allSettled([...this.background]), new Promise((r) => setTimeout(r, 2000))]);
    this.store.close();
  }
}

function cleanDetails(d: Record<string, string | number | undefined> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(d ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The scanner a kiosk uses unless told otherwise. In demo mode the simulated phones are the
 * demo's own three (their own source): phones other processes announce in the machine's sim
 * registry belong to other kiosks (`fumo-kiosk simulate` with a kiosk of its own), so the demo
 * watches the serial and USB ports only and never opens someone else's simulated phone.
 */
function defaultScanner(demo: boolean): DeviceSource {
  const scanner = demo ? new DeviceScanner([serialAdapter(), usbAdapter()]) : createDeviceScanner();
  return scanner as unknown as DeviceSource;
}

function safeProfiles(): DeviceProfile[] {
  try {
    return loadProfiles();
  } catch {
    return [];
  }
}

/** Create and start the kiosk service. */
export async function createKioskService(options: KioskServiceOptions): Promise<KioskService> {
  const service = new KioskService(options);
  if (options.demo) {
    const { startDemoPhones } = await import('../demo/demo-phones');
    await startDemoPhones(service, options.demoStateDir ?? path.join(options.dataDir, 'demo-phones'));
  }
  await service.start();
  return service;
}

export { TECH_ACTOR };
