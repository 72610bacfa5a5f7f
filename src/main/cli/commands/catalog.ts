import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isKioskError } from '../../../core/errors';
import { openStore, storeFailure, type Actor, type KioskStore } from '../../store';
import { storeErrorCodeOf } from '../../store/errors';
import { databasePath, defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';

/** Options shared by the store commands: --data DIR, flags and positionals. */
export interface StoreArgs {
  dataDir: string;
  flags: Map<string, string | true>;
  positionals: string[];
}

/**
 * Parse `args`; `valued` lists options that take a value (e.g. ['-o', '--format']).
 * `--data` is always accepted. Unknown options are a UsageError.
 */
export function parseStoreArgs(args: string[], known: { flags?: string[]; valued?: string[] } = {}): StoreArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const valued = new Set(['--data', ...(known.valued ?? [])]);
  const bare = new Set(known.flags ?? []);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (valued.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : args[++i];
        if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
        flags.set(name, value);
      } else if (bare.has(name) && eq < 0) {
        flags.set(name, true);
      } else {
        throw new UsageError(`unknown option ${a}`);
      }
    } else {
      positionals.push(a);
    }
  }
  const data = flags.get('--data');
  return { dataDir: typeof data === 'string' ? data : defaultDataDir(), flags, positionals };
}

