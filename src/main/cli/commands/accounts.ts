import { readFileSync, statSync } from 'node:fs';
import { isKioskError, KioskError } from '../../../core/errors';
import { parseAccountFile } from '../../store';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { cliActor, parseStoreArgs, withStore } from './catalog';

/** An accounts file larger than this is not a list of DM accounts. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const USAGE = `Usage:
  fumo-kiosk accounts import FILE [--data DIR]   import DM accounts from a CSV or JSON file
  fumo-kiosk accounts list [--json] [--data DIR]  list the DM accounts and rules (no secrets)

The DM accounts phones from the field already hold (their operator's ServerID and credentials),
so such a phone authenticates when it calls the kiosk's DM endpoint and the kiosk answers as
that ServerID. CSV has a header line naming the columns; JSON is an array of objects with the
same names (or {"accounts": [...]}):

  devId                      one phone (SyncHdr Source, e.g. IMEI:356938035643809), or
  imeiFrom, imeiTo           a range of 15-digit IMEIs, or neither: every phone (deriveSecret only)
  serverId                   the phone's DMAcc ServerID
  clientAuthType             basic, md5 or hmac: how the phone authenticates to the kiosk
  serverAuthType             basic, md5 or hmac: how the kiosk authenticates to the phone
                             (default: clientAuthType)
  clientName, clientSecret   the phone's credentials
  serverName, serverSecret   the server's credentials
  clientNonce, serverNonce   optional, base64: the nonces each side holds
  deriveSecret               instead of the secrets, per phone: clientSecret =
                             hex(HMAC-SHA256(deriveSecret, "CLCRED:" + DevId)), serverSecret =
                             hex(HMAC-SHA256(deriveSecret, "SRVCRED:" + DevId)); clientName
                             defaults to the DevId, serverName to the serverId

Secrets are stored encrypted in the kiosk database and never shown. A file with any problem is
refused whole, naming the line (CSV) or entry (JSON): nothing is imported half-way. Importing a
phone's account again replaces it; the import is recorded in the history.

  --json       list as JSON
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})

Exit codes: 0 done, 1 the kiosk's data folder or database could not be used, 2 bad arguments
or a file that cannot be imported (the message names the line and the problem).`;

function readAccountsFile(file: string): string {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new KioskError('ACCOUNTS_INVALID', { file, detail: `the file is larger than ${MAX_FILE_BYTES / 1_048_576} MiB` });
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (isKioskError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    // A missing path and a folder get the same answer, so the message does not tell what exists.
    throw new UsageError(code === 'EACCES' ? `${file}: the kiosk is not allowed to read it` : `${file} is not a readable file`);
  }
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'list') {
    const p = parseStoreArgs(rest, { flags: ['--json'] });
    if (p.positionals.length > 0) throw new UsageError('usage: accounts list [--json] [--data DIR]');
    return withStore(p.dataDir, (store) => {
      const list = store.accounts.summaries();
      if (p.flags.has('--json')) io.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else if (list.length === 0) io.stdout.write('No DM accounts.\n');
      else
        io.stdout.write(
          pad([
            ['PHONES', 'SERVER ID', 'PHONE AUTH', 'KIOSK AUTH', 'PHONE USER', 'CREDENTIALS'],
            ...list.map((a) => [a.phones, a.serverId, a.clientAuthType, a.serverAuthType, a.clientName, a.kind === 'rule' ? `${a.credentials} per phone` : a.credentials]),
          ]),
        );
      return 0;
    });
  }
  if (verb === 'import') {
    const p = parseStoreArgs(rest);
    if (p.positionals.length !== 1) throw new UsageError('usage: accounts import FILE [--data DIR]');
    const file = p.positionals[0]!;
    let entries;
    try {
      entries = parseAccountFile(file, readAccountsFile(file));
    } catch (e) {
      if (isKioskError(e) && e.code === 'ACCOUNTS_INVALID') {
        io.stderr.write(`fumo-kiosk accounts: ${e.message} [${e.code}]\n`);
        return 2;
      }
      throw e;
    }
    return withStore(p.dataDir, (store) => {
      const r = store.accounts.importEntries(entries);
      store.audit.recordEvent('accounts-imported', { file, accounts: r.accounts, rules: r.rules }, cliActor().name);
      io.stdout.write(`Imported ${r.accounts} DM account${r.accounts === 1 ? '' : 's'} and ${r.rules} rule${r.rules === 1 ? '' : 's'} into ${p.dataDir}\n`);
      return 0;
    });
  }
  throw new UsageError('the actions are import and list; see fumo-kiosk accounts --help');
}

export const accountsCommand: CliCommand = {
  name: 'accounts',
  summary: 'import and list the DM accounts phones from the field hold (no secrets shown)',
  usage: USAGE,
  run,
};
