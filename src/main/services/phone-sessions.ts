/**
 * What happens with a phone's session: a phone that (re)attaches goes to the job waiting for it
 * (after its reboot, or after a pulled cable) or is identified for the bench; a session the
 * phone opens by itself goes to the runner first, starts the customer's own request, or
 * updates the card. A job whose cable was pulled shows it at once and clears it when the phone
 * is back.
 */
import type { Clock } from '../../core/clock';
import { KioskError, isKioskError } from '../../core/errors';
import type { JobRunner, SessionRouting } from '../../core/fumo/runner';
import { isTerminal, type CatalogMatch, type DeviceFacts, type FumoSession, type JobSnapshot } from '../../core/fumo/ports';
import { updateRequestOf } from '../../core/fumo/update-request';
import type { ConsentMode } from '../../shared/schemas';
import { cardFromFacts, readBenchFacts } from './bench-card';
import type { DeviceEntry, DeviceRegistry } from './device-registry';
import type { JobViews } from './job-views';
import { nodesOf } from './nodes';

/** Extra attempts to identify a phone whose port is still busy (500 ms, 1 s, 2 s apart). */
const IDENTIFY_RETRIES = 3;
/** Attempts to reach again a phone whose link broke while its port stayed listed (500 ms, then up to 4 s apart). */
const RECONNECT_IN_PLACE_ATTEMPTS = 12;

export interface PhoneSessionsOptions {
  clock: Clock;
  registry: DeviceRegistry;
  runner: JobRunner;
  views: JobViews;
  identifyOnAttach: boolean | undefined;
  installTimeoutMs(): number | undefined;
  match(facts: DeviceFacts): Promise<CatalogMatch>;
  batteryThresholdPercent(): number;
  catalogueEmpty(): boolean;
  startJobOn(entry: DeviceEntry, p: { consentMode: ConsentMode; trigger: 'technician' | 'customer'; session: FumoSession }): string;
  onJobState(s: JobSnapshot): void;
  track(p: Promise<unknown>): void;
  closed(): boolean;
  log(line: string): void;
}

export class PhoneSessions {
  /** The facts of each phone's last look, to work its card out again when the catalogue changes. */
  private readonly facts = new WeakMap<DeviceEntry, DeviceFacts>();

  constructor(private readonly o: PhoneSessionsOptions) {}

  private isJobOver(jobId: string): boolean {
    const s = this.o.runner.get(jobId);
    return !s || isTerminal(s.state);
  }

