/**
 * The kiosk service: the wiring of devices (the registry over the scanner's links), DM
 * sessions, FUMO jobs (the runner), the customer's consent, the store and the events, behind
 * the KioskApi the hosts serve (kiosk-api.ts).
 *
 * A cable link is driven by the kiosk alone (the kiosk is the OBEX client): the kiosk either
 * alerts the phone with a package 0 and accepts the session it opens, or, when the runner waits
 * for a phone that installs and reboots, listens for the session the phone opens by itself with
 * its result. A session from a phone goes to the runner first (a job may be waiting for it).
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type RandomSource } from '../../core/clock';
import { KioskError } from '../../core/errors';
import { HttpSessionWaiters } from './http-session-waiters';
import { provisionDmAccount } from '../../core/fumo/bootstrap';
import { CONSENT_TEXT_VERSION } from '../../core/fumo/consent-text';
import { JobRunner } from '../../core/fumo/runner';
import { isTerminal, type AccountsPort, type FumoSession, type FumoSettings, type JobSnapshot } from '../../core/fumo/ports';
import type { Link } from '../../core/link';
import type { DmSession } from '../../core/session/api';
import { kioskSessionOptions } from '../../core/session/kiosk-session';
import type { ServerSessionOptions } from '../../core/session/server';
import type { Capability, KioskApi, KioskBackend, KioskConnection, KioskEventListener, KioskEventName, KioskEvents } from '../../shared/api';
import type { ConsentMode, DeviceView, StartJobParams } from '../../shared/schemas';
import { loadProfiles, type DeviceProfile } from '../../transport/profiles';
import { DeviceScanner, serialAdapter, simulatedAdapter, usbAdapter, type DiscoveredDevice } from '../links/scanner';
import { SIMULATED_SERIAL_PROFILE } from '../demo/sim-profile';
import { openStore, type Actor, type KioskStore } from '../store';
import { toHistoryRecord } from './store-views';
import { createStorePorts } from '../store/fumo-ports';
import { accountsPort, sessionAccounts } from './adapters';
import { noSimulatedPhones, type DeviceTrust } from './device-trust';
import { ConsentBroker, type ConsentResponder } from './consent-broker';
import { DeviceRegistry, leased, type DeviceEntry } from './device-registry';
import { DmEndpoint, type DmListenAddress } from './dm-endpoint';
import { cardWithJob, JobViews } from './job-views';
import { nodesOf } from './nodes';
import { PhoneSessions } from './phone-sessions';
import { UpdateTimeEstimator, consentEstimate } from './update-time';
import { createKioskApi, type KioskApiParts } from './kiosk-api';
import { PayloadServer } from './payload-server';
import { systemPrinter, type Printer } from '../receipts';

export type { DiscoveredDevice, ConsentResponder };

/** Anything that reports devices coming and going: the DeviceScanner, or the demo's own simulation. */
export interface DeviceSource {
  on(event: 'attach', listener: (d: DiscoveredDevice) => void): unknown;
  on(event: 'detach', listener: (d: { portId: string }) => void): unknown;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export interface KioskServiceOptions {
  dataDir: string;
  /** Shown to the screens as demo mode (src/main/demo/demo-kiosk.ts sets it up). */
  demo?: boolean;
  /** Which simulated phones are let in (default: none; the demo passes its own policy). */
  trust?: DeviceTrust;
  /** Also watch the machine's registry of phones started by `fumo-kiosk simulate` (demo trust only). */
  watchSimRegistry?: boolean;
  /**
   * Serial ports (device paths) the administrator assigned to phones no profile names; they are
   * served with the generic serial profile. Unknown adapters on other ports are never opened.
   */
  serialPorts?: string[];
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
  /** How long a consent request waits for the customer (default 10 minutes). */
  consentTimeoutMs?: number;
  /**
   * The kiosk's own download server for phones whose link reaches it over HTTP (DownloadAndUpdate
   * with a PkgURL): listen address (default 127.0.0.1), port (default any free one) and the host
   * name written into the URLs (default the listen address).
   */
  payloadServer?: { host?: string; port?: number; publicHost?: string };
  /** Where the DM endpoint for phones that speak DM over HTTP listens (default 127.0.0.1, a free port; [] for none). */
  dmListen?: DmListenAddress[];
  /** Where receipts are printed (default: this computer's print system, CUPS on Linux and macOS). */
  printer?: Printer;
  log?: (line: string) => void;
}

/** How long a receipt waits for an ended job's history record to be completed. */
const RECORD_SETTLE_MS = 10_000;

export class KioskService extends EventEmitter implements KioskBackend {
  readonly store: KioskStore;
  readonly runner: JobRunner;
  readonly serverId: string;
  /** Serves bundles to phones that fetch their update by PkgURL (started on first use). */
  readonly payloads: PayloadServer;
  demoSimulation: { stop(): Promise<void> } | undefined;

  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly registry: DeviceRegistry;
  private readonly views = new JobViews();
  private readonly updateTimes = new UpdateTimeEstimator();
  private readonly consents: ConsentBroker;
  private readonly phones: PhoneSessions;
  /** The service's own screen (the CLI, tests); every other screen connects with connect(). */
  private readonly api: ReturnType<typeof createKioskApi>;
  private readonly apiParts: KioskApiParts;
  private readonly sources: DeviceSource[] = [];
  private readonly profiles: DeviceProfile[];
  private readonly trustPolicy: DeviceTrust;
  /** History records already announced (history:added), by audit id. */
  private readonly announcedHistory = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly accountsPort: AccountsPort;
  private readonly sessionAccountStore;
  private readonly log: (line: string) => void;
  private closed = false;
  private readonly dmEndpoint: DmEndpoint;
  /** Jobs waiting for the next HTTP session of a phone (it calls in; nothing can reach it). */
  private readonly httpWaiters: HttpSessionWaiters;

