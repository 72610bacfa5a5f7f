/**
 * The two-terminal setup with real processes: `fumo-kiosk simulate` in one, `fumo-kiosk update`
 * in the other. The kiosk process is killed (SIGKILL) in the middle of a download and started
 * again on the same data folder: it finds the job in its journal and completes it; the history
 * stays intact and verifiable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';

const root = mkdtempSync(path.join(tmpdir(), 'fumo-kill-'));
const env = { ...process.env, FUMO_SIM_REGISTRY: path.join(root, 'registry') };
const cli = path.resolve(__dirname, '../../../src/main/cli/index.ts');
const children: ChildProcess[] = [];

function start(args: string[]): ChildProcess {
  // One process per command (node with the tsx loader), so SIGKILL ends the kiosk itself.
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: path.resolve(__dirname, '../../..') });
  children.push(child);
  return child;
}

/** Resolves with the first stdout line that satisfies `test`. */
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

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = start(args);
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

describe('kiosk process killed mid-download', () => {
  it('restarted on the same data folder, it completes the job from its journal; history verifies', async () => {
    const data = path.join(root, 'kiosk');
    // 460 800 baud (46 kB/s): the 300 kB download takes several seconds.
    const sim = start(['simulate', '--devices', '1', '--model', 'FK-Demo Phone', '--fw', '1.0.0', '--faults', 'throttle:460800', '--reboot-ms', '300', '--state', path.join(root, 'phones')]);
    const simLine = await lineWhere(sim, (l) => l.startsWith('IMEI:'));
    const devId = simLine.split(' ')[0]!;

    const first = start(['update', '--all', '--demo', '--consent', 'operator', '--json', '--data', data, '--scan-ms', '500']);
    await lineWhere(first, (l) => {
      if (!l.startsWith('{')) return false;
      const o = JSON.parse(l) as { event: string; bytes?: number; total?: number };
      return o.event === 'progress' && o.bytes !== undefined && o.total !== undefined && o.bytes >= o.total / 4 && o.bytes < o.total;
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    // The journal holds the unfinished job; the history holds its open record.
    const mid = openStore(data);
    const unfinished = mid.journal.listUnfinished();
    const open = mid.audit.list();
    mid.close();
    expect(unfinished.map((j) => j.state)).toEqual(['downloading']);
    expect(open.map((r) => r.status)).toEqual(['open']);

    const second = await run(['update', '--all', '--demo', '--consent', 'operator', '--json', '--data', data, '--scan-ms', '500']);
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

    // The phone itself reports the new version.
    const listed = await run(['devices', '--demo', '--json', '--data', data, '--scan-ms', '500']);
    const devices = JSON.parse(listed.stdout) as Array<{ devId: string; fwVersion: string }>;
    expect(devices.find((d) => d.devId.endsWith(devId.slice(-4)))?.fwVersion).toBe('1.1.0');

    // One attempt, one record, completed by the restarted kiosk; the chain verifies.
    const after = openStore(data);
    try {
      const records = after.audit.list();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ id: open[0]!.id, status: 'complete', result: 'success', fumoResultCode: 200, finalVersion: '1.1.0' });
      expect(after.journal.listUnfinished()).toHaveLength(0);
    } finally {
      after.close();
    }
    const verify = await run(['history', 'verify', '--data', data]);
    expect(verify.code).toBe(0);
    sim.kill('SIGTERM');
  });
});
