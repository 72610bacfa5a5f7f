/**
 * The two-terminal setup with real processes: `fumo-kiosk simulate --trace` in one, `fumo-kiosk
 * update` in the other. The kiosk process is killed (SIGKILL) at three points, each time started
 * again once on the same data folder: at about 30 % and about 90 % of the download (counted on
 * the phone's side: the bytes it stored), and after the phone accepted the Exec, before its 1226
 * reached the kiosk. The restarted kiosk brings the phone back from the dead kiosk's session,
 * continues from the bytes the phone holds and ends `done`; the phone received at most one
 * message twice, and the history counts exactly the bytes the phone received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';

const root = mkdtempSync(path.join(tmpdir(), 'fumo-kill-'));
const cli = path.resolve(__dirname, '../../../src/main/cli/index.ts');
const children: ChildProcess[] = [];

interface Trace {
  trace: string;
  offset?: number;
  bytes?: number;
  size?: number;
  status?: number;
  results?: Array<string | null>;
  ok?: boolean;
}

function start(args: string[], registry: string): ChildProcess {
  // One process per command (node with the tsx loader), so SIGKILL ends the kiosk itself.
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, FUMO_SIM_REGISTRY: registry },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: path.resolve(__dirname, '../../..'),
  });
  children.push(child);
  return child;
}

/** Calls `onLine` for every stdout line of `child`. */
function eachLine(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stdout?.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      onLine(line);
    }
  });
}

function run(args: string[], registry: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = start(args, registry);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
});

/** Messages whose package bytes the phone had stored already (a re-sent message). */
function resentMessages(traces: Trace[]): number {
  let end = 0;
  let resent = 0;
  for (const t of traces) {
    if (t.trace !== 'package-bytes' || t.offset === undefined || t.bytes === undefined) continue;
    if (t.offset < end) resent++;
    end = Math.max(end, t.offset + t.bytes);
  }
  return resent;
}

type KillPoint = { name: string; journaled: string; when: (t: Trace) => boolean };

const POINTS: KillPoint[] = [
  {
    name: 'at about 30 % of the download',
    journaled: 'downloading',
    when: (t) => t.trace === 'package-bytes' && t.offset! + t.bytes! >= 0.3 * t.size!,
  },
  {
    name: 'at about 90 % of the download',
    journaled: 'downloading',
    when: (t) => t.trace === 'package-bytes' && t.offset! + t.bytes! >= 0.9 * t.size! && t.offset! + t.bytes! < t.size!,
  },
  { name: 'after the Exec, before the 1226', journaled: 'installing', when: (t) => t.trace === 'exec' && t.status === 202 },
];

describe('kiosk process killed and restarted once', () => {
  it.each(POINTS)('$name: the restarted kiosk ends done, at most one message re-sent, the bytes counted as received', async (point) => {
    const dir = mkdtempSync(path.join(root, 'case-'));
    const registry = path.join(dir, 'registry');
    const data = path.join(dir, 'kiosk');
    // 460 800 baud (46 kB/s) and 16 KiB messages: the 300 kB download is about 19 messages. A
    // 2 s reboot keeps the phone's result from reaching the first kiosk before it is killed.
    const sim = start(
      ['simulate', '--trace', '--devices', '1', '--model', 'FK-Demo Phone', '--fw', '1.0.0', '--faults', 'throttle:460800', '--max-msg-size', '16384', '--reboot-ms', '2000', '--state', path.join(dir, 'phones')],
      registry,
    );
    const traces: Trace[] = [];
    const traceWaiters: Array<(t: Trace) => void> = [];
    let devId = '';
    const simReady = new Promise<void>((resolve) => {
      eachLine(sim, (line) => {
        if (line.startsWith('IMEI:') && !devId) {
          devId = line.split(' ')[0]!;
          resolve();
        }
        if (!line.startsWith('{')) return;
        const t = JSON.parse(line) as Trace;
        traces.push(t);
        for (const w of [...traceWaiters]) w(t);
      });
    });
    const traceWhere = (test: (t: Trace) => boolean): Promise<Trace> =>
      new Promise((resolve) => {
        const found = traces.find(test);
        if (found) return resolve(found);
        const w = (t: Trace): void => {
          if (!test(t)) return;
          traceWaiters.splice(traceWaiters.indexOf(w), 1);
          resolve(t);
        };
        traceWaiters.push(w);
      });
    await simReady;

    const args = ['update', '--all', '--demo', '--consent', 'operator', '--json', '--data', data, '--scan-ms', '500'];
    const first = start(args, registry);
    const firstExit = new Promise((r) => first.once('exit', r));
    const killed = await Promise.race([traceWhere(point.when).then(() => true), firstExit.then(() => false)]);
    expect(killed, 'the first kiosk ended before the kill point').toBe(true);
    first.kill('SIGKILL');
    await firstExit;

    // The journal holds the unfinished job; the history holds its open record.
    const mid = openStore(data);
    const unfinished = mid.journal.listUnfinished();
    const open = mid.audit.list();
    mid.close();
    expect(unfinished.map((j) => j.state)).toEqual([point.journaled]);
    expect(open.map((r) => r.status)).toEqual(['open']);

    const second = await run(args, registry);
    // Nothing but the DM endpoint's address on standard error.
    expect(second.stderr.replace(/^DM endpoint: \S+\n/gm, '')).toBe('');
    expect(second.code, second.stdout).toBe(0);
    const results = second.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; state?: string; finalVersion?: string; jobId?: string })
      .filter((o) => o.event === 'result');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ state: 'done', finalVersion: '1.1.0', jobId: unfinished[0]!.jobId });

    // The phone installed once and reported its result once (to whichever kiosk was there).
    expect(traces.filter((t) => t.trace === 'exec' && t.status === 202)).toHaveLength(1);
    expect(traces.filter((t) => t.trace === 'session-end' && t.ok === true).flatMap((t) => t.results ?? [])).toEqual(['200']);
    expect(resentMessages(traces)).toBeLessThanOrEqual(1);
    const received = traces.filter((t) => t.trace === 'package-bytes').reduce((n, t) => n + t.bytes!, 0);

    // One attempt, one record, completed by the restarted kiosk, with the bytes really sent; the chain verifies.
    const after = openStore(data);
    try {
      const records = after.audit.list();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ id: open[0]!.id, status: 'complete', result: 'success', fumoResultCode: 200, finalVersion: '1.1.0' });
      expect(records[0]!.bytesSent).toBe(received);
      expect(received).toBeGreaterThanOrEqual(traces.find((t) => t.trace === 'package-bytes')!.size!);
      expect(after.journal.listUnfinished()).toHaveLength(0);
    } finally {
      after.close();
    }
    const verify = await run(['history', 'verify', '--data', data], registry);
    expect(verify.code).toBe(0);

    // The phone itself reports the new version.
    const listed = await run(['devices', '--demo', '--json', '--data', data, '--scan-ms', '500'], registry);
    const devices = JSON.parse(listed.stdout) as Array<{ devId: string; fwVersion: string }>;
    expect(devices.find((d) => d.devId.endsWith(devId.slice(-4)))?.fwVersion).toBe('1.1.0');
    sim.kill('SIGTERM');
    await new Promise((r) => sim.once('exit', r));
  });
});