  // The KioskApi, method groups as the contract names them.
  readonly getSnapshot: KioskApi['getSnapshot'];
  readonly devices: KioskApi['devices'];
  readonly jobs: KioskApi['jobs'];
  readonly consent: KioskApi['consent'];
  readonly auth: KioskApi['auth'];
  readonly catalog: KioskApi['catalog'];
  readonly trust: KioskApi['trust'];
  readonly settings: KioskApi['settings'];
  readonly history: KioskApi['history'];

  constructor(private readonly options: KioskServiceOptions) {
    super();
    mkdirSync(options.dataDir, { recursive: true });
    this.clock = options.clock ?? systemClock;
    this.httpWaiters = new HttpSessionWaiters(this.clock);
    this.random = options.random ?? { bytes: (n) => new Uint8Array(randomBytes(n)) };
    this.serverId = options.serverId ?? DEFAULT_SERVER_ID;
    this.trustPolicy = options.trust ?? noSimulatedPhones();
    this.log = options.log ?? (() => undefined);
    this.store = openStore(options.dataDir, { clock: this.clock, random: this.random });
    this.profiles = [...(options.profiles ?? safeProfiles()), ...(this.trustPolicy.name === 'demo' ? [SIMULATED_SERIAL_PROFILE] : [])];
    this.sessionAccountStore = sessionAccounts(this.store, this.trustPolicy);
    this.accountsPort = accountsPort(this.store, this.serverId, 'obex://fumo-kiosk', this.random);

    this.registry = new DeviceRegistry({
      clock: this.clock,
      random: this.random,
      profiles: this.profiles,
      ...(options.openLink ? { openLink: options.openLink } : {}),
      sessionOptions: (timeoutMs) => this.sessionOptions(timeoutMs),
      firstMessageTimeoutMs: options.sessionTimeoutMs ?? 60_000,
      package0Password: async (entry, linkDevId) => {
        // A phone on a real cable has no DevId until its first package 1 (a bootstrap's) told it.
        const devId = linkDevId ?? entry.devId;
        const account = devId ? await this.sessionAccountStore.get(devId, this.serverId) : undefined;
        return account?.serverSecret ?? (devId ? this.trustPolicy.sharedAccount(devId)?.serverSecret : undefined) ?? '';
      },
      bootstrap: {
        wanted: (devId) => !this.holdsOwnAccount(devId),
        provision: async (entry, session) => {
          this.log(`bootstrap ${session.hello.devId} over ${entry.d.portId}`);
          await provisionDmAccount(session, session.hello.devId, this.accountsPort, this.random);
        },
      },
      onView: (event, view) => this.emitEvent(event, view),
      onGone: (portId) => this.emitEvent('device:detached', { portId }),
      keepsEntry: (devId) => this.runner.activeFor(devId) !== undefined,
    });

    this.consents = new ConsentBroker({
      clock: this.clock,
      random: this.random,
      timeoutMs: () => options.consentTimeoutMs ?? 10 * 60_000,
      jobContext: (jobId) => {
        const info = this.views.get(jobId);
        const offer = this.runner.get(jobId)?.offer;
        const entry = info ? this.registry.get(info.portId) : undefined;
        return {
          portId: info?.portId,
          consentMode: info?.consentMode,
          releaseNotes: offer?.releaseNotes,
          ...(entry && offer ? consentEstimate(this.updateTimes.estimateRange(entry.profile, offer.sizeBytes)) : {}),
        };
      },
      onRequested: (r) => this.emitEvent('consent:requested', r),
      onResolved: (e) => this.emitEvent('consent:resolved', e),
      onHandover: (e) => this.emitEvent('consent:handover', e),
    });

    this.payloads = new PayloadServer({
      open: (bundleId) => this.store.catalog.openPayload(bundleId),
      random: this.random,
      ...(options.payloadServer ?? {}),
      onProgress: (offer, served, total) => this.onPayloadServed(offer.devId, served, total),
    });
    this.runner = this.createRunner();
    const catalog = createStorePorts(this.store).catalog;
    this.phones = new PhoneSessions({
      clock: this.clock,
      registry: this.registry,
      runner: this.runner,
      views: this.views,
      identifyOnAttach: options.identifyOnAttach,
      installTimeoutMs: () => options.fumo?.installTimeoutMs,
      match: (facts) => catalog.match(facts),
      batteryThresholdPercent: () => this.store.settings.get('batteryThresholdPercent'),
      catalogueEmpty: () => this.store.catalog.list().length === 0,
      startJobOn: (entry, p) => this.startJobOn(entry, p),
      onJobState: (s) => this.onJobState(s),
      track: (p) => this.track(p),
      closed: () => this.closed,
      log: (line) => this.log(line),
    });

    this.apiParts = {
      clock: this.clock,
      sessionIdleMs: () => this.store.settings.get('sessionIdleSeconds') * 1000,
      store: this.store,
      runner: this.runner,
      devices: this.registry,
      views: this.views,
      consents: this.consents,
      demo: options.demo === true,
      emit: (event, payload) => this.emitEvent(event, payload),
      startUpdate: (p) => this.startUpdate(p),
      retry: (jobId) => this.retry(jobId),
      checkPin: (pin) => this.store.pins.verify({ pin }),
      printer: options.printer ?? systemPrinter(),
      recordSettled: (id) => this.recordSettled(id),
    };
    this.api = createKioskApi(this.apiParts, 'bench');
    this.getSnapshot = this.api.getSnapshot;
    this.devices = this.api.devices;
    this.jobs = this.api.jobs;
    this.consent = this.api.consent;
    this.auth = this.api.auth;
    this.catalog = this.api.catalog;
    this.trust = this.api.trust;
    this.settings = this.api.settings;
    this.history = this.api.history;

    this.dmEndpoint = new DmEndpoint({
      listen: options.dmListen ?? [{ host: '127.0.0.1', port: 0 }],
      sessionOptions: () => this.sessionOptions(),
      onSession: (session) => this.track(this.onHttpSession(session)),
      clock: this.clock,
      random: this.random,
      log: (line) => this.log(line),
    });

    for (const s of options.sources ?? [defaultScanner(this.trustPolicy.name === 'demo' && options.watchSimRegistry === true, options.serialPorts ?? [])]) this.addDeviceSource(s);
  }

