/** `fumo-kiosk update`: update one phone or every attached phone from the terminal. */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { isTerminal, type CustomerConsentAnswer, type CustomerConsentRequest, type JobSnapshot } from '../../../core/fumo/ports';
import { formatEta, formatMB, formatSpeed } from '../../../core/fumo/progress';
import { isKioskError } from '../../../core/errors';
import { describeError } from '../../../shared/errors';
import { maskDevId } from '../../../shared/api';
import type { DeviceView } from '../../../shared/schemas';
import { defaultDataDir } from '../../store/paths';
import { demoCatalogForSimulatedPhones, openKioskForCli } from '../../services/cli-support';
import type { KioskService } from '../../services/kiosk-service';
import { dmListenFromFlags, type DmListenAddress } from '../../services/dm-endpoint';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { takeScanOption } from './devices';

export const UPDATE_EXIT = { OK: 0, FAILED: 1, USAGE: 2, DECLINED: 3, DISCONNECTED: 4, NO_PHONE: 5 } as const;

/** --json progress lines at most this often per job; below a second, so a step about once a second is never held back. */
const JSON_PROGRESS_MIN_MS = 500;

/** How long update waits for a phone whose cable was pulled, by default (seconds). */
export const DEFAULT_RECONNECT_WAIT_S = 600;

/** Errors that mean the phone went away (cable pulled, stopped answering): its job waits for it. */
const GONE_CODES: readonly string[] = ['CABLE_UNPLUGGED', 'LINK_TIMEOUT', 'SESSION_ABORTED', 'REBOOT_TIMEOUT'];

const USAGE = `Usage: fumo-kiosk update (--device ID | --all) [--bundle ID] [--consent customer|operator]
                         [--schedule now|later] [--override-battery] [--reconnect-wait S]
                         [--json] [--data DIR] [--demo]

Updates the firmware of attached phones: capability check, pre-flight (battery, space), consent
on the kiosk then on the phone, download, install, reboot, and a check of the new version.
Phones that already run the newest version are left alone; nobody is asked anything.

Options:
  --device ID         the phone to update: its port id, its DevId, or the last digits of it
  --all               every attached phone (up to the concurrency setting at once)
  --bundle ID         install this catalogue bundle (default: the newest that applies)
  --consent customer  the customer approves at this terminal (y/n) for each phone (default)
  --consent operator  the operator approves by running the command (refurbishment benches,
                      no customer present); recorded as operator consent in the history
  --schedule now      install right after the download (default)
  --schedule later    download now; install when the phone next connects (run update again)
  --override-battery  accept a low battery when the phone reports external power
  --reconnect-wait S  how long to wait for a phone whose cable was pulled before stopping
                      (default ${DEFAULT_RECONNECT_WAIT_S}); its update is kept and continues with the next
                      update run once it is plugged in again
  --json              one JSON object per line: states, progress, problems (a pulled cable
                      at once), results; each result has an "outcome" and, for a problem,
                      "error" with its code and the same plain-words message as the text
  --data DIR          the kiosk's data folder (default: ${defaultDataDir()})
  --dm-listen HOST:PORT  where phones that speak DM over HTTP reach the kiosk (default: the
                      setting dmListen, else 127.0.0.1 on a free port; repeat for more; HOST is an
                      IP address or a network interface's name, e.g. usb0:8443; beyond loopback
                      HTTPS only)
  --dm-cert FILE, --dm-key FILE  PEM certificate and key: the DM endpoint speaks HTTPS
                      (TLS 1.2 or later) on every --dm-listen address
  --dm-cable HOST:PORT  plain HTTP on a phone cable's own network interface (an
                      administrator's mark that this address is a cable's; repeatable)
                      Any --dm-* flag replaces the stored DM endpoint settings for this run
                      (fumo-kiosk settings --help)
  --serial-port PATH  a serial port with a phone whose cable no device profile names
                      (repeatable); only known phone cables and these ports are opened

  --demo              also update the simulated phones started with fumo-kiosk simulate, and
                      on an empty catalogue import the DEMO catalogue (demo key); a kiosk
                      without --demo trusts no simulated phone

Exit codes (when phones end differently, the first of 1, 4, 3 that applies):
  0  every phone was updated, was already up to date, or is scheduled to install later
  1  at least one phone failed
  2  bad arguments, or a DM endpoint address (flag or setting) it may not serve
  3  declined: the customer (or the phone) declined and nothing failed
  4  disconnected: a phone's cable was pulled (or it stopped answering) and it did not come
     back in time; nothing failed, and the next update run continues where it stopped
  5  no phone: none is attached, or none matches --device; nothing was started
`;

