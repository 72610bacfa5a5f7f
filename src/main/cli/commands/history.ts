import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KioskError } from '../../../core/errors';
import { maskDevId } from '../../../shared/api';
import { storeFailure } from '../../store';
import { defaultDataDir } from '../../store/paths';
import { UsageError, type CliCommand, type CliIo } from '../command';
import { cliActor, parseStoreArgs, withStore, type StoreArgs } from './catalog';
import {
  isReceiptError,
  parseReceiptPayload,
  printReceipt,
  publicKeyPathFor,
  receiptHtml,
  receiptKeyPath,
  renderReceipt,
  systemPrinter,
  verifyReceiptPayload,
  type Printer,
  type ReceiptOptions,
} from '../../receipts';

const USAGE = `Usage:
  fumo-kiosk history list [--json] [--limit N]          list update attempts, newest first
  fumo-kiosk history export --format csv|json [-o FILE] export every attempt (to stdout without -o)
  fumo-kiosk history verify                            check the history: its hash chain, every column of every
                                                       record, the entry signatures and the signed head file
  fumo-kiosk history attention [--clear JOB]           list updates whose saved state was damaged and set aside;
                                                       --clear removes the note once the phone was dealt with
  fumo-kiosk history reanchor --reason TEXT            after support has examined a failed verify: accept the
                                                       history as it is now (the old head file is kept, the act
                                                       is recorded)
  fumo-kiosk history receipt ID [-o FILE] [--format html|pdf] [--language en|de|es] [--paper a4|80mm] [--tz ZONE]
                                                       the receipt of one attempt as HTML, or as PDF (the default with -o FILE.pdf)
  fumo-kiosk history print ID [--printer QUEUE] [--language en|de|es] [--paper a4|80mm] [--tz ZONE]
                                                       print the receipt on the receipt printer (setting receiptPrinter,
                                                       else the system's default printer) through CUPS
  fumo-kiosk history verify-receipt PAYLOAD|FILE|- [--key PUBLIC.pem] [--json]
                                                       check a receipt's QR code text against the kiosk's public key
                                                       (default: the one in the data folder); works offline

Options:
  --data DIR   the kiosk's data folder (default: ${defaultDataDir()})

Device ids are masked in list and receipt; exports carry them in full (keep exports safe), and
each export is recorded in the history.

Exit codes:
  0  success (verify: the history is intact)
  1  the operation failed (verify: it found problems, each listed; receipt, print: no such record,
     printing failed; verify-receipt: the receipt is not valid; the data folder or database could
     not be used)
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

// ---------------------------------------------------------------------------------------------
// Receipts: receipt, print, verify-receipt

const RECEIPT_FLAGS = ['--lang', '--language', '--paper', '--tz', '--printer', '--key'];

function receiptOptions(p: StoreArgs): ReceiptOptions {
  const language = (p.flags.get('--language') ?? p.flags.get('--lang')) as string | undefined;
  const paper = p.flags.get('--paper') as string | undefined;
  if (paper !== undefined && paper !== 'a4' && paper !== '80mm') throw new UsageError('--paper must be a4 or 80mm');
  const tz = p.flags.get('--tz') as string | undefined;
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw new UsageError(`--tz ${tz} is not a time zone (use a name such as Europe/Berlin)`);
    }
  }
  return { ...(language ? { language } : {}), ...(paper ? { paper } : {}), ...(tz ? { timeZone: tz } : {}) };
}

/** ReceiptErrors are the operation failing: one plain line and exit 1. */
async function receiptErrors(io: CliIo, sub: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (!isReceiptError(e)) throw e;
    io.stderr.write(`fumo-kiosk history ${sub}: ${e.message} [${e.code}]\n`);
    return 1;
  }
}

async function receiptSubcommand(p: StoreArgs, rest: string[], io: CliIo, out: string | undefined): Promise<number> {
  if (rest.length !== 1) throw new UsageError('usage: history receipt ID [-o FILE] [--format html|pdf] [--language en|de|es] [--paper a4|80mm] [--tz ZONE]');
  const format = (p.flags.get('--format') as string | undefined) ?? (out && /\.pdf$/i.test(out) ? 'pdf' : 'html');
  if (format !== 'html' && format !== 'pdf') throw new UsageError('--format must be html or pdf for a receipt');
  if (format === 'pdf' && !out && io.stdout.isTTY) throw new UsageError('a PDF is not for the terminal: give -o FILE.pdf, or redirect the output');
  const options = receiptOptions(p);
  return receiptErrors(io, 'receipt', () =>
    withStore(p.dataDir, async (store) => {
      if (format === 'html') {
        write(io, out, receiptHtml(store, rest[0]!, options));
        return 0;
      }
      const r = await renderReceipt(store, rest[0]!, options);
      if (r.pdf.fontWarning) io.stderr.write(r.pdf.fontWarning + '\n');
      if (out) {
        writeFileSync(out, r.pdf.bytes);
        io.stderr.write(`Wrote the ${r.model.language} receipt of ${r.record.id} to ${out}.\n`);
      } else io.stdout.write(r.pdf.bytes);
      return 0;
    }),
  );
}

async function printSubcommand(p: StoreArgs, rest: string[], io: CliIo, printer: Printer): Promise<number> {
  if (rest.length !== 1) throw new UsageError('usage: history print ID [--printer QUEUE] [--language en|de|es] [--paper a4|80mm] [--tz ZONE]');
  const options = receiptOptions(p);
  const queue = (p.flags.get('--printer') as string | undefined) ?? null;
  return receiptErrors(io, 'print', () =>
    withStore(p.dataDir, async (store) => {
      const r = await printReceipt(store, rest[0]!, printer, { ...options, queue });
      if (r.pdf.fontWarning) io.stderr.write(r.pdf.fontWarning + '\n');
      io.stdout.write(`Printed the ${r.model.language} receipt of ${r.record.id} on ${r.job.queue}${r.job.jobId ? ` (print job ${r.job.jobId})` : ''}.\n`);
      return 0;
    }),
  );
}

async function readStdin(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text;
}

async function verifyReceiptSubcommand(p: StoreArgs, rest: string[], io: CliIo): Promise<number> {
  if (rest.length !== 1) throw new UsageError('usage: history verify-receipt PAYLOAD|FILE|- [--key PUBLIC.pem] [--json]');
  const arg = rest[0]!;
  const keyFile = (p.flags.get('--key') as string | undefined) ?? publicKeyPathFor(receiptKeyPath(p.dataDir));
  return receiptErrors(io, 'verify-receipt', async () => {
    const text = arg === '-' ? await readStdin(io) : arg.trimStart().startsWith('{') ? arg : existsSync(arg) ? readFileSync(arg, 'utf8') : arg;
    if (!existsSync(keyFile)) {
      io.stderr.write(`fumo-kiosk history verify-receipt: no public key at ${keyFile}. Give the kiosk's public key with --key FILE.pem (it is kiosk-ed25519.pub.pem in the kiosk's data folder, keys/).\n`);
      return 1;
    }
    let check;
    try {
      check = verifyReceiptPayload(text, readFileSync(keyFile, 'utf8'));
    } catch (e) {
      if (isReceiptError(e)) throw e;
      // A key file that is not an Ed25519 public key.
      io.stderr.write(`fumo-kiosk history verify-receipt: ${keyFile} is not a readable Ed25519 public key (${e instanceof Error ? e.message : String(e)}). Give the kiosk's kiosk-ed25519.pub.pem with --key.\n`);
      return 1;
    }
    const s = check.summary ?? parseReceiptPayload(text);
    if (p.flags.has('--json')) {
      io.stdout.write(JSON.stringify({ valid: check.valid, ...(check.valid ? {} : { reason: check.reason }), summary: s }, null, 2) + '\n');
      return check.valid ? 0 : 1;
    }
    io.stdout.write(check.valid ? `VALID: this receipt was signed by the kiosk's key ${s.kid}.\n` : `INVALID: ${check.reason}. Do not rely on what it says.\n`);
    const rows: [string, string][] = [
      ['record', s.id],
      ['device id ends in', s.dev],
      ['model', s.mod ?? ''],
      ['from version', s.from ?? ''],
      ['to version', s.to ?? ''],
      ['result', s.res ?? 'in progress'],
      ['time (UTC)', s.at],
      ['history entry', s.chain ?? ''],
    ];
    for (const [k, v] of rows) io.stdout.write(`  ${k.padEnd(18)} ${v}\n`);
    return check.valid ? 0 : 1;
  });
}

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'List, export and verify the update history; print receipts',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const p = parseStoreArgs(args, { flags: ['--json'], valued: ['--format', '-o', '--output', '--limit', '--clear', '--reason', ...RECEIPT_FLAGS] });
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
      case 'receipt':
        return receiptSubcommand(p, rest, io, out);
      case 'print':
        return printSubcommand(p, rest, io, systemPrinter());
      case 'verify-receipt':
        return verifyReceiptSubcommand(p, rest, io);
      default:
        throw new UsageError(sub ? `unknown subcommand "${sub}" (list, export, verify, receipt, print, verify-receipt, attention, reanchor)` : 'missing subcommand (list, export, verify, receipt, print, verify-receipt, attention, reanchor)');
    }
  },
};

export default historyCommand;
