/**
 * The DM endpoint over HTTPS, with a certificate authority and a server certificate made for
 * the test by the `openssl` command line, and real processes:
 *   terminal 1: NODE_EXTRA_CA_CERTS=ca.pem fumo-kiosk simulate --link http --devices 3 --server https://127.0.0.1:PORT/dm
 *   terminal 2: fumo-kiosk update --all --demo --consent operator --dm-listen 127.0.0.1:PORT --dm-cert server.pem --dm-key server.key
 * Also: where plain HTTP is refused (beyond loopback, unless marked as a cable's interface), and
 * what a client that does not trust the certificate meets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';
import { childLines } from '../../support/child-lines';
import { cliChildren } from '../../support/cli-children';
import { makeTestCa, type TestCa } from '../../support/test-ca';
import { haveTools } from '../../support/tools';

const here = 'test/integration/cli/update-https.test.ts';
const canRun = haveTools(here, ['openssl'], 'openssl', ['version']);

const caDir = mkdtempSync(path.join(tmpdir(), 'fumo-https-ca-'));
const ca: TestCa | undefined = canRun ? makeTestCa(caDir) : undefined;
const { root, start, run, stop } = cliChildren('fumo-https-', ca ? { NODE_EXTRA_CA_CERTS: ca.caCert } : {});

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

/** An IPv4 address of this machine beyond loopback, when it has one. */
function externalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

afterAll(() => {
  stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(caDir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('update --all over HTTPS', () => {
  it('three simulate --link http phones that trust the test CA update to completion over TLS 1.2 or later; simulate keeps running', async () => {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}/dm`;
    const sim = start(['simulate', '--link', 'http', '--devices', '3', '--server', url, '--reboot-ms', '300', '--state', path.join(root, 'phones')]);
    const out = childLines(sim);
    const phoneLine = /^(IMEI:\d+) FK-Demo Phone fw 1\.0\.0 http (\S+)$/;
    await out.until((all) => all.filter((l) => phoneLine.test(l)).length >= 3, 'three phone lines');
    const ids = out.all.filter((l) => phoneLine.test(l)).map((l) => phoneLine.exec(l)![1]!);
    expect(new Set(ids).size).toBe(3);

    const data = path.join(root, 'kiosk');
    const update = start(['update', '--all', '--demo', '--consent', 'operator', '--data', data, '--dm-listen', `127.0.0.1:${port}`, '--dm-cert', ca!.cert, '--dm-key', ca!.key, '--scan-ms', '5000']);
    const updateErr = childLines(update, update.stderr);
    const updateOut = childLines(update);
    const ended = new Promise<number | null>((resolve) => update.once('exit', (code) => resolve(code)));
    await updateErr.until((all) => all.includes(`DM endpoint: ${url}`), 'the https DM endpoint line');

    // While the kiosk runs: its endpoint speaks TLS 1.2 or later with the certificate made for it.
    const protocol = await new Promise<string | null>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca!.caCert), servername: 'localhost' }, () => {
        resolve(s.getProtocol());
        s.end();
      });
      s.once('error', reject);
    });
    expect(protocol).toMatch(/^TLSv1\.[23]$/);
    // TLS 1.1 and older are not spoken.
    const old = await new Promise<string>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(ca!.caCert), servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, () => {
        resolve(`connected with ${String(s.getProtocol())}`);
        s.end();
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(`refused: ${e.code ?? e.message}`));
    });
    expect(old).toMatch(/^refused: /);

    const code = await ended;
    expect(code, `${updateOut.all.join('\n')}\n${updateErr.all.join('\n')}`).toBe(0);
    expect(updateOut.all.filter((l) => l.endsWith('updated to 1.1.0')), updateOut.all.join('\n')).toHaveLength(3);
    await out.until((all) => ids.every((id) => all.includes(`${id} rebooting`) && all.includes(`${id} FK-Demo Phone fw 1.1.0 http ${url}`)), 'every phone back on 1.1.0');

    const store = openStore(data);
    try {
      const records = store.audit.list();
      expect(records).toHaveLength(3);
      for (const r of records) expect(r).toMatchObject({ status: 'complete', result: 'success', fumoResultCode: 200, linkKind: 'http', fromVersion: '1.0.0', finalVersion: '1.1.0' });
      expect(records.map((r) => r.devId).sort()).toEqual([...ids].sort());
    } finally {
      store.close();
    }
    expect(sim.exitCode).toBeNull();
    const exited = new Promise<number | null>((resolve) => sim.once('exit', (c) => resolve(c)));
    sim.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('a certificate without its key is refused with a clear error (exit 2)', async () => {
    const r = await run(['update', '--all', '--demo', '--data', path.join(root, 'k2'), '--dm-cert', ca!.cert, '--scan-ms', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HTTPS on the DM endpoint needs both --dm-cert FILE and --dm-key FILE');
  });
});

describe('plain HTTP beyond loopback', () => {
  it('all interfaces without a certificate: refused with a clear error, exit 2, nothing listens', async () => {
    const r = await run(['update', '--all', '--demo', '--data', path.join(root, 'k3'), '--dm-listen', '0.0.0.0:0', '--scan-ms', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the DM endpoint serves all interfaces (0.0.0.0) only over HTTPS');
    expect(r.stderr).not.toContain('DM endpoint: http');
  });

  const external = externalIPv4();
  it.skipIf(!external)('an address beyond loopback without the cable mark is refused; with --dm-cable it is served over plain HTTP', async () => {
    const refused = await run(['update', '--all', '--demo', '--data', path.join(root, 'k4'), '--dm-listen', `${external}:0`, '--scan-ms', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`the DM endpoint serves ${external} only over HTTPS`);
    expect(refused.stderr).toContain(`--dm-cable ${external}:0`);

    const marked = await run(['update', '--all', '--demo', '--data', path.join(root, 'k5'), '--dm-cable', `${external}:0`, '--scan-ms', '0']);
    expect(marked.stderr).toMatch(new RegExp(`DM endpoint: http://${external!.replace(/\./g, '\\.')}:\\d+/dm`));
    // It listened, and found no phone there (exit 5), rather than refusing the address (2).
    expect(marked.stderr).toContain('No phone is attached.');
    expect(marked.code, marked.stderr).toBe(5);
  });
});
