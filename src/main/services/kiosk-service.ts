/**
 * The kiosk service: the wiring of its parts (device registry and admission, phone sessions, the
 * job runner and launcher, consent broker, store, DM endpoint, payload server) behind the KioskApi
 * the hosts serve (kiosk-api.ts). Each rule lives in its part; this file only connects them.
 */
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../core/clock';
import { provisionDmAccount } from '../../core/fumo/bootstrap';
import type { JobRunner, RunnerEvent, SessionRouting } from '../../core/fumo/runner';
import type { FumoSession, JobSnapshot } from '../../core/fumo/ports';
import { kioskSessionOptions } from '../../core/session/kiosk-session';
import type { ServerSessionOptions } from '../../core/session/server';
import type { Capability, KioskApi, KioskBackend, KioskConnection, KioskEventName, KioskEvents } from '../../shared/api';
import type { DeviceView } from '../../shared/schemas';
import type { DeviceProfile } from '../../transport/profiles';
import type { DiscoveredDevice, SerialPortListing } from '../links/scanner';
import { SIMULATED_SERIAL_PROFILE } from '../demo/sim-profile';
import { openStore, type KioskStore } from '../store';
import { createStorePorts } from '../store/fumo-ports';
import { systemPrinter } from '../receipts';
import { AccountOwnership } from './account-ownership';
import { accountsPort, sessionAccounts } from './adapters';
import { BenchPorts } from './bench-ports';
import { CableAdmission } from './cable-admission';
import { ConsentBroker, type ConsentResponder } from './consent-broker';
import { consentContext } from './consent-context';
import { DeviceRegistry, type DeviceEntry } from './device-registry';
import { noSimulatedPhones, type DeviceTrust } from './device-trust';
import { DmEndpoint, dmListenFromSettings, type DmListenAddress } from './dm-endpoint';
import { People } from './people';
import { HistoryAnnouncer } from './history-announcer';
import { HttpAdmission } from './http-admission';
import { HttpSessionWaiters } from './http-session-waiters';
import { HttpPhoneCaller } from './http-phone-wait';
import { createKioskApi, type KioskApiParts } from './kiosk-api';
import { KioskEmitter } from './kiosk-emitter';
import type { DeviceSource, KioskServiceOptions } from './kiosk-service-options';
import { JobEvents } from './job-events';
import { JobLauncher, type StartUpdateParams } from './job-launcher';
import { createJobRunner } from './job-runner';
import { JobViews } from './job-views';
import { waitForJob } from './job-waits';
import { PayloadServer } from './payload-server';
import { PhoneSessions } from './phone-sessions';
import { DEFAULT_SERVER_ID, defaultScanner, safeProfiles } from './service-defaults';
import { toHistoryRecord } from './store-views';
import { UpdateTimeEstimator } from './update-time';

export type { DiscoveredDevice, ConsentResponder, DeviceSource, KioskServiceOptions };
export { DEFAULT_SERVER_ID, TECH_ACTOR } from './service-defaults';

export class KioskService extends KioskEmitter implements KioskBackend {
  readonly store: KioskStore;
  readonly runner: JobRunner;
  readonly serverId: string;
  /** Serves bundles to phones that fetch their update by PkgURL (started on first use). */
  readonly payloads: PayloadServer;
  demoSimulation: { stop(): Promise<void> } | undefined;

  private readonly registry: DeviceRegistry;
  private readonly views = new JobViews();
  private readonly consents: ConsentBroker;
  /** The service's own screen (the CLI, tests); every other screen connects with connect(). */
  private readonly api: ReturnType<typeof createKioskApi>;
  private readonly apiParts: KioskApiParts;
  private readonly sources: DeviceSource[] = [];
  private readonly trustPolicy: DeviceTrust;
  private readonly background = new Set<Promise<unknown>>();
  private readonly log: (line: string) => void;
  private closed = false;
  private readonly dmEndpoint: DmEndpoint;
  private readonly cables: CableAdmission;
  private readonly launcher: JobLauncher;