/** Admin actions from the command line run as the machine's operator: role admin, OS user name. */
export function cliActor(): Actor {
  let name: string;
  try {
    name = os.userInfo().username;
  } catch {
    name = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return { name: `${name} (command line)`, role: 'admin' };
}

/**
 * Open the store, run `fn`, close it. Storage failures come out typed (STORE_FULL, STORE_CORRUPT
 * ... naming the file), never as a bare errno.
 */
export async function withStore<T>(dataDir: string, fn: (store: KioskStore) => Promise<T> | T): Promise<T> {
  const store = openStore(dataDir);
  try {
    return await fn(store);
  } catch (e) {
    if (!isKioskError(e) && storeErrorCodeOf(e) !== undefined) throw storeFailure(e, databasePath(dataDir));
    throw e;
  } finally {
    store.close();
  }
}

/** Codes of a bundle file the kiosk refuses: bad input, exit 2 (as the usage says). */
const REFUSAL_CODES: ReadonlySet<string> = new Set(['BUNDLE_INVALID', 'SIGNATURE_INVALID', 'NOT_APPROVED', 'DOWNGRADE_REFUSED', 'BUNDLE_CONFLICT']);

function expectArgs(p: StoreArgs, min: number, max: number, usage: string): void {
  if (p.positionals.length < min || p.positionals.length > max) throw new UsageError(`usage: ${usage}`);
}

function mb(bytes: number): string {
  return (bytes / 1_000_000).toFixed(2) + ' MB';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

const USAGE = `Usage:
  fumo-kiosk catalog import FILE [--allow-downgrade]   verify a signed bundle and add it to the catalogue
  fumo-kiosk catalog list [--json]                     list the bundles in the catalogue
  fumo-kiosk catalog verify [ID]                       re-check stored bundles (all, or one): hash, size, signature
  fumo-kiosk catalog remove ID                         remove a bundle
  fumo-kiosk catalog trust list [--json]               list trusted manufacturer keys
  fumo-kiosk catalog trust add NAME KEYFILE            trust an Ed25519 public key (PEM, or base64 of the raw 32 bytes)
  fumo-kiosk catalog trust remove NAME|KEYID           stop trusting a key

Options:
  --data DIR         the kiosk's data folder (default: ${defaultDataDir()})
  --allow-downgrade  accept a bundle that installs an older version than one it applies to
  --json             machine-readable output

Changes run as an administrator, recorded under the operating system user name.

Exit codes:
  0  success
  1  the operation failed: a stored bundle failed verification, the item was not found, or the
     kiosk's data folder or database could not be used (the message says why and what to do)
  2  bad arguments, or an input file that was refused: unreadable, not a bundle, or a bundle
     refused for its signature, hash, size, approval, downgrade or id
`;

async function trustCommand(p: StoreArgs, io: CliIo): Promise<number> {
  const [, sub, ...rest] = p.positionals;
  return withStore(p.dataDir, (store) => {
    switch (sub) {
      case 'list': {
        const keys = store.trust.list();
        if (p.flags.has('--json')) io.stdout.write(JSON.stringify(keys, null, 2) + '\n');
        else if (keys.length === 0) io.stdout.write('No trusted keys.\n');
        else io.stdout.write(table([['NAME', 'KEY ID', 'ADDED BY'], ...keys.map((k) => [k.name, k.keyId, k.addedBy])]));
        return 0;
      }
      case 'add': {
        if (rest.length !== 2) throw new UsageError('usage: catalog trust add NAME KEYFILE');
        let text: string;
        try {
          text = readFileSync(rest[1]!, 'utf8');
        } catch {
          throw new UsageError(`${rest[1]} cannot be opened as a key file; check the path and that you may read it`);
        }
        // Skip comment lines before the PEM armour (the DEMO key files carry a warning there).
        const pem = text.includes('-----BEGIN') ? text.slice(text.indexOf('-----BEGIN')) : text;
        const k = store.trust.add(rest[0]!, pem, cliActor());
        io.stdout.write(`Trusted "${k.name}" (${k.keyId}).\n`);
        return 0;
      }
      case 'remove': {
        if (rest.length !== 1) throw new UsageError('usage: catalog trust remove NAME|KEYID');
        const k = store.trust.remove(rest[0]!, cliActor());
        io.stdout.write(`No longer trusted: "${k.name}" (${k.keyId}).\n`);
        return 0;
      }
      default:
        throw new UsageError('usage: catalog trust list|add NAME KEYFILE|remove NAME');
    }
  });
}

export const catalogCommand: CliCommand = {
  name: 'catalog',
  summary: 'Import, list, verify and remove signed firmware bundles; manage trusted manufacturer keys',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseStoreArgs(args, { flags: ['--json', '--allow-downgrade'] });
    const sub = p.positionals[0];
    switch (sub) {
      case 'import': {
        expectArgs(p, 2, 2, 'catalog import FILE [--allow-downgrade]');
        return withStore(p.dataDir, async (store) => {
          let result;
          try {
            result = await store.catalog.import(p.positionals[1]!, { actor: cliActor(), allowDowngrade: p.flags.has('--allow-downgrade') });
          } catch (e) {
            if (isKioskError(e) && REFUSAL_CODES.has(e.code)) {
              io.stderr.write(`fumo-kiosk catalog: ${e.message} [${e.code}]\n`);
              return 2;
            }
            throw e;
          }
          const { entry, added } = result;
          const m = entry.manifest;
          io.stdout.write(
            `${added ? 'Imported' : 'Already in the catalogue:'} ${entry.id}: ${m.manufacturer} ${m.models.join(', ')} ${m.fromVersions.join('|')} -> ${m.targetVersion}, ${mb(m.size)}, ` +
              `signed by ${entry.keyId}, approved ${m.approval?.regulator ?? ''} ${m.approval?.reference ?? ''}\n`,
          );
          return 0;
        });
      }
      case 'list': {
        expectArgs(p, 1, 1, 'catalog list [--json]');
        return withStore(p.dataDir, (store) => {
          const list = store.catalog.list();
          if (p.flags.has('--json')) {
            io.stdout.write(JSON.stringify(list.map(({ filePath: _f, ...e }) => e), null, 2) + '\n');
          } else if (list.length === 0) {
            io.stdout.write('The catalogue is empty.\n');
          } else {
            io.stdout.write(
              table([
                ['ID', 'MODELS', 'FROM', 'TO', 'SIZE', 'SEVERITY', 'APPROVAL'],
                ...list.map((e) => [e.id, e.manifest.models.join(', '), e.manifest.fromVersions.join('|'), e.manifest.targetVersion, mb(e.manifest.size), e.manifest.severity, e.manifest.approval?.reference ?? '-']),
              ]),
            );
          }
          return 0;
        });
      }
      case 'verify': {
        expectArgs(p, 1, 2, 'catalog verify [ID]');
        return withStore(p.dataDir, async (store) => {
          const id = p.positionals[1];
          const checks = id ? [await store.catalog.verify(id)] : await store.catalog.verifyAll();
          let bad = 0;
          for (const c of checks) {
            if (c.ok) {
              io.stdout.write(`ok    ${c.id}\n`);
            } else {
              bad++;
              const ef = c.expected !== undefined || c.found !== undefined ? ` (expected ${c.expected ?? '?'}, found ${c.found ?? '?'})` : '';
              io.stdout.write(`FAIL  ${c.id}: ${c.error?.message ?? 'failed'}${ef}\n`);
            }
          }
          if (checks.length === 0) io.stdout.write('The catalogue is empty.\n');
          return bad === 0 ? 0 : 1;
        });
      }
      case 'remove': {
        expectArgs(p, 2, 2, 'catalog remove ID');
        return withStore(p.dataDir, async (store) => {
          const e = await store.catalog.remove(p.positionals[1]!, cliActor());
          io.stdout.write(`Removed ${e.id}.\n`);
          return 0;
        });
      }
      case 'trust':
        return trustCommand(p, io);
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}" (import, list, verify, remove, trust)` : 'missing subcommand (import, list, verify, remove, trust)');
    }
  },
};

export default catalogCommand;
