import { PIN_MAX_LENGTH, PIN_MIN_LENGTH, pinProblem, type PinRole } from '../../store';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { cliActor, withStore } from './catalog';

const USAGE = `Usage:
  fumo-kiosk pin set NAME [--role technician|admin] [--data DIR]   set or replace a PIN (read from standard input)
  fumo-kiosk pin list [--data DIR]                                  list who has a PIN
  fumo-kiosk pin remove NAME [--data DIR]                           remove a PIN

Sets (or replaces) the PIN a technician or administrator logs in with on the kiosk screens.
The PIN is read from the first line of standard input, so it never appears in the shell
history or the process list:  echo 482913 | fumo-kiosk pin set anna --role admin
A technician PIN is ${PIN_MIN_LENGTH.technician} to ${PIN_MAX_LENGTH} digits, an administrator PIN ${PIN_MIN_LENGTH.admin} to ${PIN_MAX_LENGTH}; two people cannot share
one. Only a salted scrypt hash is kept, in the kiosk database; setting and removing PINs is
recorded in the update history.

  --role ROLE  technician (default) or admin
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})

Exit codes: 0 done, 1 the kiosk's data folder or database could not be used (the message says
why and what to do), 2 bad arguments or a PIN that is not acceptable (too short, not digits,
already used by someone else).`;

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n')) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

function parse(rest: string[]): { role: PinRole; dataDir: string } {
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
  return { role, dataDir };
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [verb, ...after] = args;
  if (verb === 'list') {
    const { dataDir } = parse(after);
    return withStore(dataDir, (store) => {
      const list = store.pins.list();
      if (list.length === 0) io.stdout.write('No PINs are set.\n');
      for (const p of list) io.stdout.write(`${p.name}  ${p.role}  set ${new Date(p.updatedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC\n`);
      return 0;
    });
  }
  const [name, ...rest] = after;
  if (verb !== 'set' && verb !== 'remove') throw new UsageError('the actions are set, list and remove; see fumo-kiosk pin --help');
  if (!name || name.startsWith('--')) throw new UsageError(`pin ${verb} needs the NAME of the person`);
  const { role, dataDir } = parse(rest);
  if (verb === 'remove') {
    return withStore(dataDir, (store) => {
      if (!store.pins.remove(name, cliActor().name)) throw new UsageError(`${name} has no PIN`);
      io.stdout.write(`PIN removed for ${name}.\n`);
      return 0;
    });
  }
  const pin = await firstLine(io.stdin);
  const problem = pinProblem(pin, role);
  if (problem) throw new UsageError(`the PIN on standard input is not acceptable: ${problem}`);
  return withStore(dataDir, async (store) => {
    await store.pins.set(name, role, pin, cliActor().name);
    io.stdout.write(`PIN set for ${name} (${role}) in ${dataDir}\n`);
    return 0;
  });
}

export const pinCommand: CliCommand = {
  name: 'pin',
  summary: 'Set, list or remove the PINs technicians and administrators log in with',
  usage: USAGE,
  run,
};
