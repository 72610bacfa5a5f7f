/**
 * Fakes for the FUMO job's ports: a scripted phone (DM tree values, FUMO object, prompts,
 * faults), an in-memory journal and audit, a catalogue over a byte array, a fake clock.
 */
import { createHash } from 'node:crypto';
import { KioskError } from '../../../src/core/errors';
import type { ItemData } from '../../../src/core/dm/model';
import type {
  ClientHello,
  ConfirmAnswer,
  GenericAlert,
  GetResult,
  LargeObjectSource,
  ReplaceLargeOptions,
  UserInteractionOptions,
} from '../../../src/core/session/api';
import type {
  AuditBegin,
  AuditCompletion,
  AuditPort,
  CatalogMatch,
  CatalogPort,
  ConsentPort,
  CustomerConsentAnswer,
  CustomerConsentRequest,
  DeviceFacts,
  FumoPorts,
  FumoSession,
  JobSnapshot,
  JournalPort,
  PayloadReader,
  SessionWaiter,
  UpdateOffer,
} from '../../../src/core/fumo/ports';
import { isTerminal } from '../../../src/core/fumo/ports';

import { FakeClock, counterRandom } from '../../support/clock';

export { FakeClock, counterRandom };

export const FUMO = './FUMO/FwUpdate';

export interface PhoneOptions {
  devId?: string;
  model?: string;
  fw?: string;
  battery?: number;
  externalPower?: boolean;
  freeBytes?: number;
  confirm?: ConfirmAnswer;
  installResult?: number;
  /** Pull the cable once this many bytes of PkgData have been acknowledged. */
  disconnectAtBytes?: number;
  /** The phone supports continuing a transfer at an offset. */
  resume?: boolean;
  /**
   * Pull the cable during the Exec: 'after-taken' once the phone has taken it (it installs and
   * reboots, the 202 never arrives), 'before-taken' before it reaches the phone (nothing installs).
   */
  disconnectAtExec?: 'after-taken' | 'before-taken';
  /** Refuse DMAcc Add with this status. */
  refuseBootstrap?: number;
  /** FUMO not at a profile location: discoverable only with ?prop=Type. */
  fumoRoot?: string;
  chunk?: number;
}

/** A scripted phone that hands out FakeSessions and records everything the kiosk did to it. */
export class FakePhone {
  devId: string;
  model: string;
  fw: string;
  battery: number;
  externalPower: boolean;
  freeBytes: number;
  confirmAnswer: ConfirmAnswer;
  installResult: number;
  disconnectAtBytes: number | undefined;
  disconnectAtExec: 'after-taken' | 'before-taken' | undefined;
  resume: boolean;
  refuseBootstrap: number | undefined;
  fumoRoot: string;
  chunk: number;
  /** Everything the kiosk did, in order. */
  log: string[] = [];
  prompts: Array<{ kind: 'confirm' | 'display'; text: string; options?: UserInteractionOptions }> = [];
  execs: Array<{ uri: string; correlator?: string }> = [];
  adds: string[] = [];
  /** PkgData bytes the phone holds. */
  held: Uint8Array = new Uint8Array(0);
  expected = 0;
  complete = false;
  fumoState = 10;
  /** Bytes the phone received over all transfers. */
  bytesReceived = 0;
  pendingAlerts: GenericAlert[] = [];
  pendingTarget: string | undefined;
  sessions: FakeSession[] = [];
  /** Snapshot of the journal's last state at each Exec (proves journal-before-effect). */
  journalAtExec: string[] = [];
  journal: FakeJournal | undefined;

  constructor(o: PhoneOptions = {}) {
    this.devId = o.devId ?? 'IMEI:493005100592800';
    this.model = o.model ?? 'RP-1';
    this.fw = o.fw ?? '1.0.0';
    this.battery = o.battery ?? 80;
    this.externalPower = o.externalPower ?? false;
    this.freeBytes = o.freeBytes ?? 1_000_000_000;
    this.confirmAnswer = o.confirm ?? 'yes';
    this.installResult = o.installResult ?? 200;
    this.disconnectAtBytes = o.disconnectAtBytes;
    this.disconnectAtExec = o.disconnectAtExec;
    this.resume = o.resume ?? false;
    this.refuseBootstrap = o.refuseBootstrap;
    this.fumoRoot = o.fumoRoot ?? FUMO;
    this.chunk = o.chunk ?? 1000;
  }

