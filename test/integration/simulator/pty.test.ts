/**
 * The reference device on a real pty pair, serving OBEX (SYNCML-DM target) as the profile's
 * OBEX server; the kiosk side opens the host end like a serial port and runs the real server
 * session engine over an OBEX client link. After the update the phone re-enumerates under a
 * new pty path and reports the result (1226 with the Correlator) there.
 */
import { describe, expect, it } from 'vitest';
import { acceptSession } from '../../../src/core/session/server';
import { MemoryAuthAccountStore, RESYNC_NONCE } from '../../../src/core/dm/auth';
import { encodePackage0, PACKAGE0_CONTENT_TYPE } from '../../../src/core/dm/pkg0';
import { createObexDmLink, type ObexDmLink } from '../../../src/core/obex/dm-channel';
import type { LargeObjectSource } from '../../../src/core/session/api';
import { startSimulation, defaultServerAccount } from '../../../src/simulator/simulation';
import { openPtyByteStream, registryIdFor } from '../../../src/simulator/transports';
import { listSimulatedDevices } from '../../../src/transport/sim-registry';
import { makeBundle, makeKeys, tempDir } from '../../unit/simulator/helpers';
import { haveTools } from '../../support/tools';

const haveSocat = haveTools('test/integration/simulator/pty.test.ts', ['socat'], 'socat', ['-V']);

const keys = makeKeys();

describe.skipIf(!haveSocat)('reference device over a pty with OBEX', () => {
  it('downloads a signed 32 MB bundle, reboots under a new pty path and reports 1226 with the Correlator', async () => {
    // 32 MB, as a real firmware image might be; the phone streams it to a file.
    const payload = new Uint8Array(32_000_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 9)) & 0xff;
    const { bytes, manifest } = makeBundle(keys.privateKey, keys.publicKey, { targetVersion: '1.1.0', payload });
    const registry = tempDir('sim-registry-');
    process.env['FUMO_SIM_REGISTRY'] = registry;
    const sim = await startSimulation({
      devices: 1,
      link: 'serial',
      model: 'RD-100',
      fwVersion: '1.0.3',
      stateDir: tempDir('sim-pty-'),
      manufacturerPublicKey: keys.publicKey,
      profile: { rebootDelayMs: 200, replugDelayMs: 200 },
    });
    try {
      const h = sim.devices[0]!;
      const account = defaultServerAccount(h.devId);
      const accounts = new MemoryAuthAccountStore([
        {
          deviceId: h.devId,
          serverId: account.serverId,
          clientName: account.clientName,
          clientSecret: account.clientSecret,
          serverName: account.serverName ?? account.serverId,
          serverSecret: account.serverSecret,
          clientNonce: '',
          serverNonce: '',
        },
      ]);
      const serverOptions = { serverId: account.serverId, clientAuth: 'md5' as const, accounts, random: { bytes: (n: number) => new Uint8Array(n).fill(7) } };
      const firstPath = h.address!;
      expect(firstPath).toMatch(/^\/dev\/pts\/\d+$/);
      // Announced where the kiosk's scanner looks, under the reference serial profile.
      expect(listSimulatedDevices(registry)).toEqual([
        expect.objectContaining({ id: registryIdFor(h.devId), linkKind: 'serial', path: firstPath, profileId: 'reference-serial', devIdHint: h.devId }),
      ]);
      const fumo = h.device.fumo.root;
      expect(fumo).toBe('./FwUpdate');

      const open = (path: string): ObexDmLink => createObexDmLink(openPtyByteStream(path), { role: 'client', kind: 'serial' });
      const k1 = open(firstPath);
      await k1.send({
        body: encodePackage0({ uiMode: 'background', initiator: 'server', sessionId: 7, serverId: account.serverId }, { password: account.serverSecret, nonce: RESYNC_NONCE }),
        contentType: PACKAGE0_CONTENT_TYPE,
      });
      const s1 = await acceptSession(k1, serverOptions);
      expect(s1.hello.devId).toBe(h.devId);
      const [fw] = await s1.get(['./DevDetail/FwV']);
      expect(fw?.values[0]?.data).toBe('1.0.3');
      const source: LargeObjectSource = { size: bytes.length, read: (o, n) => Promise.resolve(bytes.subarray(o, o + n)) };
      expect(await s1.replaceLarge(`${fumo}/Update/PkgData`, source, { format: 'bin' })).toBe(200);
      expect(await s1.exec(`${fumo}/Update`, { correlator: 'pty-1' })).toBe(202);
      const back = h.device.waitFor<string>('connected');
      await s1.end();
      await k1.close();

      const secondPath = await back;
      expect(secondPath).not.toBe(firstPath);
      expect(listSimulatedDevices(registry).map((e) => e.path)).toEqual([secondPath]);
      expect(h.device.fwVersion).toBe(manifest.targetVersion);
      // The phone opens the session itself to report; as OBEX server it answers the kiosk's GET.
      const k2 = open(secondPath);
      const s2 = await acceptSession(k2, serverOptions);
      expect(s2.hello.initiator).toBe('client');
      expect(s2.hello.genericAlerts[0]).toMatchObject({ type: 'org.openmobilealliance.dm.firmwareupdate.update', data: '200', correlator: 'pty-1' });
      const [fw2] = await s2.get(['./DevDetail/FwV']);
      expect(fw2?.values[0]?.data).toBe('1.1.0');
      await s2.end();
      await k2.close();
    } finally {
      await sim.stop();
      delete process.env['FUMO_SIM_REGISTRY'];
    }
    expect(listSimulatedDevices(registry)).toEqual([]);
  });
});