  private createRunner(): JobRunner {
    const storePorts = createStorePorts(this.store, {
      describeJob: (jobId) => {
        const info = this.views.get(jobId);
        const entry = info ? this.registry.get(info.portId) : undefined;
        return { portId: info?.portId ?? '', linkKind: entry?.d.linkKind ?? 'unknown' };
      },
      consentTextVersion: () => CONSENT_TEXT_VERSION,
    });
    const settingsOf = (): Partial<FumoSettings> => ({
      ...this.options.fumo,
      batteryThresholdPercent: this.store.settings.get('batteryThresholdPercent'),
      consentTextVersion: CONSENT_TEXT_VERSION,
    });
    const runner = new JobRunner({
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
        consent: { askCustomer: (r, signal) => this.consents.ask(r, signal) },
        clock: this.clock,
        random: this.random,
        accounts: this.accountsPort,
        get settings(): Partial<FumoSettings> {
          return settingsOf();
        },
      },
      nodesFor: (snap) => {
        // The port it was on, else wherever the phone is attached now (a restarted kiosk).
        const entry = (snap.portId ? this.registry.get(snap.portId) : undefined) ?? (snap.devId ? this.registry.attachedWith(snap.devId) : undefined);
        return entry ? nodesOf(entry.profile) : undefined;
      },
    });
    runner.on((e) => {
      if (e.type === 'waiting') {
        if (e.reason === 'reconnect') this.phones.showCableOut(e.jobId, e.devId);
        this.phones.onJobWaiting(e.devId, e.reason);
      } else if (e.type === 'job-state') this.onJobState(e.snapshot);
      else if (e.type === 'job-progress') {
        const info = this.views.progress(e.progress);
        if (!info) return;
        this.emitEvent('job:progress', {
          jobId: e.progress.jobId,
          portId: info.portId,
          bytesSent: info.bytesSent,
          bytesTotal: info.bytesTotal,
          speedBps: info.speedBps,
          etaSeconds: info.etaSeconds,
        });
      }
    });
    return runner;
  }

