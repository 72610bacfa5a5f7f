/** `fumo-kiosk settings`: list and change the kiosk's settings in its data folder. */
import { DEFAULT_KIOSK_SETTINGS, type KioskSettings } from '../../store/settings';
import { changeSettings } from '../../services/settings-change';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { parseStoreArgs, withStore } from './catalog';

const USAGE = `Usage:
  fumo-kiosk settings [list] [--json] [--data DIR]           list every setting and its value
  fumo-kiosk settings set KEY VALUE [KEY VALUE ...] [--data DIR]   change settings (all or none)
  fumo-kiosk settings reset KEY [--data DIR]                 back to the default

The same settings an administrator changes on the settings screen, with the same checks. A
value is written as on the screen: a number, true or false, text, or for a list its entries
separated by commas ("" for none). Some you may want:

  shopName, shopAddress   the shop printed on the customer's receipt (for a two-line address
                          in bash: $'Hauptstrasse 1\\n10115 Berlin')
  receiptPrinter          the print queue receipts go to ("" = this computer's default printer;
                          lpstat -e lists the queues)
  receiptPaper            a4 or 80mm
  dmListen                where the DM endpoint listens, HOST:PORT: HOST an IP address or the
                          name of a network interface (e.g. usb0:8443, looked up at start);
                          "" = 127.0.0.1 on a free port; beyond loopback HTTPS only
  dmCertFile, dmKeyFile   PEM certificate and key: HTTPS (TLS 1.2 or later) on every dmListen
                          address (set both at once: settings set dmCertFile A dmKeyFile B)
  dmCable                 HOST:PORT served over plain HTTP: an administrator's mark that it is
                          a phone cable's own network interface
  allowNonLoopback        true lets fumo-kiosk web --host listen beyond 127.0.0.1

The --dm-listen, --dm-cable, --dm-cert and --dm-key flags of web and update win over the stored
DM endpoint settings. A kiosk that is running reads the receipt settings at each print and the
others when it next starts.

  --json      the settings as one JSON object
  --data DIR  the kiosk's data folder (default: ${defaultDataDir()})

Exit codes: 0 done, 1 the data folder or database could not be used, 2 bad arguments or a value
the kiosk does not accept (the message says which and why; nothing is changed).`;

type Key = keyof KioskSettings;

function isKey(k: string): k is Key {
  return Object.prototype.hasOwnProperty.call(DEFAULT_KIOSK_SETTINGS, k);
}

function requireKey(k: string): Key {
  if (!isKey(k)) throw new UsageError(`there is no setting "${k}"; fumo-kiosk settings lists them`);
  return k;
}

/** The text VALUE as the setting's type (that of its default). */
export function settingValue(key: Key, text: string): unknown {
  const kind = DEFAULT_KIOSK_SETTINGS[key];
  if (typeof kind === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${key} is a number (got "${text}")`);
    return n;
  }
  if (typeof kind === 'boolean') {
    if (/^(true|yes|on)$/i.test(text)) return true;
    if (/^(false|no|off)$/i.test(text)) return false;
    throw new UsageError(`${key} is true or false (got "${text}")`);
  }
  if (Array.isArray(kind))
    return text
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  return text;
}

function shown(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.join(', ') : '(none)';
  if (typeof v === 'string') return v === '' ? '(none)' : JSON.stringify(v);
  return String(v);
}

function list(all: KioskSettings, io: CliIo): void {
  const keys = Object.keys(DEFAULT_KIOSK_SETTINGS) as Key[];
  const width = Math.max(...keys.map((k) => k.length));
  for (const k of keys) {
    const isDefault = JSON.stringify(all[k]) === JSON.stringify(DEFAULT_KIOSK_SETTINGS[k]);
    io.stdout.write(`${k.padEnd(width)}  ${shown(all[k])}${isDefault ? '  (default)' : ''}\n`);
  }
}

async function run(args: string[], io: CliIo): Promise<number> {
  const p = parseStoreArgs(args, { flags: ['--json'] });
  const [verb = 'list', ...rest] = p.positionals;
  switch (verb) {
    case 'list':
      if (rest.length) throw new UsageError('settings list takes no arguments; see fumo-kiosk settings --help');
      return withStore(p.dataDir, (store) => {
        const all = store.settings.getAll();
        if (p.flags.has('--json')) io.stdout.write(JSON.stringify(all, null, 2) + '\n');
        else list(all, io);
        return 0;
      });
    case 'set': {
      if (rest.length === 0 || rest.length % 2 !== 0) throw new UsageError('settings set takes KEY VALUE pairs, e.g. settings set shopName "Phone Shop"');
      const patch: Record<string, unknown> = {};
      for (let i = 0; i < rest.length; i += 2) {
        const key = requireKey(rest[i]!);
        patch[key] = settingValue(key, rest[i + 1]!);
      }
      return withStore(p.dataDir, (store) => {
        const all = changeSettings(store.settings, patch as Partial<KioskSettings>);
        for (const k of Object.keys(patch) as Key[]) io.stdout.write(`${k} = ${shown(all[k])}\n`);
        return 0;
      });
    }
    case 'reset': {
      if (rest.length !== 1) throw new UsageError('settings reset takes one KEY');
      const key = requireKey(rest[0]!);
      return withStore(p.dataDir, (store) => {
        // Through the same checks: a DM endpoint key reset alone can leave a pair half set.
        const all = changeSettings(store.settings, { [key]: DEFAULT_KIOSK_SETTINGS[key] } as Partial<KioskSettings>);
        io.stdout.write(`${key} = ${shown(all[key])} (default)\n`);
        return 0;
      });
    }
    default:
      throw new UsageError(`the actions are list, set and reset; see fumo-kiosk settings --help`);
  }
}

export const settingsCommand: CliCommand = {
  name: 'settings',
  summary: 'List and change the kiosk settings (receipt shop and printer, DM endpoint, ...)',
  usage: USAGE,
  run,
};