  session(initiator: 'server' | 'client' = 'server', alerts: GenericAlert[] = []): FakeSession {
    const pending = [...this.pendingAlerts, ...alerts];
    this.pendingAlerts = [];
    const s = new FakeSession(this, {
      devId: this.devId,
      sessionId: String(this.sessions.length + 1),
      initiator,
      devInfo: { DevId: this.devId, Man: 'Reference Devices', Mod: this.model, DmV: '1.2', Lang: 'en' },
      genericAlerts: pending,
      encoding: 'wbxml',
      authenticatedAs: this.devId,
    });
    this.sessions.push(s);
    return s;
  }

  /** Called after each reboot (e.g. to offer the new session to a runner). */
  onReboot: (() => void) | undefined;

  /** What the phone does after the reboot that follows Exec Update. */
  reboot(): void {
    if (this.pendingTarget === undefined) return;
    queueMicrotask(() => this.onReboot?.());
    const corr = this.lastCorrelator;
    if (this.installResult === 200) {
      this.fw = this.pendingTarget;
      this.fumoState = 100;
    } else {
      this.fumoState = 80;
    }
    this.pendingAlerts.push({
      type: 'org.openmobilealliance.dm.firmwareupdate.update',
      format: 'int',
      sourceURI: this.fumoRoot,
      data: String(this.installResult),
      correlator: corr,
    });
    this.pendingTarget = undefined;
  }

  lastCorrelator: string | undefined;
  /** The version the phone installs on Exec (the offer's target). */
  installTarget: string | undefined;

  value(uri: string): string | undefined {
    const root = this.fumoRoot;
    const parent = root.slice(0, root.lastIndexOf('/'));
    const leaf = root.slice(root.lastIndexOf('/') + 1);
    const map: Record<string, string> = {
      './DevDetail/FwV': this.fw,
      './DevDetail/LrgObj': 'true',
      './DevDetail/Ext/Battery': String(this.battery),
      './DevDetail/Ext/ExternalPower': String(this.externalPower),
      './DevDetail/Ext/FreeSpace': String(this.freeBytes),
      [`${root}/State`]: String(this.fumoState),
      [`${root}/Ext/ReceivedBytes`]: String(this.held.length),
      [`${root}?prop=Type`]: 'urn:oma:mo:oma-fumo:1.0',
      [parent]: leaf,
      './DevInfo/DevId': this.devId,
    };
    return map[uri];
  }
}

export class FakeSession implements FumoSession {
  genericAlerts: GenericAlert[] = [];
  ended = false;
  dead = false;
  constructor(
    private readonly phone: FakePhone,
    readonly hello: ClientHello,
  ) {}

  private check(): void {
    if (this.dead) throw new KioskError('CABLE_UNPLUGGED');
    if (this.ended) throw new KioskError('SESSION_ABORTED', { detail: 'session ended' });
  }

  async get(uris: string[]): Promise<GetResult[]> {
    this.check();
    return uris.map((uri) => {
      this.phone.log.push(`Get ${uri}`);
      const v = this.phone.value(uri);
      return v === undefined ? { status: 404, values: [] } : { status: 200, values: [{ uri, data: v }] };
    });
  }

  async replace(uri: string, data: ItemData): Promise<number> {
    this.check();
    this.phone.log.push(`Replace ${uri} ${String(data)}`);
    return 200;
  }

  async add(uri: string): Promise<number> {
    this.check();
    this.phone.log.push(`Add ${uri}`);
    if (this.phone.refuseBootstrap !== undefined) return this.phone.refuseBootstrap;
    this.phone.adds.push(uri);
    return 200;
  }

  async delete(): Promise<number> {
    return 405;
  }

