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
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type RandomSource } from '../../core/clock';
import { KioskError, isKioskError } from '../../core/errors';
import { provisionDmAccount } from '../../core/fumo/bootstrap';
import { CONSENT_TEXT_VERSION } from '../../core/fumo/consent-text';
import { JobRunner, type SessionRouting } from '../../core/fumo/runner';
import { isTerminal, type AccountsPort, type DeviceNodeMap, type FumoSession, type FumoSettings, type JobSnapshot } from '../../core/fumo/ports';
import type { Link } from '../../core/link';
import type { ServerSessionOptions } from '../../core/session/server';
import type { KioskApi, KioskBackend, KioskEventListener, KioskEventName, KioskEvents } from '../../shared/api';
import type { ConsentMode, DeviceView, StartJobParams } from '../../shared/schemas';
import { loadProfiles, type DeviceProfile } from '../../transport/profiles';
import { DeviceScanner, createDeviceScanner, serialAdapter, usbAdapter, type DiscoveredDevice } from '../links/scanner';
import { SIMULATED_SERIAL_PROFILE } from '../demo/sim-profile';
import { createStorePorts, importDemoCatalog, openStore, toHistoryRecord, type Actor, type KioskStore } from '../store';
import { accountsPort, sessionAccounts, SIMULATED_ACCOUNT } from './adapters';
import { lookAtPhone } from './bench-card';
import { ConsentBroker, type ConsentResponder } from './consent-broker';
import { DeviceRegistry, type DeviceEntry } from './device-registry';
import { cardWithJob, JobViews } from './job-views';
import { createKioskApi } from './kiosk-api';
import { PayloadServer } from './payload-server';
import { DEMO_PIN, PinStore } from './pin';

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
  /** How long a consent request waits for the customer (default 10 minutes). */
  consentTimeoutMs?: number;
  /**
   * The kiosk's own download server for phones whose link reaches it over HTTP (DownloadAndUpdate
   * with a PkgURL): listen address (default 127.0.0.1), port (default any free one) and the host
   * name written into the URLs (default the listen address).
   */
  payloadServer?: { host?: string; port?: number; publicHost?: string };
  log?: (line: string) => void;
}