  /** Start: import the demo catalogue and phones (demo), resume or report unfinished jobs, start the sources. */
  async start(): Promise<void> {
    const restored = await this.runner.restore();
    for (const s of restored.resumable) this.views.infoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    for (const url of await this.dmEndpoint.start()) this.log(`DM endpoint: ${url}`);
    for (const s of this.sources) await s.start?.();
  }

  /** The DM endpoint's URLs (phones that speak DM over HTTP open their sessions there). */
  get dmEndpointUrls(): readonly string[] {
    return this.dmEndpoint.urls;
  }

  /**
   * A phone opened a session on the DM endpoint. A job waiting for it takes it; otherwise the
   * phone is on the bench as `http:<DevId>`, and its session is routed like a cable phone's.
   */
  private async onHttpSession(dm: DmSession): Promise<void> {
    const devId = dm.hello.devId;
    const session = leased(dm, () => undefined);
    if (this.httpWaiters.offer(devId, session)) return;
    // A phone that authenticated with the simulator's published account (demo mode only) is a simulated phone.
    const simulated = this.trustPolicy.sharedAccount(devId) !== undefined && !this.holdsOwnAccount(devId);
    const d: DiscoveredDevice = { portId: `http:${devId}`, linkKind: 'http', path: this.dmEndpoint.urls[0] ?? 'http', profileId: HTTP_PROFILE_ID, devIdHint: devId, ...(simulated ? { simulated } : {}) };
    if (!this.trustPolicy.admits(d)) {
      this.log(`${d.portId}: not let in (not trusted, or the DevId of one of this kiosk's own phones)`);
      await session.end().catch(() => undefined);
      return;
    }
    const known = this.registry.get(d.portId);
    // A phone that only polls (already on the bench, nothing waits for it) is let go at once.
    if (known?.attached && known.view.fwVersion !== null && this.runner.expectedDevices().get(devId) === undefined && !this.hasUserRequest(session)) {
      if (this.phones.offerToRunner(session) === 'unclaimed') await session.end().catch(() => undefined);
      return;
    }
    const entry = known?.attached ? known : await this.registry.attach(d, this.registry.profileFor(d));
    entry.identified = Promise.resolve();
    this.phones.route(entry, session);
  }

