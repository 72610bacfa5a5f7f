/**
 * `fumo-kiosk update` as a technician runs it (real processes: `simulate` and `update`): each
 * exit code that `update --help` documents, from a run that produces it, and what the command
 * says about it in plain words, as text and as --json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RECONNECT_WAIT_S, UPDATE_EXIT } from '../../../src/main/cli/commands/update';
import { describeError } from '../../../src/shared/errors';

const root = mkdtempSync(path.join(tmpdir(), 'fumo-exit-'));
const cli = path.resolve(__dirname, '../../../src/main/cli/index.ts');
const children: ChildProcess[] = [];

function start(args: string[], registry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, FUMO_SIM_REGISTRY: registry },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: path.resolve(__dirname, '../../..'),
  });
  children.push(child);
  return child;
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves with the first stdout line of `child` that satisfies `test`. */
function lineWhere(child: ChildProcess, test: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (b: Buffer): void => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (test(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process ended (${code}) before the expected line`)));
  });
}

/** A fresh folder pair and one simulated phone (when `sim` is given), ready once it is listed. */
async function bench(sim?: string[]): Promise<{ registry: string; data: string; phone?: ChildProcess; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(root, 'case-'));
  const registry = path.join(dir, 'registry');
  const data = path.join(dir, 'kiosk');
  if (!sim) return { registry, data, stop: async () => undefined };
  const phone = start(['simulate', '--devices', '1', '--model', 'FK-Demo Phone', '--reboot-ms', '300', '--state', path.join(dir, 'phones'), ...sim], registry);
  await lineWhere(phone, (l) => l.startsWith('IMEI:'));
  return {
    registry,
    data,
    phone,
    stop: async () => {
      if (phone.exitCode !== null || phone.signalCode !== null) return;
      const gone = new Promise((r) => phone.once('exit', r));
      phone.kill('SIGTERM');
      await gone;
    },
  };
}

const update = (data: string, extra: string[] = []): string[] => ['update', '--all', '--demo', '--consent', 'operator', '--data', data, '--scan-ms', '500', ...extra];

interface JsonLine {
  event: string;
  state?: string;
  outcome?: string;
  code?: string;
  message?: string;
  error?: { code: string; message: string } | null;
}

function jsonLines(stdout: string): JsonLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JsonLine);
}

let help = '';

beforeAll(async () => {
  const r = await finished(start(['update', '--help'], path.join(root, 'no-registry')));
  expect(r.code).toBe(0);
  help = r.stdout;
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

/** The line of --help that documents `code`. */
function documented(code: number): string {
  const line = help.split('\n').find((l) => l.startsWith(`  ${code}  `));
  expect(line, `exit code ${code} is documented`).toBeDefined();
  return line!;
}

describe('update exit codes, each from a run that produces it', () => {
  it('--help documents exactly the codes the command uses', () => {
    const listed = help
      .split('\n')
      .map((l) => /^ {2}(\d) {2}/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined)
      .map(Number);
    expect(listed).toEqual(Object.values(UPDATE_EXIT).sort((a, b) => a - b));
    expect(help).toContain(`default ${DEFAULT_RECONNECT_WAIT_S}`);
  });

  it(`${UPDATE_EXIT.OK}: updated, in text and --json`, async () => {
    const b = await bench(['--fw', '1.0.0']);
    expect(documented(UPDATE_EXIT.OK)).toMatch(/updated/);
    const r = await finished(start(update(b.data, ['--json']), b.registry));
    expect(r.code, r.stdout).toBe(UPDATE_EXIT.OK);
    expect(jsonLines(r.stdout).filter((o) => o.event === 'result')).toEqual([expect.objectContaining({ state: 'done', outcome: 'updated', error: null })]);
    await b.stop();
  });

  it(`${UPDATE_EXIT.OK}: no update to install (the phone runs the newest), said in text`, async () => {
    const b = await bench(['--fw', '1.2.0']);
    expect(documented(UPDATE_EXIT.OK)).toMatch(/up to date/);
    const r = await finished(start(update(b.data), b.registry));
    expect(r.code, r.stdout).toBe(UPDATE_EXIT.OK);
    expect(r.stdout).toContain('up to date (1.2.0)');
    await b.stop();
  });

  it(`${UPDATE_EXIT.DECLINED}: declined on the phone, in plain words`, async () => {
    const b = await bench(['--fw', '1.0.0', '--user', 'no']);
    expect(documented(UPDATE_EXIT.DECLINED)).toMatch(/declined/);
    const r = await finished(start(update(b.data), b.registry));
    expect(r.code, r.stdout).toBe(UPDATE_EXIT.DECLINED);
    expect(r.stdout).toContain(`${describeError('DEVICE_DECLINED')} [DEVICE_DECLINED]`);
    await b.stop();
  });

  it(`${UPDATE_EXIT.FAILED}: the install failed on the phone, in text and --json`, async () => {
    const b = await bench(['--fw', '1.0.0', '--faults', 'install-fail']);
    expect(documented(UPDATE_EXIT.FAILED)).toMatch(/failed/);
    const r = await finished(start(update(b.data, ['--json']), b.registry));
    expect(r.code, r.stdout).toBe(UPDATE_EXIT.FAILED);
    const [result] = jsonLines(r.stdout).filter((o) => o.event === 'result');
    expect(result).toMatchObject({ state: 'failed', outcome: 'failed', error: { code: 'INSTALL_FAILED' } });
    expect(result!.error!.message).toMatch(/could not install the update .*previous version/);
    await b.stop();
  });

  for (const json of [true, false]) {
    it(`${UPDATE_EXIT.DISCONNECTED}: the cable pulled mid-download and not plugged back (${json ? '--json' : 'text'})`, async () => {
      // 460 800 baud: the download lasts seconds; the phone is unplugged for good (the simulator stops) once it holds some of it.
      const b = await bench(['--fw', '1.0.0', '--faults', 'throttle:460800', '--max-msg-size', '16384', '--trace']);
      expect(documented(UPDATE_EXIT.DISCONNECTED)).toMatch(/cable was pulled/);
      const run = start(update(b.data, ['--reconnect-wait', '1', ...(json ? ['--json'] : [])]), b.registry);
      const done = finished(run);
      await lineWhere(b.phone!, (l) => l.startsWith('{"trace":"package-bytes"'));
      await b.stop();
      const r = await done;
      expect(r.code, r.stdout + r.stderr).toBe(UPDATE_EXIT.DISCONNECTED);
      const said = describeError('CABLE_UNPLUGGED');
      if (json) {
        const lines = jsonLines(r.stdout);
        // Said when it happened, and in the result.
        expect(lines.filter((o) => o.event === 'problem')).toEqual([expect.objectContaining({ code: 'CABLE_UNPLUGGED', message: said })]);
        expect(lines.filter((o) => o.event === 'result')).toEqual([expect.objectContaining({ state: 'downloading', outcome: 'disconnected', error: expect.objectContaining({ code: 'CABLE_UNPLUGGED', message: said }) })]);
      } else {
        expect(r.stdout).toContain(`${said} [CABLE_UNPLUGGED]`);
        expect(r.stdout).toMatch(/stopped while downloading: The cable to the phone was disconnected/);
      }
    });
  }

  it(`${UPDATE_EXIT.NO_PHONE}: no phone attached`, async () => {
    const b = await bench();
    expect(documented(UPDATE_EXIT.NO_PHONE)).toMatch(/no phone/);
    const r = await finished(start(update(b.data), b.registry));
    expect(r.code).toBe(UPDATE_EXIT.NO_PHONE);
    expect(r.stderr).toContain('No phone is attached.');
  });

  it(`${UPDATE_EXIT.USAGE}: bad arguments`, async () => {
    expect(documented(UPDATE_EXIT.USAGE)).toMatch(/bad arguments/);
    const r = await finished(start(['update', '--all', '--reconnect-wait', 'soon'], path.join(root, 'no-registry')));
    expect(r.code).toBe(UPDATE_EXIT.USAGE);
    expect(r.stderr).toContain('--reconnect-wait takes a number of seconds');
  });
});
