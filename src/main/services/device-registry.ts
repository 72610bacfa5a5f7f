/**
 * The phones on the bench: one entry per port with its profile, its link (opened once, shared
 * by one session at a time through a lease) and its card (the DeviceView). Sessions are let in
 * through core/session/admission: package 0 and accept, or listen for the phone's own call.
 *
 * A cable phone once identified is listened to while nothing else uses its link: a read stays
 * open on the idle link (the receive limits of the link bound it), a phone that opens a session
 * by itself there is handed on (`onPhoneCall`), and anyone asking for a lease withdraws that read
 * first, so a job always gets the link clean, with nothing half read and no second reader.
 */
import { KioskError, isKioskError } from '../../core/errors';
import type { Clock } from '../../core/clock';
import { KIOSK_RECEIVE_CEILING_BYTES } from '../../core/dm/limits';
import { PACKAGE0_CONTENT_TYPE, type UiMode } from '../../core/dm/pkg0';
import type { FumoSession } from '../../core/fumo/ports';
import type { DmPayload, Link } from '../../core/link';
import type { DmSession } from '../../core/session/api';
import { alertAndAccept, listenAndAccept, replaying } from '../../core/session/admission';
import type { ServerSessionOptions } from '../../core/session/server';
import { maskDevId } from '../../shared/api';
import type { DeviceView } from '../../shared/schemas';
import { findProfile, GENERIC_SERIAL_PROFILE_ID, profileById, type DeviceProfile } from '../../transport/profiles';
import type { DiscoveredDevice } from '../links/scanner';
import { openSerialLink } from '../links/serial';
import { openUsbLinkAt } from '../links/usb';

export interface DeviceEntry {
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
  /** Sessions holding the link or queued for it. */
  leases: number;
  /** Listen on the idle link (set once the phone on this cable has been identified). */
  listensWhenIdle: boolean;
  /** The read kept open on the idle link; aborting it withdraws the read and frees the link. */
  idleRead: AbortController | undefined;
  /** Idle reads in a row that ended in a failure (the next one waits longer; at the limit listening stops). */
  idleFailures: number;
}

/** Idle reads in a row that may fail (port busy, garbage on the line) before the kiosk stops listening on that link. */
const IDLE_READ_FAILURES_ALLOWED = 5;

export interface DeviceRegistryOptions {
  clock: Clock;
  profiles: DeviceProfile[];
  /** How a discovered device becomes a Link (default: OBEX over the serial path). */
  openLink?: (device: DiscoveredDevice, profile: DeviceProfile) => Promise<Link>;
  /** The authenticated session's options; `timeoutMs` overrides the per-message wait. */
  sessionOptions(timeoutMs?: number): ServerSessionOptions;
  random: { bytes(n: number): Uint8Array };
  /** How long the kiosk waits for a phone's package 1 after package 0. */
  firstMessageTimeoutMs: number;
  /** The password package 0 is signed with for this phone; `devId` when the link has told it (after a bootstrap). */
  package0Password(entry: DeviceEntry, devId?: string): Promise<string>;
  /** Bootstrap over a cable (never over HTTP): see core/session/admission. */
  bootstrap?: { wanted(devId: string): boolean; provision(entry: DeviceEntry, session: DmSession): Promise<void> };
  /** A card changed, appeared or went away. */
  onView(event: 'device:attached' | 'device:updated', view: DeviceView): void;
  onGone(portId: string): void;
  /** A phone with an unfinished job keeps its entry when it goes away (it comes back after a reboot). */
  keepsEntry(devId: string): boolean;
  /** A phone opened a session by itself on its idle cable; the session gives the link back when it ends. */
  onPhoneCall?(entry: DeviceEntry, session: FumoSession): void;
  log?(line: string): void;
  /** The port's setup (bench-ports.ts): the profile an administrator or a flag chose for it, and its slot name. */
  portSetup?(d: DiscoveredDevice): { profileId: string | undefined; slot: string | null };
}

/** The card of a phone just attached: nothing known yet but how it is connected. */
function freshView(d: DiscoveredDevice, now: number, slot: string | null): DeviceView {
  return {
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
    attachedAt: now,
    slot,
    portLabel: d.path || null,
  };
}

