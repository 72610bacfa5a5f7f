/**
 * Printing a receipt through the operating system's print system.
 *
 * - CupsPrinter: CUPS on Linux and macOS, through its own command-line clients (`lp`, `lpstat`),
 *   so the kiosk needs no printer driver of its own and honours CUPS_SERVER.
 * - SilentPrintAdapter: what the Electron host implements where it runs (load the PDF in a hidden
 *   window, webContents.print({ silent: true, deviceName })); it is the path to the Windows
 *   spooler. printerFromSilentPrint turns it into a Printer.
 * The web host prints on the kiosk's side with the same Printer (the browser only asks), so a
 * kiosk-mode browser that cannot open downloads still gets the receipt on paper.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { ReceiptError } from './errors';

export interface PrinterQueue {
  name: string;
  isDefault: boolean;
}

export interface PrintRequest {
  /** The queue; default: the system's default queue. */
  queue?: string | null;
  /** Job name shown in the print queue (use the record id, nothing personal). */
  title?: string;
  copies?: number;
}

export interface PrintJob {
  queue: string;
  /** The print system's job id, e.g. "receipts-12", when it tells one. */
  jobId: string | null;
}

export interface Printer {
  listQueues(): Promise<PrinterQueue[]>;
  /** Print a PDF; rejects with a ReceiptError (PRINTER_NOT_FOUND, NO_PRINTER, PRINT_FAILED, PRINT_SYSTEM_DOWN, PRINT_SYSTEM_MISSING). */
  print(pdf: Uint8Array, request?: PrintRequest): Promise<PrintJob>;
}

/** Implemented by the Electron host (silent webContents.print). */
export interface SilentPrintAdapter {
  listPrinters(): Promise<PrinterQueue[]>;
  /** deviceName null: the system default printer. Rejects with a message when printing fails. */
  printPdf(pdf: Uint8Array, options: { deviceName: string | null; title: string; copies: number }): Promise<void>;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type SpawnLike = typeof nodeSpawn;

export interface CupsPrinterOptions {
  /** Environment for lp and lpstat (CUPS_SERVER chooses the server). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  lpPath?: string;
  lpstatPath?: string;
  spawn?: SpawnLike;
}

function firstLine(s: string): string {
  return (
    s
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

async function pickQueue(printer: Printer, wanted: string | null | undefined): Promise<string> {
  const queues = await printer.listQueues();
  const names = queues.map((q) => q.name);
  const known = names.length ? names.join(', ') : 'none';
  if (wanted) {
    if (!names.includes(wanted)) throw new ReceiptError('PRINTER_NOT_FOUND', { detail: `"${wanted}"`, known });
    return wanted;
  }
  const def = queues.find((q) => q.isDefault);
  if (!def) throw new ReceiptError('NO_PRINTER');
  return def.name;
}

export class CupsPrinter implements Printer {
  private readonly env: NodeJS.ProcessEnv;
  private readonly lp: string;
  private readonly lpstat: string;
  private readonly spawn: SpawnLike;

  constructor(options: CupsPrinterOptions = {}) {
    this.env = options.env ?? process.env;
    this.lp = options.lpPath ?? 'lp';
    this.lpstat = options.lpstatPath ?? 'lpstat';
    this.spawn = options.spawn ?? nodeSpawn;
  }

  private run(cmd: string, args: string[], input?: Uint8Array): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      // LC_ALL=C: lpstat's lines are parsed, and translated ones would not match.
      const child = this.spawn(cmd, args, { env: { ...this.env, LC_ALL: 'C', LANG: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') reject(new ReceiptError('PRINT_SYSTEM_MISSING', { detail: `${cmd} was not found`, fix: 'Debian and Ubuntu: apt-get install cups cups-client' }));
        else reject(new ReceiptError('PRINT_FAILED', { detail: `${cmd}: ${e.message}` }, { cause: e }));
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      // lp may exit early (unknown queue) and close its input: that is reported by its exit code.
      child.stdin?.on('error', () => undefined);
      if (input) child.stdin?.end(Buffer.from(input));
      else child.stdin?.end();
    });
  }

  async listQueues(): Promise<PrinterQueue[]> {
    // With no scheduler, `lpstat -e` lists nothing and exits 0: ask whether it runs first, so a
    // stopped print system is not reported as "no printer".
    const sched = await this.run(this.lpstat, ['-r']);
    if (/not running/i.test(sched.stdout + sched.stderr)) {
      throw new ReceiptError('PRINT_SYSTEM_DOWN', { detail: `the CUPS scheduler${this.env['CUPS_SERVER'] ? ` at ${this.env['CUPS_SERVER']}` : ''} does not answer` });
    }
    const all = await this.run(this.lpstat, ['-e']);
    // lpstat exits non-zero with "No destinations added." when there are none.
    if (all.code !== 0 && !/no destinations/i.test(all.stderr + all.stdout)) {
      throw new ReceiptError('PRINT_FAILED', { detail: `the print system does not answer: ${firstLine(all.stderr) || `lpstat exit ${all.code}`}` });
    }
    const names = all.code === 0 ? all.stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !/\s/.test(l)) : [];
    const def = await this.run(this.lpstat, ['-d']);
    const m = /system default destination:\s*(\S+)/i.exec(def.stdout);
    const defaultName = m ? m[1] : null;
    return names.map((name) => ({ name, isDefault: name === defaultName }));
  }

  async print(pdf: Uint8Array, request: PrintRequest = {}): Promise<PrintJob> {
    const queue = await pickQueue(this, request.queue);
    const args = ['-d', queue];
    if (request.title) args.push('-t', request.title);
    if (request.copies && request.copies > 1) args.push('-n', String(request.copies));
    // No file argument: lp reads the PDF from standard input, so no temporary file holds the receipt.
    const r = await this.run(this.lp, args, pdf);
    if (r.code !== 0) throw new ReceiptError('PRINT_FAILED', { detail: firstLine(r.stderr) || firstLine(r.stdout) || `lp exit ${r.code}` });
    const id = /request id is (\S+)/i.exec(r.stdout);
    return { queue, jobId: id ? id[1]! : null };
  }
}

/** A Printer over the Electron host's silent printing. */
export function printerFromSilentPrint(adapter: SilentPrintAdapter): Printer {
  const printer: Printer = {
    listQueues: () => adapter.listPrinters(),
    async print(pdf, request = {}) {
      const queue = await pickQueue(printer, request.queue);
      try {
        await adapter.printPdf(pdf, { deviceName: queue, title: request.title ?? 'receipt', copies: request.copies ?? 1 });
      } catch (e) {
        throw new ReceiptError('PRINT_FAILED', { detail: e instanceof Error ? e.message : String(e) }, { cause: e });
      }
      return { queue, jobId: null };
    },
  };
  return printer;
}

/**
 * The print system of this computer for the command line and the web host: CUPS on Linux and
 * macOS. On Windows the spooler is reached through the desktop app's silent printing.
 */
export function systemPrinter(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): Printer {
  if (platform === 'win32') {
    return {
      listQueues: () => Promise.reject(new ReceiptError('PRINT_SYSTEM_MISSING', { detail: 'the Windows print spooler is reached only from the desktop app', fix: 'print from the desktop app' })),
      print: () => Promise.reject(new ReceiptError('PRINT_SYSTEM_MISSING', { detail: 'the Windows print spooler is reached only from the desktop app', fix: 'print from the desktop app' })),
    };
  }
  return new CupsPrinter({ env });
}
