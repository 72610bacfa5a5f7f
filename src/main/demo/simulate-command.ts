import { readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { CliCommand, CliIo } from '../cli/command';
import { UsageError } from '../cli/command';
import { parseFaults, type Fault } from '../../simulator/faults';
import { startSimulation, defaultStateRoot, DEFAULT_FW_VERSION, DEFAULT_MODEL, type SimulationHandle } from '../../simulator/simulation';
import type { SimulatedLinkKind } from '../../simulator/transports';
import type { ServerAccount, SessionRecord, SimulatedDevice, SmartCardData } from '../../simulator/device';
import { InteractiveUser, ScriptedUser, type UserAnswer } from '../../simulator/user';
import { simulatedDevId } from '../../simulator/identity';

/**
 * The phones of this command are numbered from here: the demo kiosk's own phones (`web --demo`)
 * take the first numbers, and a kiosk refuses a second phone with the DevId of one of its own.
 */
export const SIMULATE_FIRST_INDEX = 100;

const USAGE = `Usage: fumo-kiosk simulate [options]

Starts simulated phones (the reference DM client with FUMO) that the kiosk finds like real ones.
Prints one line per phone with its port or URL, then runs until interrupted (Ctrl+C).

Options:
  --devices N          how many phones (default 1)
  --link KIND          serial (a pty pair per phone, default) | http | usb-standin
  --fw VERSION         firmware version of a new phone (default ${DEFAULT_FW_VERSION})
  --model M            DevInfo Mod (default ${DEFAULT_MODEL})
  --faults LIST        comma-separated: battery-low[:PCT], external-power, disconnect-at:N,
                       corrupt-chunk:N, install-fail, slow-reboot:MS, throttle:BAUD,
                       wrong-credentials, call-in-progress, decline
  --state DIR          folder for the phones' saved state (default ${defaultStateRoot()})
  --server URL         the kiosk's DM URL, for --link http
  --push-port N        with --link http: listen for OMA push (package 0 over UDP, as a real
                       phone does on port 2948) on 127.0.0.1 port N, the next phones on N+1, ...
  --public-key FILE    manufacturer Ed25519 public key (PEM) the phones trust
  --fumo-path PATH     where the FUMO object sits (default ./FUMO/FwUpdate)
  --reboot-ms MS       how long a reboot takes (default 1500)
  --ask-after SECONDS  each phone's user asks for an update SECONDS after the phones start:
                       the phone opens a session by itself (Alert 1201 with the user-request
                       Generic Alert), with no package 0 from the kiosk before it
  --max-msg-size N     the MaxMsgSize the phones state, in bytes (default: the reference
                       profile's)
  --smart-card FILE    bootstrap the DM account from a "smart card" JSON:
                       {"account": {"serverId", "clientName", "clientSecret", "serverSecret", ...},
                        "userConfirmation": true|false, "connectAutonomously": true|false}
  --user ANSWER        how the phones' user answers questions: yes | no | cancel | timeout |
                       interactive (asked on this terminal). Default: interactive when run in
                       a terminal, otherwise yes
  --interactive        same as --user interactive
  --trace              also print what each phone receives, one JSON object a line:
                       {"trace":"package-bytes","devId","offset","bytes","size"} per stored
                       chunk of PkgData, "exec" (uri, status), "session-start", "session-end" (ok,
                       results it reported), "session-abandoned" (its server started over)

Exit codes: 0 stopped by a signal, 1 the phones could not start, 2 bad arguments.
`;

export interface SimulateArgs {
  devices: number;
  link: SimulatedLinkKind;
  fw: string;
  model: string;
  faults: Fault[];
  state: string;
  server?: string;
  pushPort?: number;
  publicKey?: KeyObject;
  fumoPath?: string;
  rebootMs?: number;
  maxMsgSize?: number;
  smartCard?: SmartCardData;
  interactive: boolean;
  /** Scripted answer when not interactive. */
  answer: UserAnswer;
  /** --user or --interactive was given (otherwise the terminal decides). */
  userChosen: boolean;
  /** --trace: print the phones' events as JSON lines. */
  trace?: boolean;
  /** --ask-after: seconds after the start when each phone's user asks for an update. */
  askAfterSeconds?: number;
}

function checkSmartCard(v: unknown, file: string): SmartCardData {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const a = (typeof o['account'] === 'object' && o['account'] !== null ? o['account'] : {}) as Record<string, unknown>;
  const text = (k: string): string => {
    const x = a[k];
    if (typeof x !== 'string' || x === '') throw new UsageError(`smart card ${file}: account.${k} must be a non-empty string`);
    return x;
  };
  const flag = (k: string): boolean => {
    const x = o[k];
    if (typeof x !== 'boolean') throw new UsageError(`smart card ${file}: ${k} must be true or false`);
    return x;
  };
  const account: ServerAccount = { serverId: text('serverId'), clientName: text('clientName'), clientSecret: text('clientSecret'), serverSecret: text('serverSecret') };
  for (const k of ['id', 'name', 'addr', 'authType', 'serverName'] as const) {
    const x = a[k];
    if (typeof x === 'string' && x !== '') account[k] = x;
  }
  return { account, userConfirmation: flag('userConfirmation'), connectAutonomously: flag('connectAutonomously') };
}

export function parseSimulateArgs(args: string[]): SimulateArgs {
  const out: SimulateArgs = { devices: 1, link: 'serial', fw: DEFAULT_FW_VERSION, model: DEFAULT_MODEL, faults: [], state: defaultStateRoot(), interactive: false, answer: 'yes', userChosen: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const [flag, inline] = a.includes('=') ? (a.split('=', 2) as [string, string]) : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--devices': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 64) throw new UsageError('--devices takes a number from 1 to 64');
        out.devices = Number(v);
        break;
      }
      case '--link': {
        const v = value();
        if (v !== 'serial' && v !== 'http' && v !== 'usb-standin') throw new UsageError('--link is serial, http or usb-standin');
        out.link = v;
        break;
      }
      case '--fw':
        out.fw = value();
        break;
      case '--model':
        out.model = value();
        break;
      case '--faults':
        try {
          out.faults = parseFaults(value());
        } catch (e) {
          throw new UsageError(e instanceof Error ? e.message : String(e));
        }
        break;
      case '--state':
        out.state = value();
        break;
      case '--server':
        out.server = value();
        break;
      case '--public-key': {
        const file = value();
        try {
          out.publicKey = createPublicKey(readFileSync(file, 'utf8'));
        } catch (e) {
          throw new UsageError(`cannot read the public key ${file}: ${e instanceof Error ? e.message : String(e)}`);
        }
        break;
      }
      case '--fumo-path':
        out.fumoPath = value();
        break;
      case '--push-port': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new UsageError('--push-port takes a UDP port from 1 to 65535');
        out.pushPort = Number(v);
        break;
      }
      case '--reboot-ms': {
        const v = value();
        if (!/^\d+$/.test(v)) throw new UsageError('--reboot-ms takes a number of milliseconds');
        out.rebootMs = Number(v);
        break;
      }
      case '--max-msg-size': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1024) throw new UsageError('--max-msg-size takes a number of bytes, at least 1024');
        out.maxMsgSize = Number(v);
        break;
      }
      case '--smart-card': {
        const file = value();
        let card: unknown;
        try {
          card = JSON.parse(readFileSync(file, 'utf8'));
        } catch (e) {
          throw new UsageError(`cannot read the smart card file ${file}: ${e instanceof Error ? e.message : String(e)}`);
        }
        out.smartCard = checkSmartCard(card, file);
        break;
      }
      case '--trace':
        out.trace = true;
        break;
      case '--ask-after': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 86_400) throw new UsageError('--ask-after takes a number of seconds, at most 86400');
        out.askAfterSeconds = Number(v);
        break;
      }
      case '--interactive':
        out.interactive = true;
        out.userChosen = true;
        break;
      case '--user': {
        const v = value();
        if (v === 'interactive') out.interactive = true;
        else if (v === 'yes' || v === 'no' || v === 'cancel' || v === 'timeout') out.answer = v;
        else throw new UsageError('--user is yes, no, cancel, timeout or interactive');
        out.userChosen = true;
        break;
      }
      default:
        throw new UsageError(`unknown option ${a} (see fumo-kiosk simulate --help)`);
    }
  }
  if (out.pushPort !== undefined && out.link !== 'http') throw new UsageError('--push-port is for --link http (a phone on a cable hears package 0 on its cable)');
  if (out.link === 'http' && !out.server) throw new UsageError('--link http needs --server URL (the kiosk DM address)');
  return out;
}