  async replaceLarge(uri: string, source: LargeObjectSource, options: ReplaceLargeOptions = {}): Promise<number> {
    this.check();
    const p = this.phone;
    p.log.push(`ReplaceLarge ${uri} from ${options.startOffset ?? 0}`);
    let offset = options.startOffset ?? 0;
    if (offset > 0) {
      if (!p.resume || p.held.length !== offset || p.expected !== source.size) return 424;
    } else {
      p.held = new Uint8Array(0);
    }
    p.expected = source.size;
    p.complete = false;
    p.fumoState = 30;
    while (offset < source.size) {
      if (options.signal?.aborted) throw new KioskError('CANCELLED');
      const n = Math.min(p.chunk, source.size - offset);
      const bytes = await source.read(offset, n);
      const next = new Uint8Array(p.held.length + bytes.length);
      next.set(p.held);
      next.set(bytes, p.held.length);
      p.held = next;
      p.bytesReceived += bytes.length;
      offset += bytes.length;
      if (p.disconnectAtBytes !== undefined && offset >= p.disconnectAtBytes) {
        p.disconnectAtBytes = undefined;
        p.fumoState = 20;
        this.dead = true;
        throw new KioskError('CABLE_UNPLUGGED');
      }
      if (offset < source.size) options.onProgress?.({ acknowledgedBytes: offset, totalBytes: source.size });
    }
    p.complete = true;
    p.fumoState = 40;
    options.onProgress?.({ acknowledgedBytes: source.size, totalBytes: source.size });
    return 200;
  }

  async exec(uri: string, options: { correlator?: string } = {}): Promise<number> {
    this.check();
    const p = this.phone;
    const pull = p.disconnectAtExec;
    p.disconnectAtExec = undefined;
    if (pull === 'before-taken') {
      this.dead = true;
      throw new KioskError('CABLE_UNPLUGGED');
    }
    p.execs.push({ uri, correlator: options.correlator });
    p.log.push(`Exec ${uri}`);
    if (p.journal) p.journalAtExec.push(p.journal.last(options.correlator)?.state ?? 'none');
    if (!p.complete) return 405;
    p.lastCorrelator = options.correlator;
    p.pendingTarget = p.installTarget;
    p.fumoState = 60;
    if (pull === 'after-taken') {
      this.dead = true;
      throw new KioskError('CABLE_UNPLUGGED');
    }
    return 202;
  }

  async display(text: string, options?: UserInteractionOptions): Promise<number> {
    this.check();
    this.phone.prompts.push({ kind: 'display', text, options });
    return 200;
  }

  async confirm(text: string, options?: UserInteractionOptions): Promise<ConfirmAnswer> {
    this.check();
    this.phone.prompts.push({ kind: 'confirm', text, options });
    return this.phone.confirmAnswer;
  }

  async waitForGenericAlert(): Promise<GenericAlert> {
    this.check();
    // After Exec the phone reboots: this session's link goes away.
    this.dead = true;
    this.phone.reboot();
    throw new KioskError('CABLE_UNPLUGGED');
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // A phone installs once the session that sent Exec ends: it reboots and reports in a new session.
    if (this.phone.pendingTarget !== undefined) this.phone.reboot();
  }
}


export class FakeJournal implements JournalPort {
  records: JobSnapshot[] = [];
  async record(s: JobSnapshot): Promise<void> {
    this.records.push(structuredClone(s));
  }
  async unfinished(): Promise<JobSnapshot[]> {
    const last = new Map<string, JobSnapshot>();
    for (const r of this.records) last.set(r.jobId, r);
    return [...last.values()].filter((s) => !isTerminal(s.state));
  }
  last(_correlator?: string): JobSnapshot | undefined {
    return this.records[this.records.length - 1];
  }
  states(jobId: string): string[] {
    const out: string[] = [];
    for (const r of this.records) if (r.jobId === jobId && out[out.length - 1] !== r.state) out.push(r.state);
    return out;
  }
}

export class FakeAudit implements AuditPort {
  begun: Array<AuditBegin & { id: string }> = [];
  completed: Array<AuditCompletion & { id: string }> = [];
  async begin(r: AuditBegin): Promise<string> {
    const id = `audit-${this.begun.length + 1}`;
    this.begun.push({ ...r, id });
    return id;
  }
  async complete(id: string, c: AuditCompletion): Promise<void> {
    this.completed.push({ ...c, id });
  }
}

