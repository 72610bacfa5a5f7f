/**
 * The two-terminal demo exactly as the README gives it, with real processes:
 *   terminal 1: fumo-kiosk simulate --devices 3
 *   terminal 2: fumo-kiosk update --all --consent operator --data <fresh dir>
 *               fumo-kiosk history verify --data <dir>
 * The phones' defaults must match the demo catalogue, and the fresh data folder imports it.
 * TMPDIR and FUMO_SIM_REGISTRY point at a private folder so nothing else on the machine is seen.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_HEADER_SIZE, parseBundleHeader } from '../../../src/core/catalog/bundle';
import { openStore } from '../../../src/main/store';
import { childLines } from '../../support/child-lines';
import { cliChildren } from '../../support/cli-children';

const repo = path.resolve(__dirname, '../../..');
const { root, start, run, stop } = cliChildren('fumo-demo-');

/** The demo catalogue's own manifests, read from the bundle files (not through the kiosk). */
function demoManifests(): Array<{ models: string[]; fromVersions: string[]; targetVersion: string }> {
  const dir = path.join(repo, 'resources/catalog');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.fumo'))
    .map((f) => {
      const bytes = readFileSync(path.join(dir, f));
      const header = parseBundleHeader(bytes.subarray(0, BUNDLE_HEADER_SIZE));
      return JSON.parse(bytes.subarray(BUNDLE_HEADER_SIZE, BUNDLE_HEADER_SIZE + header.manifestLength).toString('utf8')) as {
        models: string[];
        fromVersions: string[];
        targetVersion: string;
      };
    });
}

afterAll(() => {
  stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the two-terminal demo', () => {
  it('simulate --devices 3, then update --all on a fresh data folder: three phones on the new version, history verifies', async () => {
    const sim = start(['simulate', '--devices', '3']);
    const out = childLines(sim);
    const phoneLine = /^(IMEI:\d+) (.+) fw (\S+) serial /;
    await out.until((all) => all.filter((l) => phoneLine.test(l)).length >= 3);
    const phones = out.all.filter((l) => phoneLine.test(l)).map((l) => phoneLine.exec(l)!.slice(1, 4) as [string, string, string]);
    expect(new Set(phones.map((p) => p[0])).size).toBe(3);

    // Every phone is a model and version the demo catalogue has an update for.
    const manifests = demoManifests();
    const [, model, fw] = phones[0]!;
    for (const p of phones) expect([p[1], p[2]]).toEqual([model, fw]);
    const applicable = manifests.filter((m) => m.models.includes(model) && m.fromVersions.includes(fw));
    expect(applicable).toHaveLength(1);
    const target = applicable[0]!.targetVersion;
    expect(target).not.toBe(fw);

    const data = path.join(root, 'kiosk');
    const update = await run(['update', '--all', '--demo', '--consent', 'operator', '--data', data]);
    expect(update.code, `${update.stdout}\n${update.stderr}`).toBe(0);
    expect(update.stderr).toContain('catalogue empty: imported the DEMO catalogue');
    expect(update.stdout.split('\n').filter((l) => l.includes(`updated to ${target}`))).toHaveLength(3);

    // The phones themselves come back from their reboot running the target version.
    const ids = phones.map((p) => p[0]);
    await out.until((all) => ids.every((id) => all.some((l) => l.startsWith(`${id} `) && l.includes(` fw ${target} `))));

    const verify = await run(['history', 'verify', '--data', data]);
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);

    const store = openStore(data);
    try {
      const records = store.audit.list();
      expect(records).toHaveLength(3);
      for (const r of records) {
        expect(r).toMatchObject({ status: 'complete', result: 'success', fumoResultCode: 200, model, fromVersion: fw, finalVersion: target });
      }
      expect(new Set(records.map((r) => r.devId))).toEqual(new Set(ids));
    } finally {
      store.close();
    }

    // A second update on the same folder does not import again (the catalogue is no longer empty).
    const again = await run(['update', '--all', '--demo', '--consent', 'operator', '--data', data]);
    expect(again.stderr).not.toContain('imported the DEMO catalogue');
    sim.kill('SIGTERM');
  });
});