/** Start the phones and print their lines; resolves with the running simulation. */
export async function startFromArgs(parsed: SimulateArgs, io: CliIo): Promise<SimulationHandle> {
  const stdinIsTerminal = (io.stdin as NodeJS.ReadableStream & { isTTY?: boolean }).isTTY === true;
  const interactive = parsed.userChosen ? parsed.interactive : stdinIsTerminal;
  const sim = await startSimulation({
    devices: Array.from({ length: parsed.devices }, (_, i) => ({ devId: simulatedDevId(SIMULATE_FIRST_INDEX + i) })),
    link: parsed.link,
    model: parsed.model,
    fwVersion: parsed.fw,
    faults: parsed.faults,
    stateDir: parsed.state,
    ...(parsed.server ? { serverUrl: parsed.server } : {}),
    ...(parsed.pushPort !== undefined ? { pushPort: parsed.pushPort } : {}),
    ...(parsed.publicKey ? { manufacturerPublicKey: parsed.publicKey } : {}),
    profile: {
      ...(parsed.fumoPath ? { fumoPath: parsed.fumoPath } : {}),
      ...(parsed.rebootMs !== undefined ? { rebootDelayMs: parsed.rebootMs } : {}),
      ...(parsed.maxMsgSize !== undefined ? { maxMsgSize: parsed.maxMsgSize } : {}),
      ...(parsed.smartCard ? { smartCard: parsed.smartCard } : {}),
    },
    user: (i: number) => (interactive ? new InteractiveUser(io.stdin, io.stdout, `phone ${i + 1}`) : new ScriptedUser({ policy: parsed.answer })),
  });
  for (const h of sim.devices) {
    const d = h.device;
    // One line when a phone appears and again when it comes back changed (new port, new
    // version); an HTTP phone that reconnects to an unreachable kiosk every second says nothing new.
    let last = `${h.devId} ${d.model} fw ${d.fwVersion} ${parsed.link} ${h.address ?? '-'}`;
    io.stdout.write(`${last}\n`);
    d.on('connected', (address: string) => {
      const line = `${h.devId} ${d.model} fw ${d.fwVersion} ${parsed.link} ${address}`;
      if (line === last || (d.boots === 0 && d.sessions.length === 0)) return;
      last = line;
      io.stdout.write(`${line}\n`);
    });
    d.on('rebooting', () => io.stdout.write(`${h.devId} rebooting\n`));
    if (parsed.trace) traceDevice(d, h.devId, io);
  }
  if (parsed.askAfterSeconds === undefined) return sim;
  const askAt = setTimeout(() => {
    for (const h of sim.devices) {
      io.stdout.write(`${h.devId} asks for an update\n`);
      h.device.requestUpdate('user');
    }
  }, parsed.askAfterSeconds * 1000);
  return {
    devices: sim.devices,
    stop: async () => {
      clearTimeout(askAt);
      await sim.stop();
    },
  };
}

