import { writeFileSync } from 'node:fs';
import { KioskError } from '../../../core/errors';
import { maskDevId } from '../../../shared/api';
import { storeFailure } from '../../store';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { cliActor, parseStoreArgs, withStore } from './catalog';

const USAGE = `Usage:
  fumo-kiosk history list [--json] [--limit N]          list update attempts, newest first
  fumo-kiosk history export --format csv|json [-o FILE] export every attempt (to stdout without -o)
  fumo-kiosk history verify                            check the history: its hash chain, every column of every
                                                       record, the entry signatures and the signed head file
  fumo-kiosk history receipt ID [-o FILE] [--lang en|de|es]
                                                       print the receipt of one attempt as HTML
  fumo-kiosk history attention [--clear JOB]           list updates whose saved state was damaged and set aside;
                                                       --clear removes the note once the phone was dealt with
  fumo-kiosk history reanchor --reason TEXT            after support has examined a failed verify: accept the
                                                       history as it is now (the old head file is kept, the act
                                                       is recorded)

Options:
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})

Device ids are masked in list and receipt; exports carry them in full (keep exports safe), and
each export is recorded in the history.

Exit codes:
  0  success (verify: the history is intact)
  1  the operation failed (verify: it found problems, each listed; receipt: no such record;
     the data folder or database could not be used)
  2  bad arguments
`;

function write(io: CliIo, out: string | undefined, text: string): void {
  if (!out) {
    io.stdout.write(text);
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (e) {
    throw storeFailure(e, out);
  }
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'List, export and verify the update history; print receipts',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseStoreArgs(args, { flags: ['--json'], valued: ['--format', '-o', '--output', '--limit', '--lang', '--clear', '--reason'] });
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
          store.audit.recordEvent('history-exported', { format, records: store.audit.count(), fullDeviceIds: true, to: out ?? 'standard output' }, cliActor().name);
          if (out) io.stderr.write(`Wrote ${store.audit.count()} records to ${out}.\n`);
          return 0;
        });
      }
      case 'verify': {
        if (rest.length) throw new UsageError('usage: history verify');
        return withStore(p.dataDir, (store) => {
          const c = store.audit.verify();
          const head = store.audit.head();
          const signed = head ? `; signed head: entry ${head.seq}, ${head.hash}, key ${head.keyFingerprint.slice(0, 16)}` : '';
          if (c.ok) {
            io.stdout.write(`The history is intact: ${c.records} records, ${c.entries} chain entries, ${c.events} events${c.headHash ? `, head ${c.headHash}` : ''}${signed}.\n`);
            return 0;
          }
          io.stdout.write(`The history FAILED its integrity check (${c.problems.length} ${c.problems.length === 1 ? 'problem' : 'problems'}):\n`);
          for (const problem of c.problems) io.stdout.write(`  - ${problem}\n`);
          io.stdout.write('Keep the kiosk and its data folder as they are and call support.\n');
          return 1;
        });
      }
      case 'receipt': {
        if (rest.length !== 1) throw new UsageError('usage: history receipt ID [-o FILE] [--lang en|de|es]');
        const lang = p.flags.get('--lang') as string | undefined;
        const id = rest[0]!;
        return withStore(p.dataDir, (store) => {
          if (!store.audit.get(id)) throw new KioskError('RECORD_NOT_FOUND', { detail: `"${id}"` });
          write(io, out, store.audit.receiptHtml(id, lang ? { language: lang } : {}));
          return 0;
        });
      }
      case 'attention': {
        if (rest.length) throw new UsageError('usage: history attention [--clear JOB]');
        const clear = p.flags.get('--clear') as string | undefined;
        return withStore(p.dataDir, (store) => {
          if (clear !== undefined) {
            if (!store.journal.clearAttention(clear)) throw new KioskError('RECORD_NOT_FOUND', { detail: `"${clear}" among the updates needing attention` });
            io.stdout.write(`Cleared the note on update ${clear}.\n`);
            return 0;
          }
          const list = store.journal.needsAttention();
          if (p.flags.has('--json')) io.stdout.write(JSON.stringify(list, null, 2) + '\n');
          else if (list.length === 0) io.stdout.write('No update needs attention.\n');
          else for (const a of list) io.stdout.write(`${a.jobId}  ${a.devId ? maskDevId(a.devId) : '-'}  ${a.problem}\n  ${a.error.message}\n`);
          return 0;
        });
      }
      case 'reanchor': {
        const reason = p.flags.get('--reason') as string | undefined;
        if (rest.length || !reason || !reason.trim()) throw new UsageError('usage: history reanchor --reason TEXT');
        return withStore(p.dataDir, (store) => {
          const r = store.audit.reanchor(cliActor(), reason.trim());
          const head = store.audit.head();
          io.stdout.write(`The history is anchored as it is now${head ? ` (entry ${head.seq}, ${head.hash})` : ''}.${r.archivedAs ? ` The previous head file is kept as ${r.archivedAs}.` : ''}\n`);
          return 0;
        });
      }
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}" (list, export, verify, receipt, attention, reanchor)` : 'missing subcommand (list, export, verify, receipt, attention, reanchor)');
    }
  },
};

export default historyCommand;