  /** A phone (re)attached: a job waiting for it gets its session; otherwise it is identified. */
  async afterAttach(entry: DeviceEntry): Promise<void> {
    const expected = this.o.runner.expectedDevices();
    const hint = entry.devId;
    const wants = (reason: 'reboot' | 'reconnect'): boolean =>
      hint !== undefined ? expected.get(hint) === reason : [...expected.values()].includes(reason);
    if (wants('reboot')) {
      try {
        const session = await this.o.registry.open(entry, { listenMs: this.o.installTimeoutMs() ?? 120_000 });
        this.route(entry, session);
        return;
      } catch (e) {
        this.o.log(`${entry.d.portId}: no session from the phone after its reboot (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (wants('reconnect')) {
      try {
        this.route(entry, await this.o.registry.open(entry));
        return;
      } catch (e) {
        this.o.log(`${entry.d.portId}: the phone did not answer (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (this.o.identifyOnAttach !== false) await this.identifyPatiently(entry).catch((e: unknown) => this.markProblem(entry, e));
  }

  /**
   * Identify a newly attached phone. A port that is still busy (another program probing a new
   * port, a slow machine still releasing the previous link) fails to open with CABLE_UNPLUGGED
   * while the phone is plugged in: try again a few times, a little later each time, as long as
   * the same attach stands.
   */
  async identifyPatiently(entry: DeviceEntry): Promise<void> {
    const generation = entry.generation;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.identify(entry);
        return;
      } catch (e) {
        const again = isKioskError(e) && e.code === 'CABLE_UNPLUGGED' && attempt < IDENTIFY_RETRIES && !this.o.closed();
        if (!again || !entry.attached || entry.generation !== generation) throw e;
        this.o.log(`${entry.d.portId}: port busy, identifying again (${attempt + 1}/${IDENTIFY_RETRIES})`);
        await new Promise<void>((r) => this.o.clock.setTimeout(r, 500 * 2 ** attempt));
        if (!entry.attached || entry.generation !== generation || this.o.closed()) throw e;
      }
    }
  }

  /** Open a session only to learn model, version and whether an update applies (nobody is prompted). */
  async identify(entry: DeviceEntry): Promise<void> {
    const session = await this.o.registry.open(entry);
    // It answered: from now on its idle cable is listened to for a session it opens itself.
    this.o.registry.listenWhenIdle(entry);
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
    const facts = await readBenchFacts(session, nodesOf(entry.profile));
    this.facts.set(entry, facts);
    await this.cardFor(entry, facts);
  }

  private async cardFor(entry: DeviceEntry, facts: DeviceFacts): Promise<void> {
    const look = await cardFromFacts(facts, {
      match: (f) => this.o.match(f),
      batteryThresholdPercent: this.o.batteryThresholdPercent(),
      catalogueEmpty: this.o.catalogueEmpty(),
    });
    const busy = entry.view.jobId !== null && !this.isJobOver(entry.view.jobId);
    this.o.registry.update(entry, { ...look, state: busy ? entry.view.state : (look.state ?? entry.view.state) });
  }

  /**
   * The catalogue (or the battery threshold) changed: every attached phone without a running job
   * gets its card worked out again from the facts last read, without a new session, so an
   * imported bundle is offered at once and a removed one is no longer offered.
   */
  async reevaluate(): Promise<void> {
    for (const entry of this.o.registry.all()) {
      const facts = this.facts.get(entry);
      if (!entry.attached || !facts) continue;
      if (entry.view.jobId !== null && !this.isJobOver(entry.view.jobId)) continue;
      try {
        await this.cardFor(entry, facts);
      } catch (e) {
        this.markProblem(entry, e);
      }
    }
  }

  private markProblem(entry: DeviceEntry, e: unknown): void {
    const err = isKioskError(e) ? e : new KioskError('INTERNAL', { detail: e instanceof Error ? e.message : String(e) });
    this.o.registry.update(entry, { problems: [{ code: err.code, message: err.message, required: null, measured: null, blocking: true }] });
  }

  /**
   * A job waits for its phone. A phone still on its cable after an Exec may report without a
   * reboot (an install refused before it began): listen on the link it is on.
   */
  onJobWaiting(devId: string, reason: 'reboot' | 'reconnect'): void {
    if (this.o.closed()) return;
    const entry = this.o.registry.attachedWith(devId);
    if (!entry) return;
    this.o.track(reason === 'reconnect' ? this.reconnectInPlace(entry, devId) : this.listenThroughReboot(entry, devId));
  }

  /**
   * Listen for the phone's own session (its install result) while the job waits for it after
   * the Exec. A phone that reboots ends the link it was on and re-enumerates; when it is back
   * under the same port name before the next scan, the scanner sees neither the detach nor the
   * attach, so nothing else would open the port again. So while this attach stands and the job
   * waits, listen again on a freshly opened port, a little later each time while the port is not
   * back yet; the job's own wait bounds it, and a real attach (new generation) takes over.
   */
  private async listenThroughReboot(entry: DeviceEntry, devId: string): Promise<void> {
    const generation = entry.generation;
    const stands = (): boolean =>
      !this.o.closed() && entry.attached && entry.generation === generation && this.o.runner.expectedDevices().get(devId) === 'reboot';
    // The job's last session still holds the link: wait for it to give the link back.
    const release = await this.o.registry.lease(entry);
    release();
    for (let attempt = 0; stands(); attempt++) {
      if (attempt > 0) {
        await new Promise<void>((r) => this.o.clock.setTimeout(r, 500 * 2 ** Math.min(attempt - 1, 3)));
        if (!stands()) return;
      }
      try {
        this.route(entry, await this.o.registry.open(entry, { listenMs: this.o.installTimeoutMs() ?? 600_000 }));
        return;
      } catch (e) {
        // The phone rebooted (this link ended): it comes back on this port or, through an attach, on a new one.
        this.o.log(`${entry.d.portId}: no session on this link, listening again once the port is back (${e instanceof Error ? e.message : String(e)})`);
      }
    }
  }

  /**
   * The job's link broke but the port never left the scan: a cable pulled and plugged back
   * between two scans (the device comes back under the same name), or a link that only stalled.
   * No attach will come for it, so ask the phone again on a fresh link, a little later each time,
   * while the job waits and this attach stands; a real attach (new generation) takes over.
   */
  private async reconnectInPlace(entry: DeviceEntry, devId: string): Promise<void> {
    const generation = entry.generation;
    const stands = (): boolean =>
      !this.o.closed() && entry.attached && entry.generation === generation && this.o.runner.expectedDevices().get(devId) === 'reconnect';
    for (let attempt = 0; attempt < RECONNECT_IN_PLACE_ATTEMPTS; attempt++) {
      await new Promise<void>((r) => this.o.clock.setTimeout(r, 500 * 2 ** Math.min(attempt, 3)));
      if (!stands()) return;
      try {
        const session = await this.o.registry.open(entry);
        if (!stands()) {
          await session.end().catch(() => undefined);
          return;
        }
        this.route(entry, session);
        return;
      } catch (e) {
        this.o.log(`${entry.d.portId}: the phone is not back yet (${e instanceof Error ? e.message : String(e)})`);
      }
    }
  }

  /** Offer a session to the runner; a job it goes to no longer waits for a pulled cable. */
  offerToRunner(session: FumoSession): SessionRouting {
    const routed = this.o.runner.offerSession(session);
    if (routed === 'handed-to-waiting-job' || routed === 'resumed-parked-job') this.clearCableOut(session.hello.devId);
    return routed;
  }

  /** Hand a phone's session to the runner; an unclaimed one is identified, or starts the customer's own request. */
  route(entry: DeviceEntry, session: FumoSession): void {
    this.o.registry.listenWhenIdle(entry);
    if (this.offerToRunner(session) !== 'unclaimed') return;
    const request = updateRequestOf(session);
    if (request && session.hello.initiator === 'client') {
      // The customer asked on the phone (Alert 1201 + Generic Alert): the same consent steps follow.
      this.o.startJobOn(entry, { consentMode: 'customer', trigger: 'customer', session });
      return;
    }
    this.o.track(this.lookAt(entry, session).finally(() => session.end().catch(() => undefined)));
  }

  /**
   * The phone of a running job went away mid-update (the job waits to reconnect): the job and
   * the device card say so in plain words at once, not only when the job gives up.
   */
  showCableOut(jobId: string, devId: string): void {
    const snap = jobId ? this.o.runner.get(jobId) : this.o.runner.activeFor(devId);
    if (!snap || isTerminal(snap.state) || this.o.closed()) return;
    this.o.views.markCableOut(snap.jobId, devId);
    this.o.onJobState(snap);
  }

  /** The phone is back and its job resumes: the cable problem is cleared on the job and the card. */
  private clearCableOut(devId: string): void {
    for (const jobId of this.o.views.clearCableOut(devId)) {
      const snap = this.o.runner.get(jobId);
      if (snap) this.o.onJobState(snap);
    }
  }
}