/** --trace: what the phone receives and does, one JSON object a line (tests count re-sent bytes with it). */
function traceDevice(d: SimulatedDevice, devId: string, io: CliIo): void {
  const line = (o: Record<string, unknown>): void => void io.stdout.write(`${JSON.stringify({ ...o, devId })}\n`);
  d.on('package-bytes', (e: { offset: number; bytes: number; size: number }) => line({ trace: 'package-bytes', offset: e.offset, bytes: e.bytes, size: e.size }));
  d.on('exec', (e: { uri: string; status: number; correlator?: string }) => line({ trace: 'exec', ...e }));
  d.on('session-start', (r: SessionRecord) => line({ trace: 'session-start', initiator: r.initiator, sessionId: r.sessionId }));
  d.on('session-end', (r: SessionRecord) => line({ trace: 'session-end', sessionId: r.sessionId, ok: r.ok, results: r.genericAlerts.map((a) => a.data ?? null), ...(r.error ? { error: r.error } : {}) }));
  d.on('session-abandoned', (e: { reason: string }) => line({ trace: 'session-abandoned', reason: e.reason }));
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'Start simulated phones for tests, training and the demo mode',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseSimulateArgs(args);
    const sim = await startFromArgs(parsed, io);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      process.on('SIGINT', done);
      process.on('SIGTERM', done);
    });
    await sim.stop();
    io.stderr.write('simulated phones stopped\n');
    return 0;
  },
};