  // The KioskApi, method groups as the contract names them.
  readonly getSnapshot: KioskApi['getSnapshot'];
  readonly devices: KioskApi['devices'];
  readonly jobs: KioskApi['jobs'];
  readonly consent: KioskApi['consent'];
  readonly auth: KioskApi['auth'];
  readonly catalog: KioskApi['catalog'];
  readonly trust: KioskApi['trust'];
  readonly people: KioskApi['people'];
  readonly settings: KioskApi['settings'];
  readonly ports: KioskApi['ports'];
  readonly history: KioskApi['history'];

  constructor(options: KioskServiceOptions) {
    super();
    mkdirSync(options.dataDir, { recursive: true });
    const clock = options.clock ?? systemClock;
    const random = options.random ?? { bytes: (n) => new Uint8Array(randomBytes(n)) };
    const serverId = (this.serverId = options.serverId ?? DEFAULT_SERVER_ID);
    const trust = (this.trustPolicy = options.trust ?? noSimulatedPhones());
    const log = (this.log = options.log ?? (() => undefined));
    const store = (this.store = openStore(options.dataDir, { clock, random, ...(options.secretBox ? { secretBox: options.secretBox } : {}) }));
    const emit = <E extends KioskEventName>(event: E, payload: KioskEvents[E]): void => void this.emit(event, payload);
    const profiles = [...(options.profiles ?? safeProfiles()), ...(trust.name === 'demo' ? [SIMULATED_SERIAL_PROFILE] : [])];
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 60_000;
    const sessionAccountStore = sessionAccounts(store, trust);
    // The product's session rules (core/session/kiosk-session), whatever the link.
    const sessionOptions = (timeoutMs?: number): ServerSessionOptions => kioskSessionOptions({ serverId, accounts: sessionAccountStore, clock, random, timeoutMs: timeoutMs ?? sessionTimeoutMs });
    const accounts = accountsPort(store, serverId, 'obex://fumo-kiosk', random);
    const ownership = new AccountOwnership({ serverId, trust, stored: (d, s) => store.accounts.getSync(d, s), sessionAccounts: sessionAccountStore });
    const httpWaiters = new HttpSessionWaiters(clock);
    const updateTimes = new UpdateTimeEstimator();
    const benchPorts: BenchPorts = new BenchPorts({ store, profiles, flaggedSerialPorts: options.serialPorts ?? [], entries: (): DeviceEntry[] => this.registry.all(), relabel: () => this.registry.relabel() });

    const registry = (this.registry = new DeviceRegistry({
      clock,
      random,
      profiles,
      ...(options.openLink ? { openLink: options.openLink } : {}),
      sessionOptions,
      firstMessageTimeoutMs: sessionTimeoutMs,
      // A phone on a real cable has no DevId until its first package 1 (a bootstrap's) told it.
      package0Password: (entry, linkDevId) => ownership.package0Secret(linkDevId ?? entry.devId),
      bootstrap: {
        wanted: (devId) => ownership.wantsBootstrap(devId),
        provision: async (entry, session) => {
          log(`bootstrap ${session.hello.devId} over ${entry.d.portId}`);
          await provisionDmAccount(session, session.hello.devId, accounts, random);
        },
      },
      onView: (event, view) => emit(event, view),
      onGone: (portId) => emit('device:detached', { portId }),
      keepsEntry: (devId) => this.runner.activeFor(devId) !== undefined,
      // A phone that opens a session by itself on its idle cable: as any session the phone opens.
      onPhoneCall: (entry, session) => phones.route(entry, session),
      log,
      portSetup: (d) => benchPorts.setupFor(d),
    }));
    const consents = (this.consents = new ConsentBroker({
      ...{ clock, random, timeoutMs: () => options.consentTimeoutMs ?? 10 * 60_000 },
      jobContext: (jobId) => consentContext(jobId, this.views, this.runner, registry, updateTimes),
      ...{ onRequested: (r) => emit('consent:requested', r), onResolved: (e) => emit('consent:resolved', e), onHandover: (e) => emit('consent:handover', e) },
    }));
    const onProgress = (offer: { devId: string }, served: number, total: number): void => jobEvents.onPayloadServed(offer.devId, served, total);
    // Where each phone on the DM endpoint reached the kiosk over plain HTTP: its PkgURL is served
    // there, unless an administrator named the download server's own address.
    const reachedAt = new Map<string, string>();
    const ownPayloadHost = options.payloadServer?.host !== undefined || options.payloadServer?.publicHost !== undefined;
    const payloads = (this.payloads = new PayloadServer({
      ...{ open: (bundleId: string) => store.catalog.openPayload(bundleId), random, ...(options.payloadServer ?? {}), onProgress },
      ...(ownPayloadHost ? {} : { reachedAt: (devId: string) => reachedAt.get(devId) }),
    }));
    const runner = (this.runner = createJobRunner({ store, clock, random, accounts, views: this.views, registry, payloads, consents, fumo: options.fumo }));
    const catalog = createStorePorts(store).catalog;
    const phones = new PhoneSessions({
      ...{ clock, registry, runner, views: this.views, identifyOnAttach: options.identifyOnAttach, installTimeoutMs: () => options.fumo?.installTimeoutMs },
      match: (facts) => catalog.match(facts),
      batteryThresholdPercent: () => store.settings.get('batteryThresholdPercent'),
      catalogueEmpty: () => store.catalog.list().length === 0,
      startJobOn: (entry, p) => this.launcher.startOn(entry, p),
      ...{ onJobState: (s) => jobEvents.onJobState(s), track: (p) => this.track(p), closed: () => this.closed, log },
    });
    const jobOf = (id: string): JobSnapshot | undefined => runner.list().find((j) => j.auditId === id);
    const history = new HistoryAnnouncer({ clock, record: (id) => store.audit.get(id), jobOf, announce: (rec) => emit('history:added', toHistoryRecord(rec)) });
    const revokePayloads = (devId: string): void => void payloads.revokeDevice(devId);
    const jobEvents = new JobEvents({ views: this.views, registry, phones, updateTimes, history, consents, activeFor: (devId) => runner.activeFor(devId), revokePayloads, emit });
    runner.on((e) => jobEvents.onRunnerEvent(e));
    const offerToRunner = (session: FumoSession): SessionRouting => phones.offerToRunner(session);
    const currentTechnician = (): string | undefined => this.api.session()?.user.name;
    const httpCaller = new HttpPhoneCaller({ registry, waiters: httpWaiters, random, serverId, package0Password: (devId) => ownership.package0Secret(devId), log });
    this.launcher = new JobLauncher({ registry, runner, views: this.views, httpCaller, sessionTimeoutMs, currentTechnician, offerToRunner });
    this.cables = new CableAdmission({ trust, registry, profiles, afterAttach: (entry) => phones.afterAttach(entry), closed: () => this.closed, log });

    this.apiParts = {
      ...{ clock, sessionIdleMs: () => store.settings.get('sessionIdleSeconds') * 1000, store, runner, devices: registry, views: this.views, consents },
      ...{ demo: options.demo === true, emit, ports: benchPorts, startUpdate: (p) => this.startUpdate(p), retry: (jobId) => this.launcher.retry(jobId) },
      ...{ checkPin: (pin) => store.pins.verify({ pin }), printer: options.printer ?? systemPrinter(), recordSettled: (id) => history.settled(id), catalogChanged: () => phones.reevaluate() },
      people: new People(store.pins, (view) => emit('people:changed', view)),
    };
    this.api = createKioskApi(this.apiParts, 'bench');
    ({ getSnapshot: this.getSnapshot, devices: this.devices, jobs: this.jobs, consent: this.consent, auth: this.auth } = this.api);
    ({ catalog: this.catalog, trust: this.trust, people: this.people, settings: this.settings, ports: this.ports, history: this.history } = this.api);

    const endpointUrl = (): string | undefined => this.dmEndpoint.urls[0];
    const awaited = (devId: string): boolean => runner.expectedDevices().has(devId);
    const route = (entry: DeviceEntry, session: FumoSession): void => phones.route(entry, session);
    const http = new HttpAdmission({ waiters: httpWaiters, trust, accounts: ownership, registry, endpointUrl, awaited, offerToRunner, route, log });
    // The flags (options.dmListen) win over the settings; neither: 127.0.0.1 on a free port.
    const listen = (): DmListenAddress[] => options.dmListen ?? dmListenFromSettings(store.settings.getAll()) ?? [{ host: '127.0.0.1', port: 0 }];
    this.dmEndpoint = new DmEndpoint({ listen, sessionOptions: () => sessionOptions(), onSession: (session, origin) => {
      httpCaller.seen(session.hello.devId, origin.remoteAddress);
      if (origin.plainHttp && origin.localAddress) reachedAt.set(session.hello.devId, origin.localAddress);
      this.track(http.admit(session));
    }, clock, random, log });

    const portAssignments = { isAssigned: (p: SerialPortListing) => benchPorts.assignsSerialPort(p), onListing: (ports: readonly SerialPortListing[]) => benchPorts.sawSerialPorts(ports) };
    for (const s of options.sources ?? [defaultScanner(trust.name === 'demo' && options.watchSimRegistry === true, options.serialPorts ?? [], portAssignments)]) this.addDeviceSource(s);
  }