export class DeviceRegistry {
  private readonly entries = new Map<string, DeviceEntry>();
  private closing = false;

  constructor(private readonly o: DeviceRegistryOptions) {}

  get(portId: string): DeviceEntry | undefined {
    return this.entries.get(portId);
  }

  all(): DeviceEntry[] {
    return [...this.entries.values()];
  }

  views(): DeviceView[] {
    return this.all().map((e) => e.view);
  }

  /** The entry of a port, or of a DevId (full or as shown masked). */
  find(ref: { portId?: string | undefined; devId?: string | undefined }): DeviceEntry {
    if (ref.portId) {
      const e = this.entries.get(ref.portId);
      if (e) return e;
      throw new KioskError('DEVICE_NOT_FOUND', { detail: ref.portId });
    }
    const devId = ref.devId ?? '';
    for (const e of this.entries.values()) if (e.devId === devId || e.d.devIdHint === devId || e.view.devId === devId) return e;
    throw new KioskError('DEVICE_NOT_FOUND', { detail: devId });
  }

  /** The attached entry of a DevId. */
  attachedWith(devId: string): DeviceEntry | undefined {
    return this.all().find((e) => e.attached && e.devId === devId);
  }

  /** The attached cable (serial or USB) of a DevId: the same phone may be on the DM endpoint too. */
  cableOf(devId: string): DeviceEntry | undefined {
    return this.all().find((e) => e.attached && e.d.linkKind !== 'http' && (e.devId === devId || e.d.devIdHint === devId));
  }

  /** The unmasked DevId of the device on a port, once known. */
  fullDevId(portId: string): string | undefined {
    const e = this.entries.get(portId);
    return e?.devId ?? e?.d.devIdHint;
  }

  profileFor(d: DiscoveredDevice): DeviceProfile {
    const chosen = this.o.portSetup?.(d).profileId;
    const p = (chosen !== undefined ? profileById(chosen, this.o.profiles) : undefined) ?? profileById(d.profileId, this.o.profiles) ?? findProfile(d.vid, d.pid, this.o.profiles) ?? profileById(GENERIC_SERIAL_PROFILE_ID, this.o.profiles);
    if (!p) throw new KioskError('INTERNAL', { detail: `no device profile for ${d.portId}` });
    return p;
  }

  /** A device (re)appeared on a port: a new entry, or the old one on a fresh link. */
  async attach(d: DiscoveredDevice, profile: DeviceProfile): Promise<DeviceEntry> {
    const existing = this.entries.get(d.portId);
    if (existing) {
      existing.idleFailures = 0;
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
      existing.view = { ...existing.view, slot: this.slotOf(d), portLabel: d.path || null };
      this.o.onView('device:updated', existing.view);
      return existing;
    }
    const entry: DeviceEntry = {
      d,
      profile,
      link: undefined,
      attached: true,
      devId: d.devIdHint,
      lock: Promise.resolve(),
      generation: 0,
      opening: undefined,
      identified: undefined,
      leases: 0,
      listensWhenIdle: false,
      idleRead: undefined,
      idleFailures: 0,
      view: freshView(d, this.o.clock.now(), this.slotOf(d)),
    };
    this.entries.set(d.portId, entry);
    this.o.onView('device:attached', entry.view);
    return entry;
  }

  detach(portId: string): void {
    const entry = this.entries.get(portId);
    if (!entry) return;
    entry.attached = false;
    const link = entry.link;
    entry.link = undefined;
    void link?.close().catch(() => undefined);
    if (entry.devId && this.o.keepsEntry(entry.devId)) return;
    this.entries.delete(portId);
    this.o.onGone(portId);
  }

  /** The slot names changed (an administrator renamed a port): every card whose name changed is told at once. */
  relabel(): void {
    for (const e of this.entries.values()) {
      const slot = this.slotOf(e.d);
      if (slot !== (e.view.slot ?? null)) this.update(e, { slot });
    }
  }

  private slotOf(d: DiscoveredDevice): string | null {
    return this.o.portSetup?.(d).slot ?? null;
  }

  /** Change a card and tell the screens. */
  update(entry: DeviceEntry, patch: Partial<DeviceView>): void {
    entry.view = { ...entry.view, ...patch };
    this.o.onView('device:updated', entry.view);
  }

