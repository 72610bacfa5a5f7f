/**
 * A private CUPS scheduler for one test file: its own configuration, spool and log folders in
 * a temporary folder, a Unix socket there (CUPS_SERVER points at it), and one queue whose
 * device is a file (FileDevice Yes). The queue's driver declares PDF as its input, so CUPS
 * runs its pdftopdf filter and the file holds the PDF as the printer would have got it.
 *
 * Waits are on events: each check runs again when cupsd writes to its folders (fs.watch), and
 * gives up after a bound with what it last saw.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { haveTools, toolMissing } from '../../support/tools';

/** Whether this machine has what a private scheduler and reading its PDF back need; says what is missing. */
export function cupsToolsPresent(who: string): boolean {
  const missing = (p: string): boolean => spawnSync(p, ['-h'], { stdio: 'ignore' }).error !== undefined;
  if (missing(cupsTool('cupsd'))) return toolMissing(who, 'cupsd not found', 'cups-daemon');
  if (missing(cupsTool('lpadmin')) || missing(cupsTool('cupsreject'))) return toolMissing(who, 'lpadmin or cupsreject not found', 'cups-client');
  if (!haveTools(who, ['lp', 'lpstat'], 'cups-client')) return false;
  if (!existsSync('/usr/lib/cups/filter/pdftopdf')) return toolMissing(who, 'the CUPS filter pdftopdf not found', 'cups-filters');
  return haveTools(who, ['pdftotext'], 'poppler-utils', ['-v']);
}

export const CUPS_TOOLS = { cupsd: 'cupsd', lpadmin: 'lpadmin', lpstat: 'lpstat', cupsreject: 'cupsreject', cupsaccept: 'cupsaccept' } as const;

/** Where a CUPS program is: sbin folders are not on every user's PATH. */
export function cupsTool(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/sbin']) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  return name;
}

/** A PPD whose printer takes PDF: CUPS converts the job with pdftopdf and writes PDF to the device. */
const PDF_PPD = `*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "RECEIPT.PPD"
*Manufacturer: "Receipts"
*Product: "(Receipt PDF file)"
*ModelName: "Receipt PDF file"
*ShortNickName: "Receipt PDF file"
*NickName: "Receipt PDF file"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*LandscapeOrientation: Plus90
*TTRasterizer: Type42
*cupsFilter2: "application/vnd.cups-pdf application/pdf 0 -"
*OpenUI *PageSize: PickOne
*DefaultPageSize: A4
*PageSize A4/A4: "<</PageSize[595 842]>>setpagedevice"
*CloseUI: *PageSize
*DefaultImageableArea: A4
*ImageableArea A4: "0 0 595 842"
*DefaultPaperDimension: A4
*PaperDimension A4: "595 842"
`;

export interface PrivateCups {
  /** The scheduler's socket: the value for CUPS_SERVER. */
  server: string;
  /** Environment for CUPS clients: CUPS_SERVER set, no user default printer from elsewhere. */
  env: NodeJS.ProcessEnv;
  /** The queue's name and the file its device writes. */
  queue: string;
  outFile: string;
  /** Run a CUPS client against this scheduler; throws with its output when it fails. */
  run(tool: string, args: string[]): string;
  /** Resolves when `check` returns a value, re-checking whenever cupsd writes; rejects after `boundMs`. */
  waitFor<T>(what: string, check: () => T | undefined, boundMs?: number): Promise<T>;
  /** The end of the scheduler's error log (for a failing assertion's message). */
  log(): string;
  stop(): Promise<void>;
}