  /** Start: import the demo catalogue and phones (demo), resume or report unfinished jobs, start the sources. */
  async start(): Promise<void> {
    // A DM endpoint address that may not be served stops the start before anything else happens.
    this.dmEndpoint.plan();
    const restored = await this.runner.restore();
    for (const s of restored.resumable) this.views.infoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    for (const url of await this.dmEndpoint.start()) this.log(`DM endpoint: ${url}`);
    for (const s of this.sources) await s.start?.();
  }

  /** The DM endpoint's URLs (phones that speak DM over HTTP open their sessions there). */
  get dmEndpointUrls(): readonly string[] {
    return this.dmEndpoint.urls;
  }

  addDeviceSource(source: DeviceSource): void {
    this.sources.push(source);
    source.on('attach', (d) => this.track(this.cables.onAttach(d)));
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
    this.cables.addProfile(profile);
  }

  /** A login PIN that exists from now on (the demo's); an existing one of that name is kept. */
  async ensurePin(name: string, role: 'technician' | 'admin', pin: string): Promise<void> {
    if (!this.store.pins.has(name)) await this.store.pins.set(name, role, pin);
  }

  /** Let a simulated phone in with the simulator's shared account (only under the demo's trust policy). */
  trustSimulatedDevice(devId: string, own = false): void {
    this.trustPolicy.trust(devId, own);
  }

