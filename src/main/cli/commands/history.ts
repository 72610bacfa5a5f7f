import { writeFileSync } from 'node:fs';
import { maskDevId } from '../../../shared/api';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { parseStoreArgs, withStore } from './catalog';

const USAGE = `Usage:
  fumo-kiosk history list [--json] [--limit N]          list update attempts, newest first
  fumo-kiosk history export --format csv|json [-o FILE] export every attempt (to stdout without -o)
  fumo-kiosk history verify                            check the history's hash chain for edited or deleted records
  fumo-kiosk history receipt ID [-o FILE] [--lang en|de|es]
                                                       print the receipt of one attempt as HTML

Options:
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})

Device ids are masked in list and receipt; exports carry them in full (keep exports safe).

Exit codes:
  0  success (verify: the history is intact)
  1  the operation failed (verify: records were edited or deleted; receipt: no such record)
  2  bad arguments
`;

function write(io: CliIo, out: string | undefined, text: string): void {
  if (out) writeFileSync(out, text);
  else io.stdout.write(text);
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'List, export and verify the update history; print receipts',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseStoreArgs(args, { flags: ['--json'], valued: ['--format', '-o', '--output', '--limit', '--lang'] });
    const [sub, ...rest] = p.positionals;
    const out = (p.flags.get('-o') ?? p.flags.get('--output')) as string | undefined;
    switch (sub) {
      case 'list': {
        if (rest.length) throw new UsageError('usage: history list [--json] [--limit N]');
        const limitText = p.flags.get('--limit') as string | undefined;
        const limit = limitText === undefined ? 100 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit needs a whole number >= 1');
        return withStore(p.dataDir, (store) => {
          const records = store.audit.list({ limit });
          if (p.flags.has('--json')) {
            io.stdout.write(JSON.stringify(records.map((r) => ({ ...r, devId: maskDevId(r.devId) })), null, 2) + '\n');
            return 0;
          }
          if (records.length === 0) {
            io.stdout.write('No update attempts recorded.\n');
            return 0;
          }
          const rows = [['ID', 'STARTED (UTC)', 'DEVICE', 'MODEL', 'FROM', 'TO', 'RESULT'], ...records.map((r) => [
            r.id,
            new Date(r.startedAt).toISOString().replace('T', ' ').slice(0, 16),
            maskDevId(r.devId),
            r.model ?? '',
            r.fromVersion ?? '',
            r.targetVersion ?? '',
            r.result ?? 'in progress',
          ])];
          const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
          io.stdout.write(rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
          return 0;
        });
      }
      case 'export': {
        if (rest.length) throw new UsageError('usage: history export --format csv|json [-o FILE]');
        const format = p.flags.get('--format');
        if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
        return withStore(p.dataDir, (store) => {
          const text = format === 'csv' ? store.audit.exportCsv() : store.audit.exportJson() + '\n';
          write(io, out, text);
          if (out) io.stderr.write(`Wrote ${store.audit.count()} records to ${out}.\n`);
          return 0;
        });
      }
      case 'verify': {
        if (rest.length) throw new UsageError('usage: history verify');
        return withStore(p.dataDir, (store) => {
          const c = store.audit.verify();
          if (c.ok) {
            io.stdout.write(`The history is intact: ${c.records} records, ${c.entries} chain entries${c.headHash ? `, head ${c.headHash}` : ''}.\n`);
            return 0;
          }
          io.stdout.write(`The history FAILED its integrity check (${c.problems.length} problems):\n`);
          for (const problem of c.problems) io.stdout.write(`  - ${problem}\n`);
          return 1;
        });
      }
      case 'receipt': {
        if (rest.length !== 1) throw new UsageError('usage: history receipt ID [-o FILE] [--lang en|de|es]');
        const lang = p.flags.get('--lang') as string | undefined;
        return withStore(p.dataDir, (store) => {
          write(io, out, store.audit.receiptHtml(rest[0]!, lang ? { language: lang } : {}));
          return 0;
        });
      }
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}" (list, export, verify, receipt)` : 'missing subcommand (list, export, verify, receipt)');
    }
  },
};

export default historyCommand;
