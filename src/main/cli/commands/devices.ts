/** `fumo-kiosk devices`: the phones attached now, with model and version once identified. */
import { defaultDataDir } from '../../store/paths';
import { deviceLine, openKioskForCli } from '../../services/cli-support';
import { UsageError, type CliCommand, type CliIo } from '../command';

const USAGE = `Usage: fumo-kiosk devices [--json] [--data DIR] [--scan-ms N] [--demo] [--serial-port PATH]

Lists the phones attached to this kiosk's serial and USB cables, with model, software version
and whether an update applies. Each phone is asked for its model and version in a short
background session; nobody is prompted.

Options:
  --json       one JSON array of devices (DevIds masked but for the last 4 digits)
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})
  --scan-ms N  how long the ports must stay quiet before the list is printed (default 1500)
  --demo       also the simulated phones started with fumo-kiosk simulate (demo mode only:
               a kiosk without --demo trusts no simulated phone)
  --serial-port PATH
               a serial port with a phone on it whose cable no device profile names (repeatable);
               the kiosk opens only ports of known phone cables and the ones given here

Exit codes:
  0  listed (also when no phone is attached)
  1  the kiosk could not start (data folder, database)
  2  bad arguments
`;

export interface DevicesArgs {
  json: boolean;
  dataDir: string;
  scanMs: number;
  /** Trust the simulated phones of `fumo-kiosk simulate` (the demo's policy). */
  demo: boolean;
  /** Where the DM endpoint listens (--dm-listen HOST:PORT, repeatable). */
  dmListen?: string[];
  /** A phone cable's own interface, plain HTTP (--dm-cable HOST:PORT, repeatable). */
  dmCable?: string[];
  /** PEM certificate and key: the DM endpoint speaks HTTPS (--dm-cert FILE, --dm-key FILE). */
  dmCert?: string;
  dmKey?: string;
  /** Serial ports assigned to phones with the generic profile (--serial-port PATH, repeatable). */
  serialPorts?: string[];
}

export function parseDevicesArgs(args: string[]): DevicesArgs {
  const out: DevicesArgs = { json: false, dataDir: defaultDataDir(), scanMs: 1500, demo: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (!takeScanOption(a, value, out)) throw new UsageError(`unknown option ${a}; see fumo-kiosk devices --help`);
  }
  return out;
}

/** The options `devices` and `update` share (--json, --data DIR, --scan-ms N, --demo); false for any other. */
export function takeScanOption(a: string | undefined, value: () => string, out: DevicesArgs): boolean {
  switch (a) {
    case '--demo':
      out.demo = true;
      return true;
    case '--dm-listen':
      (out.dmListen ??= []).push(value());
      return true;
    case '--dm-cable':
      (out.dmCable ??= []).push(value());
      return true;
    case '--dm-cert':
      out.dmCert = value();
      return true;
    case '--dm-key':
      out.dmKey = value();
      return true;
    case '--serial-port':
      (out.serialPorts ??= []).push(value());
      return true;
    case '--json':
      out.json = true;
      return true;
    case '--data':
      out.dataDir = value();
      return true;
    case '--scan-ms': {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new UsageError('--scan-ms needs a whole number of milliseconds');
      out.scanMs = n;
      return true;
    }
    default:
      return false;
  }
}

export const devicesCommand: CliCommand = {
  name: 'devices',
  summary: 'List the attached phones with model, version and update state',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseDevicesArgs(args);
    const kiosk = await openKioskForCli({ dataDir: p.dataDir, scanMs: p.scanMs, demo: p.demo, ...(p.serialPorts ? { serialPorts: p.serialPorts } : {}) });
    try {
      const devices = kiosk.service.listDevices();
      if (p.json) {
        io.stdout.write(JSON.stringify(devices, null, 2) + '\n');
        return 0;
      }
      if (devices.length === 0) {
        io.stdout.write('No phone is attached.\n');
        return 0;
      }
      for (const d of devices) io.stdout.write(deviceLine(d) + '\n');
      return 0;
    } finally {
      await kiosk.close();
    }
  },
};
