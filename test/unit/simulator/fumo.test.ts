import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DmTree } from '../../../src/simulator/tree';
import { FumoObject, FUMO_URN } from '../../../src/simulator/fumo';
import { DeviceStateStore, initialFumoState } from '../../../src/simulator/state';
import { FaultSet, type Fault } from '../../../src/simulator/faults';
import type { ClientHandler, CommandReply, LargeObjectSink } from '../../../src/core/session/client-api';
import { makeBundle, makeKeys, sendLarge, tempDir } from './helpers';
import { fileGone } from '../../support/files';

const keys = makeKeys();
const otherKeys = makeKeys();
const ROOT = './ManagedObjects/FUMO/x';

function harness(faults: Fault[] = [], fw = '1.0.3', publicKey = keys.publicKey) {
  const dir = tempDir('fumo-');
  const { store } = DeviceStateStore.open(dir, () => ({
    version: 1,
    devId: 'IMEI:1',
    model: 'RD-100',
    fwVersion: fw,
    swVersion: fw,
    hwVersion: 'h',
    fumo: initialFumoState(),
    pendingAlerts: [],
    accounts: [],
    boots: 0,
  }));
  const tree = new DmTree();
  const fs = new FaultSet(faults);
  let disconnects = 0;
  let scheduled = 0;
  const fumo = new FumoObject(tree, ROOT, store, {
    device: () => ({ model: 'RD-100', fwVersion: store.state.fwVersion }),
    publicKey,
    faults: fs,
    disconnect: () => disconnects++,
    workScheduled: () => scheduled++,
  });
  const handler: ClientHandler = {
    get: (u) => Promise.resolve(tree.get('kiosk', u)),
    replace: (u, d, m) => Promise.resolve({ status: tree.replace('kiosk', u, d, m) }),
    add: (u, d, m) => Promise.resolve({ status: tree.add('kiosk', u, d, m) }),
    delete: (u) => Promise.resolve({ status: tree.delete('kiosk', u) }),
    exec: async (u, o) => ({ status: await tree.exec('kiosk', u, o) }),
    beginLargeObject: (): Promise<LargeObjectSink | CommandReply> => fumo.beginPackage(0),
    userInteraction: () => Promise.resolve({ status: 406 }),
  };
  handler.beginLargeObject = (_u, size) => fumo.beginPackage(size);
  const state = (): number => Number(tree.text(`${ROOT}/State`));
  return { dir, store, tree, fumo, handler, state, faults: fs, disconnects: () => disconnects, scheduled: () => scheduled };
}

async function installed(h: ReturnType<typeof harness>, bytes: Uint8Array, correlator = 'corr-1'): Promise<void> {
  expect(await sendLarge(h.handler, `${ROOT}/Update/PkgData`, bytes)).toBe(200);
  expect(h.state()).toBe(40);
  expect((await h.handler.exec(`${ROOT}/Update`, { correlator })).status).toBe(202);
  // Accepted for later processing: the update is progressing (50 would wait for an Exec).
  expect(h.state()).toBe(60);
}