export async function startPrivateCups(dir: string, queue = 'receipts'): Promise<PrivateCups> {
  mkdirSync(dir, { recursive: true });
  // Filters run as cupsd's unprivileged user when cupsd runs as root: they must reach the
  // folder (mkdtemp makes it 0700), tmp and out.
  chmodSync(dir, 0o755);
  const folders = ['spool', 'cache', 'state', 'tmp', 'log', 'out', 'home'].map((f) => path.join(dir, f));
  for (const f of folders) mkdirSync(f, { recursive: true });
  chmodSync(path.join(dir, 'tmp'), 0o1777);
  chmodSync(path.join(dir, 'out'), 0o777);
  const server = path.join(dir, 'cups.sock');
  const outFile = path.join(dir, 'out', `${queue}.pdf`);
  writeFileSync(path.join(dir, 'cupsd.conf'), [
    `Listen ${server}`,
    'LogLevel info',
    'WebInterface No',
    'Browsing No',
    'DefaultAuthType None',
    '<Location />',
    '  Order allow,deny',
    '  Allow all',
    '</Location>',
    '<Policy default>',
    '  <Limit All>',
    '    Order allow,deny',
    '    Allow all',
    '  </Limit>',
    '</Policy>',
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'cups-files.conf'), [
    'FileDevice Yes',
    `ServerRoot ${dir}`,
    `RequestRoot ${path.join(dir, 'spool')}`,
    `CacheDir ${path.join(dir, 'cache')}`,
    `StateDir ${path.join(dir, 'state')}`,
    `TempDir ${path.join(dir, 'tmp')}`,
    `ErrorLog ${path.join(dir, 'log', 'error_log')}`,
    `AccessLog ${path.join(dir, 'log', 'access_log')}`,
    `PageLog ${path.join(dir, 'log', 'page_log')}`,
    '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'receipt-pdf.ppd'), PDF_PPD);

  const env: NodeJS.ProcessEnv = { ...process.env, CUPS_SERVER: server, HOME: path.join(dir, 'home'), LC_ALL: 'C', LANG: 'C' };
  delete env['LPDEST'];
  delete env['PRINTER'];

  let stderr = '';
  const daemon: ChildProcess = spawn(cupsTool(CUPS_TOOLS.cupsd), ['-f', '-c', path.join(dir, 'cupsd.conf'), '-s', path.join(dir, 'cups-files.conf')], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  daemon.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const run = (tool: string, args: string[]): string => {
    const r = spawnSync(cupsTool(tool), args, { env, encoding: 'utf8' });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };

  const waitFor = <T>(what: string, check: () => T | undefined, boundMs = 30_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const watchers: FSWatcher[] = [];
      let last = '';
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(bound);
        for (const w of watchers) w.close();
        fn();
      };
      let queued = false;
      // Many writes come at once: one check for each burst.
      const schedule = (): void => {
        if (queued || settled) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          attempt();
        });
      };
      const attempt = (): void => {
        if (settled) return;
        if (gone) return finish(() => reject(new Error(`cupsd exited while waiting for ${what}: ${stderr}`)));
        try {
          const v = check();
          if (v !== undefined) finish(() => resolve(v));
        } catch (e) {
          last = e instanceof Error ? e.message : String(e);
        }
      };
      const bound = setTimeout(() => finish(() => reject(new Error(`no ${what} within ${boundMs} ms (last: ${last || 'nothing'}; cupsd: ${stderr || 'quiet'})`))), boundMs);
      // What cupsd does shows up as a write in one of these folders (socket, printers, job files,
      // output). Not the log folder: every lpstat of a check is logged there, which would check again.
      for (const f of [dir, ...folders.filter((f) => path.basename(f) !== 'log' && path.basename(f) !== 'home')]) watchers.push(watch(f, schedule));
      void exited.then(schedule);
      attempt();
    });

  const stop = async (): Promise<void> => {
    if (!gone) {
      daemon.kill('SIGTERM');
      await exited;
    }
  };

  try {
    await waitFor('running scheduler', () => (existsSync(server) && /scheduler is running/.test(run(CUPS_TOOLS.lpstat, ['-r'])) ? true : undefined));
    // The device file exists beforehand: cupsd writes into it, it does not create it.
    writeFileSync(outFile, '');
    chmodSync(outFile, 0o666);
    run(CUPS_TOOLS.lpadmin, ['-p', queue, '-E', '-v', `file://${outFile}`, '-P', path.join(dir, 'receipt-pdf.ppd')]);
    await waitFor(`queue ${queue}`, () => (run(CUPS_TOOLS.lpstat, ['-e']).split(/\s+/).includes(queue) ? true : undefined));
  } catch (e) {
    await stop();
    throw e;
  }
  const log = (): string => {
    try {
      return readFileSync(path.join(dir, 'log', 'error_log'), 'utf8').split('\n').filter((l) => /^E |Job \d+\]/.test(l)).slice(-20).join('\n');
    } catch {
      return 'no error_log';
    }
  };
  return { server, env, queue, outFile, run, waitFor, log, stop };
}