/** Extra attempts to identify a phone whose port is still busy (500 ms, 1 s, 2 s apart). */
const IDENTIFY_RETRIES = 3;

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
  /** Serves bundles to phones that fetch their update by PkgURL (started on first use). */
  readonly payloads: PayloadServer;
  demoSimulation: { stop(): Promise<void> } | undefined;

  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly registry: DeviceRegistry;
  private readonly views = new JobViews();
  private readonly consents: ConsentBroker;
  private readonly api: ReturnType<typeof createKioskApi>;
  private readonly sources: DeviceSource[] = [];
  private readonly pins: PinStore;
  private readonly profiles: DeviceProfile[];
  private readonly simulatedDevIds = new Set<string>();
  private readonly ownPhones = new Set<string>();
  /** History records already announced (history:added), by audit id. */
  private readonly announcedHistory = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly accountsPort: AccountsPort;
  private readonly sessionAccountStore;
  private readonly log: (line: string) => void;
  private closed = false;

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
    this.random = options.random ?? { bytes: (n) => new Uint8Array(randomBytes(n)) };
    this.serverId = options.serverId ?? SIMULATED_ACCOUNT.serverId;
    this.log = options.log ?? (() => undefined);
    this.store = openStore(options.dataDir, { clock: this.clock, random: this.random });
    this.pins = new PinStore(options.dataDir);
    this.profiles = [...(options.profiles ?? safeProfiles()), SIMULATED_SERIAL_PROFILE];
    this.sessionAccountStore = sessionAccounts(this.store, (devId) => this.simulatedDevIds.has(devId));
    this.accountsPort = accountsPort(this.store, this.serverId, 'obex://fumo-kiosk', this.random);

    this.registry = new DeviceRegistry({
      clock: this.clock,
      random: this.random,
      profiles: this.profiles,
      ...(options.openLink ? { openLink: options.openLink } : {}),
      sessionOptions: (timeoutMs) => this.sessionOptions(timeoutMs),
      firstMessageTimeoutMs: options.sessionTimeoutMs ?? 60_000,
      package0Password: async (entry) => {
        const account = entry.devId ? await this.sessionAccountStore.get(entry.devId, this.serverId) : undefined;
        return account?.serverSecret ?? (entry.d.simulated ? SIMULATED_ACCOUNT.serverSecret : '');
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
        return { portId: info?.portId, consentMode: info?.consentMode, releaseNotes: this.runner.get(jobId)?.offer?.releaseNotes };
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

    this.api = createKioskApi({
      store: this.store,
      runner: this.runner,
      devices: this.registry,
      views: this.views,
      consents: this.consents,
      demo: options.demo === true,
      emit: (event, payload) => this.emitEvent(event, payload),
      startUpdate: (p) => this.startUpdate(p),
      retry: (jobId) => this.retry(jobId),
      checkPin: async (pin) => this.pins.check(pin),
    });
    this.getSnapshot = this.api.getSnapshot;
    this.devices = this.api.devices;
    this.jobs = this.api.jobs;
    this.consent = this.api.consent;
    this.auth = this.api.auth;
    this.catalog = this.api.catalog;
    this.trust = this.api.trust;
    this.settings = this.api.settings;
    this.history = this.api.history;

    for (const s of options.sources ?? [defaultScanner(options.demo === true)]) this.addDeviceSource(s);
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
        const entry = snap.portId ? this.registry.get(snap.portId) : undefined;
        return entry ? nodesOf(entry.profile) : undefined;
      },
    });
    runner.on((e) => {
      if (e.type === 'waiting') {
        if (e.reason === 'reconnect') this.showCableOut(e.jobId, e.devId);
        this.onJobWaiting(e.devId, e.reason);
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
    if (this.options.demo) {
      await importDemoCatalog(this.store);
      if (!this.pins.has('demo')) this.pins.set('demo', 'admin', DEMO_PIN);
    }
    const restored = await this.runner.restore();
    for (const s of restored.resumable) this.views.infoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    for (const s of this.sources) await s.start?.();
  }

  addDeviceSource(source: DeviceSource): void {
    this.sources.push(source);
    source.on('attach', (d) => this.track(this.onAttach(d)));
    source.on('detach', (d) => {
      this.log(`detach ${d.portId}`);
      this.registry.detach(d.portId);
    });
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

  /** Mark DevIds as simulated phones (they share the simulator's demo account). */
  trustSimulatedDevice(devId: string, own = false): void {
    this.simulatedDevIds.add(devId);
    if (own) this.ownPhones.add(devId);
  }

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

  // -------------------------------------------------------------------- sessions and devices

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

  /** The kiosk keeps per-device credentials for this phone (not only the simulator's shared demo account). */
  private holdsOwnAccount(devId: string): boolean {
    const a = this.store.accounts.getSync(devId, this.serverId);
    if (!a) return false;
    return !(this.simulatedDevIds.has(devId) && a.clientSecret === SIMULATED_ACCOUNT.clientSecret);
  }

  private profileFor(d: DiscoveredDevice): DeviceProfile {
    // A simulated phone's pty has no line rate or flow control to set.
    if (d.simulated && d.linkKind === 'serial') return this.profiles.find((p) => p.id === SIMULATED_SERIAL_PROFILE.id) ?? SIMULATED_SERIAL_PROFILE;
    return this.registry.profileFor(d);
  }

  private async onAttach(d: DiscoveredDevice): Promise<void> {
    if (this.closed) return;
    this.log(`attach ${d.portId} ${d.path}${d.devIdHint ? ` ${d.devIdHint}` : ''}`);
    if (d.simulated && d.devIdHint) this.simulatedDevIds.add(d.devIdHint);
    // The demo's own phones arrive through their own source; the scanner may see them too.
    if (d.devIdHint && this.ownPhones.has(d.devIdHint) && d.portId !== `sim:${d.devIdHint}`) return;
    const entry = await this.registry.attach(d, this.profileFor(d));
    entry.identified = this.afterAttach(entry);
    await entry.identified;
  }

  /** A phone (re)attached: a job waiting for it gets its session; otherwise it is identified. */
  private async afterAttach(entry: DeviceEntry): Promise<void> {
    const expected = this.runner.expectedDevices();
    const hint = entry.devId;
    const wants = (reason: 'reboot' | 'reconnect'): boolean =>
      hint !== undefined ? expected.get(hint) === reason : [...expected.values()].includes(reason);
    if (wants('reboot')) {
      try {
        const session = await this.registry.open(entry, { listenMs: this.options.fumo?.installTimeoutMs ?? 120_000 });
        this.route(entry, session);
        return;
      } catch (e) {
        this.log(`${entry.d.portId}: no session from the phone after its reboot (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (wants('reconnect')) {
      try {
        this.route(entry, await this.registry.open(entry));
        return;
      } catch (e) {
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

  /** Open a session only to learn model, version and whether an update applies (nobody is prompted). */
  private async identify(entry: DeviceEntry): Promise<void> {
    const session = await this.registry.open(entry);
    // A phone with a job waiting for it (e.g. it came back on its own) goes to that job.
    if (this.offerToRunner(session) !== 'unclaimed') return;
    try {
      await this.lookAt(entry, session);
    } finally {
      await session.end().catch(() => undefined);
    }
  }

  /** The bench card from one look at the phone. */
  private async lookAt(entry: DeviceEntry, session: FumoSession): Promise<void> {
    const catalog = createStorePorts(this.store).catalog;
    const look = await lookAtPhone(session, {
      nodes: nodesOf(entry.profile),
      match: (facts) => catalog.match(facts),
      batteryThresholdPercent: this.store.settings.get('batteryThresholdPercent'),
      catalogueEmpty: this.store.catalog.list().length === 0,
    });
    const busy = entry.view.jobId !== null && !this.isJobOver(entry.view.jobId);
    this.registry.update(entry, { ...look, state: busy ? entry.view.state : (look.state ?? entry.view.state) });
  }

  private markProblem(entry: DeviceEntry, e: unknown): void {
    const err = isKioskError(e) ? e : new KioskError('INTERNAL', { detail: e instanceof Error ? e.message : String(e) });
    this.registry.update(entry, { problems: [{ code: err.code, message: err.message, required: null, measured: null, blocking: true }] });
  }

  /**
   * A job waits for its phone. A phone still on its cable after an Exec may report without a
   * reboot (an install refused before it began): listen on the link it is on.
   */
  private onJobWaiting(devId: string, reason: 'reboot' | 'reconnect'): void {
    if (reason !== 'reboot' || this.closed) return;
    const entry = this.registry.attachedWith(devId);
    if (!entry) return;
    this.track(
      (async () => {
        const release = await this.registry.lease(entry);
        release();
        if (!entry.attached || !this.runner.expectedDevices().has(devId)) return;
        try {
          this.route(entry, await this.registry.open(entry, { listenMs: this.options.fumo?.installTimeoutMs ?? 600_000 }));
        } catch {
          // The phone rebooted (this link ended): it comes back on a new link.
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

  /** Hand a phone's session to the runner; an unclaimed one is identified, or starts the customer's own request. */
  private route(entry: DeviceEntry, session: FumoSession): void {
    if (this.offerToRunner(session) !== 'unclaimed') return;
    const request = [...session.hello.genericAlerts, ...session.genericAlerts].find((a) => /firmwareupdate\.(userrequest|devicerequest)$/i.test(a.type));
    if (request && session.hello.initiator === 'client') {
      // The customer asked on the phone (Alert 1201 + Generic Alert): the same consent steps follow.
      this.startJobOn(entry, { consentMode: 'customer', trigger: 'customer', session });
      return;
    }
    this.track(this.lookAt(entry, session).finally(() => session.end().catch(() => undefined)));
  }

  /**
   * The phone of a running job went away mid-update (the job waits to reconnect): the job and
   * the device card say so in plain words at once, not only when the job gives up.
   */
  private showCableOut(jobId: string, devId: string): void {
    const snap = jobId ? this.runner.get(jobId) : this.runner.activeFor(devId);
    if (!snap || isTerminal(snap.state) || this.closed) return;
    this.views.markCableOut(snap.jobId, devId);
    this.onJobState(snap);
  }

  /** The phone is back and its job resumes: the cable problem is cleared on the job and the card. */
  private clearCableOut(devId: string): void {
    for (const jobId of this.views.clearCableOut(devId)) {
      const snap = this.runner.get(jobId);
      if (snap) this.onJobState(snap);
    }
  }

  // -------------------------------------------------------------------- jobs

  private isJobOver(jobId: string): boolean {
    const s = this.runner.get(jobId);
    return !s || isTerminal(s.state);
  }

  /** How a job on this entry opens its first session: package 0 on the leased link. */
  private opener(entry: DeviceEntry): () => Promise<FumoSession> {
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
      if (this.offerToRunner(session) === 'unclaimed') await session.end();
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
    await Promise.race([Promise.allSettled([...this.background]), new Promise((r) => setTimeout(r, 2000))]);
    this.store.close();
  }
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

/** The technician recorded for actions taken on the command line. */
export const TECH_ACTOR: Actor = { name: 'technician', role: 'technician' };

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
