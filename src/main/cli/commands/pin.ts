import { mkdirSync } from 'node:fs';
import { PinStore, type PinRole } from '../../services/pin';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';

const USAGE = `Usage: fumo-kiosk pin set NAME [--role technician|admin] [--data DIR]

Sets (or replaces) the PIN a technician or administrator logs in with on the kiosk screens.
The PIN (4 to 12 digits) is read from the first line of standard input, so it never appears
in the shell history or the process list:  echo 482913 | fumo-kiosk pin set anna
Only a salted scrypt hash is kept, in <data>/pins.json.

  --role ROLE  technician (default) or admin
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})

Exit codes: 0 the PIN was set, 2 bad arguments or a PIN that is not 4 to 12 digits.`;

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n')) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [verb, name, ...rest] = args;
  if (verb !== 'set') throw new UsageError('the only action is "set"; see fumo-kiosk pin --help');
  if (!name || name.startsWith('--')) throw new UsageError('pin set needs the NAME of the person');
  let role: PinRole = 'technician';
  let dataDir = defaultDataDir();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const v = rest[i + 1];
    if ((a === '--role' || a === '--data') && (v === undefined || v.startsWith('--'))) throw new UsageError(`${a} needs a value`);
    if (a === '--role') {
      if (v !== 'technician' && v !== 'admin') throw new UsageError('--role is technician or admin');
      role = v;
      i++;
    } else if (a === '--data') {
      dataDir = v!;
      i++;
    } else throw new UsageError(`unknown option ${a}; see fumo-kiosk pin --help`);
  }
  const pin = await firstLine(io.stdin);
  if (!/^\d{4,12}$/.test(pin)) throw new UsageError('the PIN on standard input must be 4 to 12 digits');
  mkdirSync(dataDir, { recursive: true });
  new PinStore(dataDir).set(name, role, pin);
  io.stdout.write(`PIN set for ${name} (${role}) in ${dataDir}\n`);
  return 0;
}

export const pinCommand: CliCommand = {
  name: 'pin',
  summary: 'Set the PIN a technician or administrator logs in with',
  usage: USAGE,
  run,
};