  private hasUserRequest(session: FumoSession): boolean {
    return [...session.hello.genericAlerts, ...session.genericAlerts].some((a) => /firmwareupdate\.(userrequest|devicerequest)$/i.test(a.type));
  }

  addDeviceSource(source: DeviceSource): void {
    this.sources.push(source);
    source.on('attach', (d) => this.track(this.onAttach(d)));
    source.on('detach', (d) => {
      this.log(`detach ${d.portId}`);
      this.registry.detach(d.portId);
    });
  }

  /** A screen connects: its own login and its own view of the events. */
  connect(capability: Capability): KioskConnection {
    return createKioskApi(this.apiParts, capability);
  }

  /** Answer customer consent requests here instead of on a screen (the CLI). */
  setConsentResponder(responder: ConsentResponder | undefined): void {
    this.consents.setResponder(responder);
  }

  addProfile(profile: DeviceProfile): void {
    const i = this.profiles.findIndex((p) => p.id === profile.id);
    if (i >= 0) this.profiles.splice(i, 1);
    this.profiles.push(profile);
  }

  /** A login PIN that exists from now on (the demo's); an existing one of that name is kept. */
  async ensurePin(name: string, role: 'technician' | 'admin', pin: string): Promise<void> {
    if (!this.store.pins.has(name)) await this.store.pins.set(name, role, pin);
  }

  /** Let a simulated phone in with the simulator's shared account (only under the demo's trust policy). */
  trustSimulatedDevice(devId: string, own = false): void {
    if (this.trustPolicy.name !== 'demo') throw new KioskError('INVALID_REQUEST', { detail: 'simulated phones are trusted in demo mode only' });
    this.trustPolicy.trust(devId, own);
  }

  // -------------------------------------------------------------------- events