export class FakeConsent implements ConsentPort {
  asked: CustomerConsentRequest[] = [];
  constructor(public answer: CustomerConsentAnswer = { accepted: true, by: 'customer', schedule: 'now' }) {}
  async askCustomer(r: CustomerConsentRequest, _signal?: AbortSignal): Promise<CustomerConsentAnswer> {
    this.asked.push(r);
    return this.answer;
  }
}

export function makePayload(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export class FakeCatalog implements CatalogPort {
  opened = 0;
  bytesRead = 0;
  /** What the catalogue stores (may differ from what its hash says: a corrupt file). */
  stored: Uint8Array;
  constructor(
    public offer: UpdateOffer | undefined,
    public payload: Uint8Array,
  ) {
    this.stored = payload;
  }
  async match(facts: DeviceFacts, bundleId?: string): Promise<CatalogMatch> {
    const o = this.offer;
    if (!o || (bundleId && bundleId !== o.bundleId)) return { kind: 'up-to-date' };
    if (!o.models.includes(facts.model)) return { kind: 'refused', refusal: { code: 'MODEL_MISMATCH', details: { required: o.models.join(', '), measured: facts.model } } };
    if (facts.fwVersion === o.targetVersion) return { kind: 'up-to-date' };
    return { kind: 'offer', offer: o };
  }
  async openPayload(_bundleId: string): Promise<PayloadReader> {
    this.opened++;
    const data = this.stored;
    return {
      size: data.length,
      read: async (offset: number, length: number) => {
        this.bytesRead += Math.min(length, data.length - offset);
        return data.subarray(offset, offset + length);
      },
    };
  }
}

export function makeOffer(payload: Uint8Array, over: Partial<UpdateOffer> = {}): UpdateOffer {
  return {
    bundleId: 'rp1-2.0.0',
    manufacturer: 'Reference Devices',
    models: ['RP-1'],
    fromVersions: ['1.0.0'],
    targetVersion: '2.0.0',
    sizeBytes: payload.length,
    sha256: sha256Hex(payload),
    releaseNotes: { en: 'Fixes the radio.' },
    ...over,
  };
}

/** Sessions after a reboot / reconnect come from the same phone. */
export class PhoneSessions implements SessionWaiter {
  calls: Array<{ devId: string; reason: string }> = [];
  available = true;
  constructor(private readonly phone: FakePhone) {}
  async next(devId: string, reason: 'reboot' | 'reconnect'): Promise<FumoSession> {
    this.calls.push({ devId, reason });
    if (!this.available) throw new KioskError('LINK_TIMEOUT');
    return this.phone.session('client');
  }
}

export interface Harness {
  phone: FakePhone;
  journal: FakeJournal;
  audit: FakeAudit;
  consent: FakeConsent;
  catalog: FakeCatalog;
  clock: FakeClock;
  sessions: PhoneSessions;
  ports: FumoPorts;
  payload: Uint8Array;
}

export function harness(o: PhoneOptions & { payloadSize?: number; offer?: Partial<UpdateOffer> | null } = {}): Harness {
  const phone = new FakePhone(o);
  const payload = makePayload(o.payloadSize ?? 10_000);
  const offer = o.offer === null ? undefined : makeOffer(payload, o.offer ?? {});
  phone.installTarget = offer?.targetVersion;
  const journal = new FakeJournal();
  phone.journal = journal;
  const audit = new FakeAudit();
  const consent = new FakeConsent();
  const catalog = new FakeCatalog(offer, payload);
  const clock = new FakeClock();
  const sessions = new PhoneSessions(phone);
  // Each chunk takes 100 ms of fake time, so progress and timings are measurable.
  const origRead = catalog.openPayload.bind(catalog);
  catalog.openPayload = async (id: string) => {
    const r = await origRead(id);
    return {
      size: r.size,
      read: async (off: number, len: number) => {
        clock.t += 100;
        return r.read(off, len);
      },
    };
  };
  const ports: FumoPorts = { catalog, journal, audit, consent, clock, random: counterRandom(), sessions };
  return { phone, journal, audit, consent, catalog, clock, sessions, ports, payload };
}

export const PROFILE_NODES = {
  fumoUri: FUMO,
  batteryUri: './DevDetail/Ext/Battery',
  externalPowerUri: './DevDetail/Ext/ExternalPower',
  freeSpaceUri: './DevDetail/Ext/FreeSpace',
};
