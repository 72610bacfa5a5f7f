/**
 * Phones that speak DM over HTTP, updated from the command line with real processes:
 *   terminal 1: fumo-kiosk simulate --link http --devices 3 --server http://127.0.0.1:PORT/dm
 *   terminal 2: fumo-kiosk update --all --demo --consent operator --dm-listen 127.0.0.1:PORT
 * The phones start first and call the address until the kiosk answers there; each job takes
 * the next session its phone opens (the phones poll, nothing can notify them), across the reboot.
 * TMPDIR and FUMO_SIM_REGISTRY point at a private folder so nothing else on the machine is seen.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';
import { childLines } from '../../support/child-lines';
import { cliChildren } from '../../support/cli-children';

const { root, start, run, stop } = cliChildren('fumo-http-');

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

afterAll(() => {
  stop();
  rmSync(root, { recursive: true, force: true });
});

describe('update --all over HTTP', () => {
  it('three simulate --link http phones update to completion, twice (a new session for each job); simulate runs until it is interrupted', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/dm`;
    const sim = start(['simulate', '--link', 'http', '--devices', '3', '--server', url, '--reboot-ms', '300', '--state', path.join(root, 'phones')]);
    const out = childLines(sim);
    const phoneLine = /^(IMEI:\d+) (.+) fw (\S+) http (\S+)$/;
    await out.until((all) => all.filter((l) => phoneLine.test(l)).length >= 3, 'three phone lines');
    const phones = out.all.filter((l) => phoneLine.test(l)).map((l) => phoneLine.exec(l)!.slice(1, 5) as [string, string, string, string]);
    const ids = phones.map((p) => p[0]);
    expect(new Set(ids).size).toBe(3);
    for (const p of phones) expect(p.slice(1)).toEqual(['FK-Demo Phone', '1.0.0', url]);

    const data = path.join(root, 'kiosk');
    const update = await run(['update', '--all', '--demo', '--consent', 'operator', '--data', data, '--dm-listen', `127.0.0.1:${port}`, '--scan-ms', '5000']);
    expect(update.code, `${update.stdout}\n${update.stderr}`).toBe(0);
    expect(update.stderr).toContain(`DM endpoint: ${url}`);
    expect(update.stderr).toContain('catalogue empty: imported the DEMO catalogue');
    const updated = update.stdout.split('\n').filter((l) => l.endsWith('updated to 1.1.0'));
    expect(updated, update.stdout).toHaveLength(3);

    // Each phone rebooted into the new version and called in again with it.
    await out.until((all) => ids.every((id) => all.includes(`${id} rebooting`) && all.includes(`${id} FK-Demo Phone fw 1.1.0 http ${url}`)), 'every phone back on 1.1.0');

    // That kiosk is gone; the phones kept calling. A second run takes the next step of the demo
    // catalogue (1.1.0 -> 1.2.0) over a new session of each phone.
    const again = await run(['update', '--all', '--demo', '--consent', 'operator', '--data', data, '--dm-listen', `127.0.0.1:${port}`, '--scan-ms', '5000']);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.endsWith('updated to 1.2.0')), again.stdout).toHaveLength(3);
    await out.until((all) => ids.every((id) => all.includes(`${id} FK-Demo Phone fw 1.2.0 http ${url}`)), 'every phone back on 1.2.0');

    const store = openStore(data);
    try {
      const records = store.audit.list();
      expect(records).toHaveLength(6);
      for (const r of records) expect(r).toMatchObject({ status: 'complete', result: 'success', fumoResultCode: 200, linkKind: 'http' });
      const steps = records.map((r) => `${r.devId} ${r.fromVersion}->${r.finalVersion}`).sort();
      expect(steps).toEqual(ids.flatMap((id) => [`${id} 1.0.0->1.1.0`, `${id} 1.1.0->1.2.0`]).sort());
    } finally {
      store.close();
    }

    expect(sim.exitCode).toBeNull();
    const stopped = childLines(sim, sim.stderr);
    const exited = new Promise<number | null>((resolve) => sim.once('exit', (code) => resolve(code)));
    sim.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stopped.all).toContain('simulated phones stopped');
  });
});