  /**
   * Resolves once the history record `id` is complete. A job is reported ended just before its
   * record is completed; only then does a receipt carry the result. Records of no ended job (an
   * attempt that was interrupted long ago) resolve at once, and the wait is bounded.
   */
  private recordSettled(id: string): Promise<void> {
    const job = this.runner.list().find((j) => j.auditId === id);
    if (!job || !isTerminal(job.state) || this.store.audit.get(id)?.status === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const onAdded = (r: { id: string }): void => {
        if (r.id === id) done();
      };
      const timer = this.clock.setTimeout(() => done(), RECORD_SETTLE_MS);
      const done = (): void => {
        this.off('history:added', onAdded);
        this.clock.clearTimeout(timer);
        resolve();
      };
      this.on('history:added', onAdded);
      if (this.store.audit.get(id)?.status === 'complete') done();
    });
  }

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

  // -------------------------------------------------------------------- sessions and devices

  /** The product's session rules (core/session/kiosk-session), whatever the link. */
  private sessionOptions(timeoutMs?: number): ServerSessionOptions {
    return kioskSessionOptions({
      serverId: this.serverId,
      accounts: this.sessionAccountStore,
      clock: this.clock,
      random: this.random,
      timeoutMs: timeoutMs ?? this.options.sessionTimeoutMs ?? 60_000,
    });
  }

  /** The kiosk keeps per-device credentials for this phone (not only the simulator's shared demo account). */
  private holdsOwnAccount(devId: string): boolean {
    const a = this.store.accounts.getSync(devId, this.serverId);
    if (!a) return false;
    return a.clientSecret !== this.trustPolicy.sharedAccount(devId)?.clientSecret;
  }

  private profileFor(d: DiscoveredDevice): DeviceProfile {
    // A simulated phone's pty has no line rate or flow control to set.
    if (d.simulated && d.linkKind === 'serial') return this.profiles.find((p) => p.id === SIMULATED_SERIAL_PROFILE.id) ?? SIMULATED_SERIAL_PROFILE;
    return this.registry.profileFor(d);
  }

  private async onAttach(d: DiscoveredDevice): Promise<void> {
    if (this.closed) return;
    this.log(`attach ${d.portId} ${d.path}${d.devIdHint ? ` ${d.devIdHint}` : ''}`);
    if (!this.trustPolicy.admits(d)) {
      this.log(`${d.portId}: not let in (${d.simulated ? 'a simulated phone, and this kiosk is not in demo mode' : 'not trusted'})`);
      return;
    }
    const entry = await this.registry.attach(d, this.profileFor(d));
    entry.identified = this.phones.afterAttach(entry);
    await entry.identified;
  }

  // -------------------------------------------------------------------- jobs

  /** How a job on this entry opens its first session: package 0 on the leased link. */
  private opener(entry: DeviceEntry): () => Promise<FumoSession> {
    // Nothing reaches a phone on the DM endpoint: the job takes the next session it opens.
    if (entry.d.linkKind === 'http' && entry.devId) {
      const devId = entry.devId;
      return () => this.httpWaiters.next(devId, this.options.sessionTimeoutMs ?? 60_000);
    }
    return () => this.registry.open(entry);
  }

  private startJobOn(
    entry: DeviceEntry,
    p: {
      consentMode: ConsentMode;
      trigger: 'technician' | 'customer';
      schedule?: 'now' | 'later' | undefined;
      bundleId?: string | undefined;
      session?: FumoSession;
      technician?: string | undefined;
      allowBatteryOverride?: boolean | undefined;
    },
  ): string {
    // Jobs of one device are tied together by their DevId; the portId names the cable.
    const jobId = this.runner.start({
      trigger: p.trigger,
      portId: entry.d.portId,
      devId: entry.devId,
      bundleId: p.bundleId,
      schedule: p.schedule,
      technician: p.technician ?? this.api.session()?.user.name,
      nodes: nodesOf(entry.profile),
      allowBatteryOverride: p.allowBatteryOverride,
      open: p.session ?? this.opener(entry),
    });
    this.views.infoFor(jobId, entry.d.portId, p.consentMode);
    this.registry.update(entry, { jobId, state: 'updating', phase: 'queued' });
    return jobId;
  }

  /** Start the same update again for a job that ended: a new attempt with its own record. */
  private retry(jobId: string): string {
    const info = this.views.get(jobId);
    const entry = info ? this.registry.get(info.portId) : undefined;
    if (!info || !entry) throw new KioskError('DEVICE_NOT_FOUND', { detail: info?.portId ?? jobId });
    const next = this.runner.retry(jobId, this.opener(entry));
    if (!next) throw new KioskError('RECORD_NOT_FOUND', { detail: jobId });
    this.views.infoFor(next, entry.d.portId, info.consentMode, jobId);
    this.registry.update(entry, { jobId: next, state: 'updating', phase: 'queued' });
    return next;
  }

  /**
   * Start (or continue) an update on one device. A device with a parked job (download finished
   * for "install later", cable pulled) continues that job instead of starting a new one.
   */
  async startUpdate(params: Omit<StartJobParams, 'schedule'> & { schedule?: 'now' | 'later' | undefined; technician?: string | undefined }): Promise<string> {
    const entry = this.registry.find(params);
    await entry.identified?.catch(() => undefined);
    const active = entry.devId ? this.runner.activeFor(entry.devId) : undefined;
    if (active) {
      if (!active.parked) throw new KioskError('BUSY');
      this.views.infoFor(active.jobId, entry.d.portId, params.consentMode);
      const session = await this.registry.open(entry);
      if (this.phones.offerToRunner(session) === 'unclaimed') await session.end();
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
    const info = snap ? this.views.served(snap.jobId, served, total) : undefined;
    if (!snap || !info) return;
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
    const info = this.views.observe(s);
    // The job's download URL closes with the job.
    if (isTerminal(s.state) && s.devId) this.payloads.revokeDevice(s.devId);
    const view = this.views.view(s);
    this.emitEvent('job:updated', view);
    const entry = this.registry.get(info.portId);
    if (entry) this.registry.update(entry, cardWithJob(entry.view, s, view.phase));
    if (entry && s.state === 'done') this.updateTimes.record(entry.profile.id, s);
    // The job enters its end state before it completes its history record: the record is
    // announced once it is complete (the runner reports the job again when its run returns).
    if (isTerminal(s.state) && s.auditId && !this.announcedHistory.has(s.auditId)) {
      const rec = this.store.audit.get(s.auditId);
      if (rec && rec.status === 'complete') {
        this.announcedHistory.add(s.auditId);
        this.emitEvent('history:added', toHistoryRecord(rec));
      }
    }
    if (isTerminal(s.state)) this.consents.endJob(s.jobId);
  }

  // -------------------------------------------------------------------- for the CLI and tests

  /** Wait until every attached device has been identified (or failed to be). */
  settled(): Promise<void> {
    return this.registry.settled();
  }

  listDevices(): DeviceView[] {
    return this.registry.views();
  }

  /** The unfinished job of the device on a port (running, queued or parked), if any. */
  activeJobOn(portId: string): JobSnapshot | undefined {
    const devId = this.registry.fullDevId(portId);
    return devId ? this.runner.activeFor(devId) : undefined;
  }

  /** The unmasked DevId of the device on a port, once known. */
  fullDevId(portId: string): string | undefined {
    return this.registry.fullDevId(portId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.consents.close();
    for (const s of this.sources) await Promise.resolve(s.stop?.()).catch(() => undefined);
    await this.registry.closeAll();
    await this.demoSimulation?.stop().catch(() => undefined);
    await this.payloads.close().catch(() => undefined);
    await this.dmEndpoint.close();
    await Promise.race([Promise.allSettled([...this.background]), new Promise((r) => setTimeout(r, 2000))]);
    this.store.close();
  }
}

/**
 * The scanner a kiosk uses unless told otherwise: serial ports and USB. The machine's registry
 * of simulated phones (a world-writable folder) is read only when asked for under the demo's
 * trust policy (the two-terminal demo); the demo's own phones come through their own source.
 */
function defaultScanner(watchSimRegistry: boolean, serialPorts: readonly string[]): DeviceSource {
  const scanner = new DeviceScanner([serialAdapter({ assignedPorts: serialPorts }), usbAdapter(), ...(watchSimRegistry ? [simulatedAdapter()] : [])]);
  return scanner as unknown as DeviceSource;
}

/** The device profile of phones on the DM endpoint. */
const HTTP_PROFILE_ID = 'reference-http';

/** The kiosk's DM ServerID unless one is configured. */
export const DEFAULT_SERVER_ID = 'fumo-kiosk';

function safeProfiles(): DeviceProfile[] {
  try {
    return loadProfiles();
  } catch {
    return [];
  }
}

/** The technician recorded for actions taken on the command line. */
export const TECH_ACTOR: Actor = { name: 'technician', role: 'technician' };

/** Create and start the kiosk service. */
export async function createKioskService(options: KioskServiceOptions): Promise<KioskService> {
  const service = new KioskService(options);
  await service.start();
  return service;
}