  /** Wait until every attached device has been identified (or failed to be). */
  async settled(): Promise<void> {
    await Promise.all(this.all().map((e) => e.identified?.catch(() => undefined)));
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    for (const e of this.entries.values()) await e.link?.close().catch(() => undefined);
  }

  // ------------------------------------------------------------------ links

  private async linkOf(entry: DeviceEntry): Promise<Link> {
    if (entry.link) return entry.link;
    if (!entry.attached) throw new KioskError('CABLE_UNPLUGGED');
    // One open at a time per port: a second open of the same port fails on its lock.
    if (entry.opening) return entry.opening;
    const open =
      this.o.openLink ??
      ((d: DiscoveredDevice, p: DeviceProfile) =>
        d.linkKind === 'usb'
          ? openUsbLinkAt(d.path, p, { clock: this.o.clock, maxMessageBytes: KIOSK_RECEIVE_CEILING_BYTES })
          : openSerialLink(d.path, p, { clock: this.o.clock, maxMessageBytes: KIOSK_RECEIVE_CEILING_BYTES }));
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

  /** A failed session leaves the port usable once reopened; only the link that failed is closed. */
  private async dropLink(entry: DeviceEntry, link: Link): Promise<void> {
    if (entry.link === link) entry.link = undefined;
    await link.close().catch(() => undefined);
  }

  /**
   * Take the device's link for one session; the returned function gives it back. A caller that
   * queued for the link of an earlier attach queues again for the current one, so two sessions
   * never read the same link at once.
   */
  async lease(entry: DeviceEntry): Promise<() => void> {
    entry.leases++;
    // The idle read gives way at once; it resumes when the last lease is given back.
    entry.idleRead?.abort();
    let release: () => void;
    try {
      release = await this.takeLink(entry);
    } catch (e) {
      entry.leases--;
      throw e;
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      entry.leases--;
      // A session that used the link gives idle listening a fresh start.
      entry.idleFailures = 0;
      release();
      this.listenIdle(entry);
    };
  }

  /** The link's turn: the lock chain of the current attach. */
  private async takeLink(entry: DeviceEntry): Promise<() => void> {
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

  /** Run `admit` on the entry's link; a failure closes that link (the port is reopened next time). */
  private async admitted(entry: DeviceEntry, admit: (link: Link) => Promise<DmSession>): Promise<DmSession> {
    const link = await this.linkOf(entry);
    try {
      const session = await admit(link);
      this.learn(entry, session);
      return session;
    } catch (e) {
      await this.dropLink(entry, link);
      throw e;
    }
  }

  /** Package 0, then the session the phone opens (with bootstrap on a cable where needed). */
  alert(entry: DeviceEntry, uiMode: UiMode = 'background'): Promise<DmSession> {
    const bootstrap = this.o.bootstrap;
    return this.admitted(entry, (link) =>
      alertAndAccept(link, {
        session: this.o.sessionOptions(),
        random: this.o.random,
        firstMessageTimeoutMs: this.o.firstMessageTimeoutMs,
        uiMode,
        package0Password: (devId) => this.o.package0Password(entry, devId),
        ...(bootstrap && entry.d.linkKind !== 'http'
          ? { bootstrap: { wanted: (devId: string) => bootstrap.wanted(devId), provision: (s: DmSession) => bootstrap.provision(entry, s) } }
          : {}),
      }),
    );
  }

  /**
   * Package 0 alone over the entry's cable (under a lease): for a phone that answers it on
   * another link, such as DM over HTTP.
   */
  async sendPackage0(entry: DeviceEntry, body: Uint8Array): Promise<void> {
    const release = await this.lease(entry);
    try {
      const link = await this.linkOf(entry);
      try {
        await link.send({ body, contentType: PACKAGE0_CONTENT_TYPE });
      } catch (e) {
        await this.dropLink(entry, link);
        throw e;
      }
    } finally {
      release();
    }
  }

  /** Wait for the phone to open a session by itself (after its install and reboot). */
  listen(entry: DeviceEntry, timeoutMs: number): Promise<DmSession> {
    return this.admitted(entry, (link) => listenAndAccept(link, this.o.sessionOptions(timeoutMs)));
  }

  /** Lease the link and open a session on it that gives the link back when it ends. */
  async open(entry: DeviceEntry, how: { listenMs?: number; uiMode?: UiMode } = {}): Promise<FumoSession> {
    const release = await this.lease(entry);
    try {
      const session = how.listenMs !== undefined ? await this.listen(entry, how.listenMs) : await this.alert(entry, how.uiMode);
      return leased(session, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  // ------------------------------------------------------------------ idle listening

  /** From now on this cable phone is listened to whenever no session holds its link. */
  listenWhenIdle(entry: DeviceEntry): void {
    if (entry.d.linkKind === 'http' || !this.o.onPhoneCall) return;
    entry.listensWhenIdle = true;
    this.listenIdle(entry);
  }

  /** Open the idle read if the link is free and nobody waits for it. */
  private listenIdle(entry: DeviceEntry): void {
    if (!entry.listensWhenIdle || !entry.attached || entry.leases > 0 || entry.idleRead || this.closing) return;
    if (entry.idleFailures >= IDLE_READ_FAILURES_ALLOWED) return;
    const read = new AbortController();
    entry.idleRead = read;
    void this.readIdle(entry, read);
  }

  /**
   * One idle read: the phone's own package 1 becomes a session handed to `onPhoneCall`; a lease
   * asked for meanwhile withdraws the read and takes the link. A failed read closes the link
   * (the next read opens the port again, a little later each time); a pulled cable ends
   * listening on this attach, and the scanner's detach and attach follow as for any cable.
   */
  private async readIdle(entry: DeviceEntry, read: AbortController): Promise<void> {
    const generation = entry.generation;
    const release = await this.takeLink(entry);
    let handedOn = false;
    let link: Link | undefined;
    try {
      if (read.signal.aborted || entry.generation !== generation) return;
      link = await this.linkOf(entry);
      if (read.signal.aborted) return;
      let first: DmPayload;
      try {
        first = await link.receive({ timeoutMs: 0, signal: read.signal, idle: true });
      } catch (e) {
        // Withdrawn for a lease: the link is clean and the lease has it next.
        if (read.signal.aborted && isKioskError(e) && e.code === 'CANCELLED') return;
        throw e;
      }
      // From here the phone's session holds the link: a lease waits for it to end.
      if (entry.idleRead === read) entry.idleRead = undefined;
      const session = await listenAndAccept(replaying(link, first), this.o.sessionOptions());
      this.learn(entry, session);
      entry.idleFailures = 0;
      handedOn = true;
      this.o.log?.(`${entry.d.portId}: the phone opened a session by itself`);
      this.o.onPhoneCall?.(
        entry,
        leased(session, () => {
          release();
          this.listenIdle(entry);
        }),
      );
    } catch (e) {
      const pulled = isKioskError(e) && (e.code === 'CABLE_UNPLUGGED' || e.code === 'LINK_CLOSED');
      // A later attach starts counting afresh.
      if (entry.generation === generation) entry.idleFailures = pulled ? IDLE_READ_FAILURES_ALLOWED : entry.idleFailures + 1;
      this.o.log?.(`${entry.d.portId}: ${pulled ? 'the idle link ended' : 'dropped what came on the idle link'} (${e instanceof Error ? e.message : String(e)})`);
      if (link) await this.dropLink(entry, link);
    } finally {
      if (entry.idleRead === read) entry.idleRead = undefined;
      if (!handedOn) {
        release();
        this.idleAgain(entry, generation);
      }
    }
  }

  /** The next idle read after one that ended: at once after a withdrawal, later after failures. */
  private idleAgain(entry: DeviceEntry, generation: number): void {
    if (entry.idleFailures === 0) return this.listenIdle(entry);
    if (entry.idleFailures >= IDLE_READ_FAILURES_ALLOWED) return;
    this.o.clock.setTimeout(() => {
      if (entry.generation === generation) this.listenIdle(entry);
    }, 500 * 2 ** (entry.idleFailures - 1));
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
}

/** A session that gives its link back when it ends (or when waiting on it fails). */
export function leased(session: DmSession, release: () => void): FumoSession {
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