describe('FUMO MO', () => {
  it('sits at the profile path with the FUMO URN as its Type', () => {
    const h = harness();
    expect(h.tree.get('kiosk', `${ROOT}?prop=Type`).values[0]?.data).toBe(FUMO_URN);
    expect(h.state()).toBe(10);
    expect(h.tree.get('kiosk', `${ROOT}/Update/PkgData`).status).toBe(405); // Replace only
    expect(h.tree.delete('kiosk', `${ROOT}/State`)).toBe(405);
  });

  it('download by Replace: 10 -> 30 while receiving -> 40, the package on disk byte for byte', async () => {
    const h = harness();
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
    const sink = (await h.fumo.beginPackage(bytes.length)) as LargeObjectSink;
    expect(h.state()).toBe(30);
    await sink.write(bytes.subarray(0, 1000));
    expect(h.tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('1000');
    await sink.write(bytes.subarray(1000));
    expect((await sink.finish()).status).toBe(200);
    expect(h.state()).toBe(40);
    expect(new Uint8Array(readFileSync(h.store.packagePath))).toEqual(bytes);
  });

  it('an abandoned object gives 20 (download failed)', async () => {
    const h = harness();
    const sink = (await h.fumo.beginPackage(100)) as LargeObjectSink;
    await sink.write(new Uint8Array(10));
    await sink.abort('session ended');
    expect(h.state()).toBe(20);
  });

  it('Exec Update without a package is refused (405); with one it is accepted (202)', async () => {
    const h = harness();
    expect((await h.handler.exec(`${ROOT}/Update`, {})).status).toBe(405);
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
    await installed(h, bytes);
    expect(h.scheduled()).toBe(1);
  });

  it('a good package: 50 -> 60 -> reboot -> FwV = target, 100, alert 200 with the Correlator', async () => {
    const h = harness();
    const { bytes, manifest } = makeBundle(keys.privateKey, keys.publicKey, { targetVersion: '1.2.0' });
    await installed(h, bytes, 'job-42');
    expect(await h.fumo.prepareInstall()).toBe('reboot');
    expect(h.state()).toBe(60);
    let applied = '';
    expect(h.fumo.completeAfterReboot((v) => (applied = v))).toBe(200);
    expect(applied).toBe(manifest.targetVersion);
    expect(h.state()).toBe(100);
    expect(h.store.state.pendingAlerts).toEqual([
      {
        type: 'org.openmobilealliance.dm.firmwareupdate.update',
        format: 'int',
        mark: 'informational',
        sourceURI: ROOT,
        data: '200',
        correlator: 'job-42',
      },
    ]);
    // The device removes the installed package in the background.
    await fileGone(h.store.packagePath);
    expect(existsSync(h.store.packagePath)).toBe(false);
  });

  const failures: [string, () => { bytes: Uint8Array; faults?: Fault[]; fw?: string }, number][] = [
    [
      'a corrupted payload gives 402',
      () => {
        const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
        const bad = bytes.slice();
        bad[bad.length - 200] = (bad[bad.length - 200] ?? 0) ^ 0x01;
        return { bytes: bad };
      },
      402,
    ],
    ['a signature by another key gives 404', () => ({ bytes: makeBundle(otherKeys.privateKey, otherKeys.publicKey).bytes }), 404],
    ['a package for another model gives 403', () => ({ bytes: makeBundle(keys.privateKey, keys.publicKey, { models: ['RD-999'] }).bytes }), 403],
    ['a package for another version gives 403', () => ({ bytes: makeBundle(keys.privateKey, keys.publicKey).bytes, fw: '2.0.0' }), 403],
    ['a chunk corrupted in transit gives 402', () => ({ bytes: makeBundle(keys.privateKey, keys.publicKey).bytes, faults: [{ kind: 'corrupt-chunk', chunk: 3 }] }), 402],
    ['a truncated file gives 402', () => ({ bytes: makeBundle(keys.privateKey, keys.publicKey).bytes.subarray(0, 3000) }), 402],
  ];

  for (const [name, make, result] of failures) {
    it(`${name}, state 80 and no data kept`, async () => {
      const { bytes, faults, fw } = make();
      const h = harness(faults ?? [], fw);
      await installed(h, bytes, 'c');
      expect(await h.fumo.prepareInstall()).toBe('failed');
      expect(h.state()).toBe(80);
      expect(h.store.state.pendingAlerts[0]).toMatchObject({ data: String(result), correlator: 'c', mark: 'critical', sourceURI: ROOT });
      expect(existsSync(h.store.packagePath)).toBe(false);
      expect(h.store.state.fwVersion).toBe(fw ?? '1.0.3');
    });
  }

  it('install failure after the reboot gives 410 and state 70 (the package kept for a retry)', async () => {
    const h = harness([{ kind: 'install-fail' }]);
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
    await installed(h, bytes);
    expect(await h.fumo.prepareInstall()).toBe('reboot');
    expect(h.fumo.completeAfterReboot(() => expect.unreachable())).toBe(410);
    expect(h.state()).toBe(70);
    expect(existsSync(h.store.packagePath)).toBe(true);
    // 70 = have data: the server may Exec Update again.
    expect((await h.handler.exec(`${ROOT}/Update`, {})).status).toBe(202);
  });

  it('the user refusing on the phone gives 401 and state 70', async () => {
    const h = harness();
    await installed(h, makeBundle(keys.privateKey, keys.publicKey).bytes);
    h.fumo.cancelInstall(401);
    expect(h.state()).toBe(70);
    expect(h.store.state.pendingAlerts[0]?.data).toBe('401');
  });

  it('disconnect-at:N keeps exactly N bytes, pulls the cable, state 20', async () => {
    const h = harness([{ kind: 'disconnect-at', byte: 20_000 }]);
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
    await expect(sendLarge(h.handler, `${ROOT}/Update/PkgData`, bytes, 8192)).rejects.toThrow(/disconnect-at/);
    expect(h.disconnects()).toBe(1);
    expect(h.state()).toBe(20);
    expect(statSync(h.store.packagePath).size).toBe(20_000);
    expect(h.tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('20000');
  });

  it('after a restart mid-download the state reports 20 with the bytes it holds', async () => {
    const h = harness();
    const sink = (await h.fumo.beginPackage(100_000)) as LargeObjectSink;
    await sink.write(new Uint8Array(5000));
    // The simulator dies here: more bytes may have hit the disk than the state recorded.
    writeFileSync(h.store.packagePath, new Uint8Array(7000));
    const reopened = DeviceStateStore.open(h.dir, () => ({ ...h.store.state, fumo: initialFumoState() }));
    expect(reopened.resumed).toBe(true);
    const tree = new DmTree();
    const fumo = new FumoObject(tree, ROOT, reopened.store, {
      device: () => ({ model: 'RD-100', fwVersion: '1.0.3' }),
      publicKey: keys.publicKey,
      faults: new FaultSet(),
      disconnect: () => undefined,
      workScheduled: () => undefined,
    });
    await fumo.recoverAfterRestart();
    expect(tree.text(`${ROOT}/State`)).toBe('20');
    expect(tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('5000');
    expect(statSync(reopened.store.packagePath).size).toBe(5000);
  });

  describe('resume of a cut PkgData transfer', () => {
    const PKG = `${ROOT}/Update/PkgData`;

    /** Send `bytes` from `from` on to an already opened sink, as the session engine would. */
    async function feed(sink: LargeObjectSink, bytes: Uint8Array, from: number, chunk = 8192): Promise<number> {
      for (let o = from; o < bytes.length; o += chunk) await sink.write(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
      return (await sink.finish()).status;
    }

    /** A phone holding the first `cut` bytes of `bytes` after a pulled cable (state 20). */
    async function cutAt(cut: number, bytes: Uint8Array, pkgId?: string) {
      const h = harness([{ kind: 'disconnect-at', byte: cut }]);
      if (pkgId !== undefined) expect((await h.handler.replace(`${ROOT}/Ext/PkgId`, pkgId, { format: 'chr' })).status).toBe(200);
      await expect(sendLarge(h.handler, PKG, bytes, 8192)).rejects.toThrow(/disconnect-at/);
      expect(h.state()).toBe(20);
      return h;
    }

    it('continues at the bytes held when asked, with the same size: appends, completes and installs', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const h = await cutAt(20_000, bytes);
      expect(h.tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('20000');
      const sink = (await h.fumo.beginPackage(bytes.length, { resume: true })) as LargeObjectSink;
      expect(sink.resumeOffset).toBe(20_000);
      expect(h.state()).toBe(30);
      expect(await feed(sink, bytes, 20_000)).toBe(200);
      expect(h.state()).toBe(40);
      expect(Buffer.compare(readFileSync(h.store.packagePath), Buffer.from(bytes))).toBe(0);
      expect((await h.handler.exec(`${ROOT}/Update`, { correlator: 'c' })).status).toBe(202);
      expect(await h.fumo.prepareInstall()).toBe('reboot');
    });

    it('starts over at 0 when the server does not ask to continue (a fresh transfer)', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const h = await cutAt(20_000, bytes);
      const sink = (await h.fumo.beginPackage(bytes.length)) as LargeObjectSink;
      expect(sink.resumeOffset).toBeUndefined();
      expect(statSync(h.store.packagePath).size).toBe(0);
      expect(await feed(sink, bytes, 0)).toBe(200);
      expect(Buffer.compare(readFileSync(h.store.packagePath), Buffer.from(bytes))).toBe(0);
    });

    it('starts over at 0 when the announced size differs', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const other = makeBundle(keys.privateKey, keys.publicKey, { payload: new Uint8Array(60_000).fill(3) }).bytes;
      const h = await cutAt(20_000, bytes);
      const sink = (await h.fumo.beginPackage(other.length, { resume: true })) as LargeObjectSink;
      expect(sink.resumeOffset).toBeUndefined();
      expect(await feed(sink, other, 0)).toBe(200);
      expect(Buffer.compare(readFileSync(h.store.packagePath), Buffer.from(other))).toBe(0);
    });

    it('offers the bytes only for the same PkgId; another package sees 0 and starts over', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const h = await cutAt(20_000, bytes, 'sha-a');
      expect(h.tree.text(`${ROOT}/Ext/PkgId`)).toBe('sha-a');
      h.fumo.sessionStarted();
      expect((await h.handler.replace(`${ROOT}/Ext/PkgId`, 'sha-b', { format: 'chr' })).status).toBe(200);
      expect(h.tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('0');
      const sink = (await h.fumo.beginPackage(bytes.length, { resume: true })) as LargeObjectSink;
      expect(sink.resumeOffset).toBeUndefined();
      await sink.abort('test');
      expect(h.tree.text(`${ROOT}/Ext/PkgId`)).toBe('sha-b');
    });

    it('the same PkgId continues', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const h = await cutAt(30_000, bytes, 'sha-a');
      h.fumo.sessionStarted();
      expect((await h.handler.replace(`${ROOT}/Ext/PkgId`, 'sha-a', { format: 'chr' })).status).toBe(200);
      expect(h.tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('30000');
      const sink = (await h.fumo.beginPackage(bytes.length, { resume: true })) as LargeObjectSink;
      expect(sink.resumeOffset).toBe(30_000);
      expect(await feed(sink, bytes, 30_000)).toBe(200);
      expect(Buffer.compare(readFileSync(h.store.packagePath), Buffer.from(bytes))).toBe(0);
    });

    it('keeps the partial package across a simulator restart and continues from what was recorded', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const h = harness();
      const first = (await h.fumo.beginPackage(bytes.length)) as LargeObjectSink;
      await first.write(bytes.subarray(0, 12_000));
      // Killed mid-write: the file holds more than the state recorded.
      writeFileSync(h.store.packagePath, bytes.subarray(0, 15_000));
      const reopened = DeviceStateStore.open(h.dir, () => ({ ...h.store.state, fumo: initialFumoState() }));
      const tree = new DmTree();
      const fumo = new FumoObject(tree, ROOT, reopened.store, {
        device: () => ({ model: 'RD-100', fwVersion: '1.0.3' }),
        publicKey: keys.publicKey,
        faults: new FaultSet(),
        disconnect: () => undefined,
        workScheduled: () => undefined,
      });
      await fumo.recoverAfterRestart();
      expect(tree.text(`${ROOT}/State`)).toBe('20');
      expect(tree.text(`${ROOT}/Ext/ReceivedBytes`)).toBe('12000');
      const sink = (await fumo.beginPackage(bytes.length, { resume: true })) as LargeObjectSink;
      expect(sink.resumeOffset).toBe(12_000);
      expect(await feed(sink, bytes, 12_000)).toBe(200);
      expect(Buffer.compare(readFileSync(reopened.store.packagePath), Buffer.from(bytes))).toBe(0);
      await first.abort('the killed simulator');
    });

    it('a wrong continuation can never install: the SHA-256 check refuses it (402, state 80)', async () => {
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const h = await cutAt(20_000, bytes);
      const sink = (await h.fumo.beginPackage(bytes.length, { resume: true })) as LargeObjectSink;
      const wrong = new Uint8Array(bytes);
      wrong[25_000] = (wrong[25_000] ?? 0) ^ 0x55;
      expect(await feed(sink, wrong, 20_000)).toBe(200);
      expect((await h.handler.exec(`${ROOT}/Update`, { correlator: 'c' })).status).toBe(202);
      expect(await h.fumo.prepareInstall()).toBe('failed');
      expect(h.state()).toBe(80);
      expect(h.store.state.pendingAlerts.at(-1)?.data).toBe('402');
    });
  });

  describe('alternate download over HTTP', () => {
    let server: Server | undefined;
    afterEach(() => {
      server?.close();
      server = undefined;
    });

    async function serve(body: Uint8Array): Promise<string> {
      server = createServer((req, res) => {
        if (req.url === '/pkg.fumo') {
          res.writeHead(200, { 'content-length': body.length });
          res.end(Buffer.from(body));
        } else {
          res.writeHead(404).end();
        }
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    it('Exec Download fetches PkgURL: 202, then 40 and a download alert 200', async () => {
      const h = harness();
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const base = await serve(bytes);
      expect((await h.handler.exec(`${ROOT}/Download`, {})).status).toBe(405); // no URL yet
      expect((await h.handler.replace(`${ROOT}/Download/PkgURL`, `${base}/pkg.fumo`, { format: 'chr' })).status).toBe(200);
      expect((await h.handler.exec(`${ROOT}/Download`, { correlator: 'dl' })).status).toBe(202);
      await h.fumo.idle();
      expect(h.state()).toBe(40);
      expect(new Uint8Array(readFileSync(h.store.packagePath))).toEqual(bytes);
      expect(h.store.state.pendingAlerts[0]).toMatchObject({ type: 'org.openmobilealliance.dm.firmwareupdate.download', data: '200', correlator: 'dl' });
    });

    it('DownloadAndUpdate fetches and schedules the install; a missing file gives 20 and 411', async () => {
      const h = harness();
      const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
      const base = await serve(bytes);
      await h.handler.replace(`${ROOT}/DownloadAndUpdate/PkgURL`, `${base}/pkg.fumo`, undefined);
      expect((await h.handler.exec(`${ROOT}/DownloadAndUpdate`, { correlator: 'du' })).status).toBe(202);
      await h.fumo.idle();
      expect(h.state()).toBe(50);
      expect(h.fumo.hasScheduledInstall()).toBe(true);
      expect(await h.fumo.prepareInstall()).toBe('reboot');
      h.fumo.completeAfterReboot(() => undefined);
      expect(h.store.state.pendingAlerts[0]).toMatchObject({ type: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate', data: '200', correlator: 'du' });

      const h2 = harness();
      await h2.handler.replace(`${ROOT}/Download/PkgURL`, `${base}/missing`, undefined);
      expect((await h2.handler.exec(`${ROOT}/Download`, {})).status).toBe(202);
      await h2.fumo.idle();
      expect(h2.state()).toBe(20);
      expect(h2.store.state.pendingAlerts[0]?.data).toBe('411');
    });
  });
});
