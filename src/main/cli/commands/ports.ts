import { KioskError } from '../../../core/errors';
import { SLOT_NAME_MAX_LENGTH } from '../../../shared/bench-ports';
import type { PortView } from '../../../shared/schemas';
import { loadProfiles, type DeviceProfile } from '../../../transport/profiles';
import type { SerialPortListing } from '../../links/scanner';
import { BenchPorts } from '../../services/bench-ports';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { cliActor, withStore } from './catalog';

const USAGE = `Usage:
  fumo-kiosk ports [--json] [--data DIR]                                  list the bench's ports
  fumo-kiosk ports assign PORT [--profile ID] [--slot NAME] [--data DIR]   give a port a profile and a slot name
  fumo-kiosk ports unassign PORT [--data DIR]                             remove a port's profile and slot name

Names the bench's ports and says which device profile a phone on each is opened with. A port
is named as the kiosk sees it: a serial device path (/dev/ttyUSB0), better its stable name
(/dev/serial/by-id/...), a cable's serial number (sn:A12345), or a USB port path (1-3.4).
The list shows this computer's serial ports now (what the kiosk would see, none is opened) and
every assigned port. The kiosk opens a serial adapter that no profile names only when it is
assigned a profile here (or given with --serial-port to web, devices or update, which wins over
an assignment); a receipt printer or payment terminal on another port is left alone.
The slot name (up to ${SLOT_NAME_MAX_LENGTH} characters, e.g. "Slot 3") is shown on the phone's card, to the
customer, and kept in the history record of each update. A running kiosk uses a change from
here when the phone is plugged in next; the administrator's Bench slots screen changes the
cards at once. Every change is recorded in the history.

  --profile ID  a device profile id (fumo-kiosk ports lists them); without it the VID:PID decides
  --slot NAME   the slot's name; an empty name removes it
  --json        one JSON object: {"ports": [...], "profiles": [...]}
  --data DIR    the kiosk's data folder (default: ${defaultDataDir()})

Exit codes: 0 done, 1 the kiosk's data folder or database could not be used, 2 bad arguments
(an unknown profile, a slot name too long, a port name the kiosk cannot use).`;

interface PortsArgs {
  verb: 'list' | 'assign' | 'unassign';
  port?: string;
  profileId?: string;
  slot?: string;
  json: boolean;
  dataDir: string;
}

function parse(args: string[]): PortsArgs {
  const out: PortsArgs = { verb: 'list', json: false, dataDir: defaultDataDir() };
  let i = 0;
  const first = args[0];
  if (first === 'assign' || first === 'unassign') {
    out.verb = first;
    const port = args[1];
    if (!port || port.startsWith('--')) throw new UsageError(`ports ${first} needs the PORT (see fumo-kiosk ports for the names)`);
    out.port = port;
    i = 2;
  } else if (first !== undefined && !first.startsWith('--')) {
    throw new UsageError(`unknown action "${first}"; the actions are assign and unassign, or none to list; see fumo-kiosk ports --help`);
  }
  for (; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[i + 1];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${a} needs a value`);
      i++;
      return v;
    };
    if (a === '--json' && out.verb === 'list') out.json = true;
    else if (a === '--data') out.dataDir = value();
    else if (a === '--profile' && out.verb === 'assign') out.profileId = value();
    else if (a === '--slot' && out.verb === 'assign') out.slot = value();
    else throw new UsageError(`unknown option ${a} for ${out.verb === 'list' ? 'the list' : `ports ${out.verb}`}; see fumo-kiosk ports --help`);
  }
  if (out.verb === 'assign' && out.profileId === undefined && out.slot === undefined) throw new UsageError('ports assign needs --profile ID, --slot NAME or both');
  return out;
}

/** This computer's serial ports now; none where the serialport package cannot list them. */
async function serialListing(): Promise<SerialPortListing[]> {
  try {
    const { SerialPort } = await import('serialport');
    return await SerialPort.list();
  } catch {
    return [];
  }
}

function table(rows: PortView[]): string {
  const head = ['PORT', 'SLOT', 'PROFILE', 'HOW', 'ATTACHED', 'VID:PID', 'SERIAL'];
  const cells = rows.map((r) => [
    r.port,
    r.slot ?? '-',
    r.profileId ?? '(left alone)',
    r.profileSource ?? '-',
    r.attached ? 'yes' : 'no',
    r.vidPid ?? '-',
    r.serialNumber ?? '-',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((v, c) => (c === row.length - 1 ? v : v.padEnd(widths[c]!))).join('  ');
  return [line(head), ...cells.map(line)].join('\n') + '\n';
}

function profiles(): DeviceProfile[] {
  try {
    return loadProfiles();
  } catch (e) {
    throw new KioskError('INTERNAL', { detail: `the device profiles cannot be read: ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** Bad input for a port is the caller's to correct: exit 2. */
const INPUT_CODES: ReadonlySet<string> = new Set(['PORT_NAME_INVALID', 'SLOT_NAME_INVALID', 'PROFILE_NOT_FOUND']);

async function run(args: string[], io: CliIo): Promise<number> {
  const p = parse(args);
  const listing = p.verb === 'list' ? await serialListing() : [];
  return withStore(p.dataDir, (store) => {
    const ports = new BenchPorts({ store, profiles: profiles(), flaggedSerialPorts: [], entries: () => [], relabel: () => undefined });
    ports.sawSerialPorts(listing);
    try {
      if (p.verb === 'assign') {
        ports.assign({ port: p.port!, profileId: p.profileId ?? null, slot: p.slot ?? null }, cliActor());
        const a = store.ports.get(p.port!);
        io.stdout.write(a ? `Port ${a.port}: slot ${a.slot ?? '(none)'}, profile ${a.profileId ?? '(by its VID:PID)'}.\n` : `Port ${p.port!.trim()}: nothing assigned any more.\n`);
        return 0;
      }
      if (p.verb === 'unassign') {
        const had = store.ports.get(p.port!) !== undefined;
        ports.unassign(p.port!, cliActor());
        io.stdout.write(had ? `Port ${p.port!.trim()}: its profile and slot name are removed.\n` : `Port ${p.port!.trim()} had nothing assigned.\n`);
        return 0;
      }
    } catch (e) {
      if (e instanceof KioskError && INPUT_CODES.has(e.code)) throw new UsageError(`${e.message} [${e.code}]`);
      throw e;
    }
    const list = ports.list();
    if (p.json) {
      io.stdout.write(JSON.stringify(list) + '\n');
      return 0;
    }
    if (list.ports.length === 0) io.stdout.write('No serial ports on this computer and no assigned ports.\n');
    else io.stdout.write(table(list.ports));
    io.stdout.write(`Profiles: ${list.profiles.map((x) => x.id).join(', ')}\n`);
    return 0;
  });
}

export const portsCommand: CliCommand = {
  name: 'ports',
  summary: 'List the bench\'s ports; assign a port a device profile and a slot name',
  usage: USAGE,
  run,
};