  private track<T>(p: Promise<T>): void {
    const q = p.catch((e: unknown) => this.log(`background task failed: ${e instanceof Error ? e.message : String(e)}`));
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  /**
   * Start (or continue) an update on one device. A device with a parked job (download finished
   * for "install later", cable pulled) continues that job instead of starting a new one.
   */
  startUpdate(params: StartUpdateParams): Promise<string> {
    return this.launcher.startUpdate(params);
  }

  /** Resolves when the job has ended or parked. */
  waitForJob(jobId: string): Promise<JobSnapshot> {
    return waitForJob(this.runner, jobId);
  }

  // -------------------------------------------------------------------- for the CLI and tests

  /** Every job this kiosk knows (running, queued, parked, ended), as the runner reports them. */
  listJobs(): JobSnapshot[] {
    return this.runner.list();
  }

  /** One job as the runner reports it now. */
  getJob(jobId: string): JobSnapshot | undefined {
    return this.runner.get(jobId);
  }

  /** Follow the runner's reports (job states, progress, waits); returns the unsubscribe. */
  onJobEvent(listener: (e: RunnerEvent) => void): () => void {
    return this.runner.on(listener);
  }

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

/** Create and start the kiosk service. */
export async function createKioskService(options: KioskServiceOptions): Promise<KioskService> {
  const service = new KioskService(options);
  try {
    await service.start();
  } catch (e) {
    // Refused to start (a bad DM endpoint setting, a port in use): nothing stays open.
    await service.close().catch(() => undefined);
    throw e;
  }
  return service;
}