export interface UpdateArgs {
  device: string | undefined;
  all: boolean;
  bundle: string | undefined;
  consent: 'customer' | 'operator';
  schedule: 'now' | 'later' | undefined;
  overrideBattery: boolean;
  json: boolean;
  dataDir: string;
  scanMs: number;
  demo: boolean;
  dmListen?: string[];
  dmCable?: string[];
  dmCert?: string;
  dmKey?: string;
  serialPorts?: string[];
  reconnectWaitS: number;
}

export function parseUpdateArgs(args: string[]): UpdateArgs {
  const out: UpdateArgs = {
    device: undefined,
    all: false,
    bundle: undefined,
    consent: 'customer',
    schedule: undefined,
    overrideBattery: false,
    json: false,
    dataDir: defaultDataDir(),
    scanMs: 1500,
    demo: false,
    reconnectWaitS: DEFAULT_RECONNECT_WAIT_S,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--device':
        out.device = value();
        break;
      case '--all':
        out.all = true;
        break;
      case '--bundle':
        out.bundle = value();
        break;
      case '--consent': {
        const v = value();
        if (v !== 'customer' && v !== 'operator') throw new UsageError('--consent is customer or operator');
        out.consent = v;
        break;
      }
      case '--schedule': {
        const v = value();
        if (v !== 'now' && v !== 'later') throw new UsageError('--schedule is now or later');
        out.schedule = v;
        break;
      }
      case '--override-battery':
        out.overrideBattery = true;
        break;
      case '--reconnect-wait': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new UsageError('--reconnect-wait takes a number of seconds');
        out.reconnectWaitS = Number(v);
        break;
      }
      default:
        if (!takeScanOption(a, value, out)) throw new UsageError(`unknown option ${a}; see fumo-kiosk update --help`);
    }
  }
  if (out.all === (out.device !== undefined)) throw new UsageError('give exactly one of --device ID and --all');
  return out;
}

/** Does `ref` name this device: port id, DevId (with or without the IMEI: prefix) or its last digits? */
export function matchesDevice(d: DeviceView, fullDevId: string | undefined, ref: string): boolean {
  if (d.portId === ref) return true;
  const id = fullDevId ?? '';
  if (id && (id === ref || id.replace(/^[A-Za-z]+:/, '') === ref)) return true;
  return /^\d{4,}$/.test(ref) && id.endsWith(ref);
}

/** Customer consent at the terminal, one phone at a time. */
function terminalConsent(io: CliIo, json: boolean): (r: CustomerConsentRequest) => Promise<CustomerConsentAnswer> {
  let chain: Promise<unknown> = Promise.resolve();
  const lines = createInterface({ input: io.stdin, terminal: false });
  const queue: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let ended = false;
  lines.on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else queue.push(l);
  });
  lines.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w(undefined);
  });
  const nextLine = (): Promise<string | undefined> => {
    const q = queue.shift();
    if (q !== undefined) return Promise.resolve(q);
    if (ended) return Promise.resolve(undefined);
    return new Promise((r) => waiting.push(r));
  };
  const ask = async (r: CustomerConsentRequest): Promise<CustomerConsentAnswer> => {
    const out = json ? io.stderr : io.stdout;
    out.write(`\n${maskDevId(r.devId)} (${r.model}): ${r.fromVersion} -> ${r.toVersion}\n${r.text}\n[consent text ${r.textVersion}]\n`);
    let schedule: 'now' | 'later' = r.schedules[0] ?? 'now';
    for (;;) {
      out.write('Approve this update? [y/n] ');
      const line = (await nextLine())?.trim().toLowerCase();
      if (line === undefined) return { accepted: false, by: 'customer' };
      if (line === 'y' || line === 'yes') break;
      if (line === 'n' || line === 'no') return { accepted: false, by: 'customer' };
    }
    if (r.schedules.length > 1) {
      out.write('Install now or later? [now/later] ');
      const line = (await nextLine())?.trim().toLowerCase();
      schedule = line === 'later' ? 'later' : 'now';
    }
    return { accepted: true, by: 'customer', schedule };
  };
  const serial = (r: CustomerConsentRequest): Promise<CustomerConsentAnswer> => {
    const p = chain.then(() => ask(r));
    chain = p.catch(() => undefined);
    return p;
  };
  return Object.assign(serial, { close: () => lines.close() });
}

interface Row {
  jobId: string;
  label: string;
  state: string;
  bytes: number;
  total: number;
  speed: number;
  eta: number | undefined;
  note: string;
}

function bar(fraction: number, width = 24): string {
  const n = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}]`;
}

function rowText(r: Row): string {
  if (r.state === 'downloading' && r.total > 0) {
    const pct = Math.floor((r.bytes / r.total) * 100);
    return `${r.label}  downloading ${bar(r.bytes / r.total)} ${String(pct).padStart(3)}%  ${formatMB(r.bytes)}/${formatMB(r.total)}  ${formatSpeed(r.speed)}  ETA ${formatEta(r.eta)}`;
  }
  return `${r.label}  ${r.state}${r.note ? `  ${r.note}` : ''}`;
}

/** What became of a phone's job, in one word (the exit code and the JSON "outcome" follow from it). */
export type UpdateOutcome = 'updated' | 'up-to-date' | 'scheduled' | 'declined' | 'disconnected' | 'failed';

export function outcomeKind(s: JobSnapshot | undefined): UpdateOutcome {
  if (!s) return 'failed';
  if (s.state === 'done') return 'updated';
  if (s.state === 'up-to-date') return 'up-to-date';
  if (s.state === 'scheduled' && s.parked === true) return 'scheduled';
  if (s.state === 'declined') return 'declined';
  if (!isTerminal(s.state) && s.parked === true && GONE_CODES.includes(s.error?.code ?? '')) return 'disconnected';
  return 'failed';
}

function withDmListen(listen: DmListenAddress[] | undefined): { dmListen?: DmListenAddress[] } {
  return listen ? { dmListen: listen } : {};
}

/** Resolves once a parked job runs again or has ended, or after `ms`. */
function untilResumed(service: KioskService, jobId: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): boolean => {
      const s = service.getJob(jobId);
      return !s || isTerminal(s.state) || !s.parked;
    };
    if (done()) return resolve();
    const finish = (): void => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(finish, ms);
    const off = service.onJobEvent(() => {
      if (done()) finish();
    });
  });
}

function outcomeOf(s: JobSnapshot): string {
  if (s.state === 'done') return `updated to ${s.finalVersion ?? s.offer?.targetVersion ?? '?'}`;
  if (s.state === 'up-to-date') return `up to date (${s.facts?.fwVersion ?? '?'})`;
  if (s.state === 'scheduled') return 'downloaded; installs when the phone next connects (run update again)';
  if (outcomeKind(s) === 'disconnected' && s.error) return `stopped while ${s.state}: ${s.error.message} [${s.error.code}]`;
  if (s.error) return `${s.error.message} [${s.error.code}]`;
  return s.state;
}

export const updateCommand: CliCommand = {
  name: 'update',
  summary: 'Update the firmware of one or all attached phones',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseUpdateArgs(args);
    const kiosk = await openKioskForCli({ dataDir: p.dataDir, scanMs: p.scanMs, demo: p.demo, fumo: { reconnectTimeoutMs: p.reconnectWaitS * 1000 }, ...(p.serialPorts ? { serialPorts: p.serialPorts } : {}), ...withDmListen(dmListenFromFlags(p)) });
    const service: KioskService = kiosk.service;
    // Jobs this kiosk found unfinished in its journal: they may have ended (or be running) by now.
    // (Those that could not resume were closed as interrupted: a new update starts for their phones.)
    const restored = service.listJobs().filter((j) => j.error?.code !== 'JOB_INTERRUPTED');
    for (const u of service.dmEndpointUrls) io.stderr.write(`DM endpoint: ${u}\n`);
    const consent = terminalConsent(io, p.json);
    try {
      if (p.demo && (await demoCatalogForSimulatedPhones(service))) io.stderr.write('catalogue empty: imported the DEMO catalogue (demo signing key; simulated phones only)\n');
      const devices = service.listDevices();
      const chosen = p.all ? devices : devices.filter((d) => matchesDevice(d, service.fullDevId(d.portId), p.device ?? ''));
      if (chosen.length === 0) {
        io.stderr.write(p.all ? 'No phone is attached.\n' : `No attached phone matches ${p.device}. Run fumo-kiosk devices to see them.\n`);
        return UPDATE_EXIT.NO_PHONE;
      }
      if (p.consent === 'operator') {
        service.setConsentResponder(async () => ({ accepted: true, by: 'operator', ...(p.schedule ? { schedule: p.schedule } : { schedule: 'now' }) }));
      } else {
        service.setConsentResponder(async (r) => consent(r));
      }
      const tty = io.stdout.isTTY === true && !p.json;
      const rows = new Map<string, Row>();
      let drawn = 0;
      let lastDraw = 0;
      const draw = (force = false): void => {
        if (!tty) return;
        const now = Date.now();
        if (!force && now - lastDraw < 200) return;
        lastDraw = now;
        const lines = [...rows.values()].map(rowText);
        io.stdout.write((drawn > 0 ? `\x1b[${drawn}A` : '') + lines.map((l) => `\x1b[2K${l}\n`).join(''));
        drawn = lines.length;
      };
      const lastJsonProgress = new Map<string, number>();
      const emitJson = (o: Record<string, unknown>): void => {
        if (p.json) io.stdout.write(JSON.stringify(o) + '\n');
      };
      service.onJobEvent((e) => {
        if (e.type === 'waiting' && e.reason === 'reconnect') {
          // Said at once, not only when the wait ends: the technician can plug the phone back in.
          const row = rows.get(e.jobId);
          if (!row) return;
          const error = service.getJob(e.jobId)?.error;
          const code = error && GONE_CODES.includes(error.code) ? error.code : 'CABLE_UNPLUGGED';
          const message = error && GONE_CODES.includes(error.code) ? error.message : describeError('CABLE_UNPLUGGED');
          emitJson({ event: 'problem', jobId: e.jobId, devId: maskDevId(e.devId), code, message });
          if (tty) {
            row.note = `${message} [${code}]`;
            draw(true);
          } else if (!p.json) io.stdout.write(`${row.label}  ${message} [${code}]\n`);
          return;
        }
        if (e.type === 'job-state') {
          const s = e.snapshot;
          const row = rows.get(s.jobId);
          if (!row) return;
          if (row.state !== s.state) {
            row.state = s.state;
            emitJson({ event: 'state', jobId: s.jobId, devId: s.devId ? maskDevId(s.devId) : null, state: s.state, at: s.updatedAt });
            if (!tty && !p.json) io.stdout.write(`${row.label}  ${s.state}\n`);
          }
          if (isTerminal(s.state) || s.parked) row.note = outcomeOf(s);
          draw(true);
        } else if (e.type === 'job-progress') {
          const g = e.progress;
          const row = rows.get(g.jobId);
          if (!row) return;
          row.bytes = g.bytesSent;
          row.total = g.totalBytes;
          row.speed = g.speedBps;
          row.eta = g.etaSeconds;
          const now = Date.now();
          if (p.json && (now - (lastJsonProgress.get(g.jobId) ?? 0) >= JSON_PROGRESS_MIN_MS || g.bytesSent === g.totalBytes)) {
            lastJsonProgress.set(g.jobId, now);
            emitJson({ event: 'progress', jobId: g.jobId, phase: g.phase, bytes: g.bytesSent, total: g.totalBytes, speedBps: Math.round(g.speedBps), etaSeconds: g.etaSeconds ?? null });
          }
          draw();
        }
      });
      const technician = (() => {
        try {
          return `cli:${userInfo().username}`;
        } catch {
          return 'cli';
        }
      })();
      const results: Array<{ label: string; snapshot?: JobSnapshot; error?: { code: string; message: string } }> = [];
      const waits: Array<Promise<void>> = [];
      for (const d of chosen) {
        const label = `${(d.devId ?? d.portId).padEnd(22)} ${(d.model ?? '').padEnd(14)}`;
        try {
          // A job this kiosk found unfinished (restart) and already continues, or that ended while
          // the kiosk started: follow it, never start a second update for the same phone.
          const full = service.fullDevId(d.portId);
          // A restarted kiosk may list the phone while it is still rebooting into the firmware the
          // killed kiosk installed: its restored job is parked until the phone calls back. Wait for
          // that (up to --reconnect-wait) instead of asking a phone that is not there yet.
          const parked = restored.map((j) => service.getJob(j.jobId)).find((j) => j !== undefined && j.devId === full && !isTerminal(j.state) && j.parked);
          if (parked) await untilResumed(service, parked.jobId, p.reconnectWaitS * 1000);
          const resumed = restored.map((j) => service.getJob(j.jobId)).find((j) => j !== undefined && j.devId === full && (isTerminal(j.state) || !j.parked));
          const running = service.activeJobOn(d.portId);
          const jobId = resumed ? resumed.jobId : running && !running.parked ? running.jobId : await service.startUpdate({
            portId: d.portId,
            ...(p.bundle ? { bundleId: p.bundle } : {}),
            ...(p.schedule ? { schedule: p.schedule } : {}),
            consentMode: p.consent,
            technician,
            allowBatteryOverride: p.overrideBattery,
          });
          rows.set(jobId, { jobId, label, state: 'queued', bytes: 0, total: 0, speed: 0, eta: undefined, note: '' });
          const entry: (typeof results)[number] = { label };
          results.push(entry);
          waits.push(
            service.waitForJob(jobId).then((s) => {
              entry.snapshot = s;
            }),
          );
        } catch (e) {
          const err = isKioskError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
          results.push({ label, error: err });
        }
      }
      draw(true);
      await Promise.all(waits);
      draw(true);
      let failed = 0;
      let declined = 0;
      let disconnected = 0;
      for (const r of results) {
        const s = r.snapshot;
        const kind = outcomeKind(s);
        if (kind === 'failed') failed++;
        else if (kind === 'declined') declined++;
        else if (kind === 'disconnected') disconnected++;
        const text = s ? outcomeOf(s) : `${r.error?.message ?? 'not started'} [${r.error?.code ?? 'INTERNAL'}]`;
        if (p.json) {
          emitJson({
            event: 'result',
            jobId: s?.jobId ?? null,
            devId: s?.devId ? maskDevId(s.devId) : null,
            state: s?.state ?? 'failed',
            outcome: kind,
            fromVersion: s?.facts?.fwVersion ?? null,
            finalVersion: s?.finalVersion ?? null,
            fumoResultCode: s?.outcome?.fumoResultCode ?? s?.install?.resultCode ?? null,
            error: s?.error ?? r.error ?? null,
            historyId: s?.auditId ?? null,
          });
        } else if (!tty) {
          io.stdout.write(`${r.label}  ${text}\n`);
        }
      }
      if (failed > 0) return UPDATE_EXIT.FAILED;
      if (disconnected > 0) return UPDATE_EXIT.DISCONNECTED;
      if (declined > 0) return UPDATE_EXIT.DECLINED;
      return UPDATE_EXIT.OK;
    } finally {
      service.setConsentResponder(undefined);
      (consent as unknown as { close(): void }).close();
      await kiosk.close();
    }
  },
};
