/**
 * The reference device over HTTP (it POSTs to the kiosk's HttpDmServer) and over the USB
 * stand-in (OBEX on WebUSB-shaped bulk pipes), each through a whole update with reboot.
 */
import { describe, expect, it } from 'vitest';
import { acceptSession, type ServerSessionOptions } from '../../../src/core/session/server';
import { MemoryAuthAccountStore, RESYNC_NONCE } from '../../../src/core/dm/auth';
import { encodePackage0, PACKAGE0_CONTENT_TYPE } from '../../../src/core/dm/pkg0';
import type { LargeObjectSource } from '../../../src/core/session/api';
import { HttpDmServer, type HttpServerLink } from '../../../src/transport/http';
import { openUsbLink } from '../../../src/main/links/usb';
import { profileById } from '../../../src/transport/profiles';
import { listSimulatedDevices } from '../../../src/transport/sim-registry';
import { startSimulation, defaultServerAccount } from '../../../src/simulator/simulation';
import { getUsbStandIn } from '../../../src/simulator/transports';
import { makeBundle, makeKeys, tempDir } from '../../unit/simulator/helpers';

const keys = makeKeys();

function serverOptionsFor(devId: string): ServerSessionOptions {
  const a = defaultServerAccount(devId);
  return {
    serverId: a.serverId,
    clientAuth: 'md5',
    accounts: new MemoryAuthAccountStore([
      { deviceId: devId, serverId: a.serverId, clientName: a.clientName, clientSecret: a.clientSecret, serverName: a.serverName ?? a.serverId, serverSecret: a.serverSecret, clientNonce: '', serverNonce: '' },
    ]),
    random: { bytes: (n: number) => new Uint8Array(n).fill(3) },
  };
}

/** The kiosk side of an HTTP session: its RespURI in every SyncHdr, so the phone's next POSTs reach this session. */
function acceptHttp(link: HttpServerLink, devId: string) {
  return acceptSession(link, { ...serverOptionsFor(devId), respURI: link.respUri });
}

function source(bytes: Uint8Array): LargeObjectSource {
  return { size: bytes.length, read: (o, n) => Promise.resolve(bytes.subarray(o, o + n)) };
}

describe('reference device over HTTP and the USB stand-in', () => {
  it('HTTP: the phone calls in, takes a 32 MB package, reboots and calls in again with 1226', async () => {
    const server = new HttpDmServer();
    const url = await server.start();
    const sessions: HttpServerLink[] = [];
    const waiters: ((l: HttpServerLink) => void)[] = [];
    server.on('session', (l) => {
      const w = waiters.shift();
      if (w) w(l);
      else sessions.push(l);
    });
    const nextSession = (): Promise<HttpServerLink> => {
      const l = sessions.shift();
      return l ? Promise.resolve(l) : new Promise((r) => waiters.push(r));
    };
    // 32 MB, varied so that a misplaced chunk changes the hash.
    const payload = new Uint8Array(32_000_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 13 + (i >> 11)) & 0xff;
    const { bytes, manifest } = makeBundle(keys.privateKey, keys.publicKey, { payload });
    const sim = await startSimulation({
      devices: 1,
      link: 'http',
      serverUrl: url,
      model: 'RD-100',
      fwVersion: '1.0.3',
      stateDir: tempDir('sim-http-'),
      manufacturerPublicKey: keys.publicKey,
      profile: { rebootDelayMs: 50 },
    });
    try {
      const h = sim.devices[0]!;
      const fumo = h.device.fumo.root;
      const s1 = await acceptHttp(await nextSession(), h.devId);
      expect(s1.hello.initiator).toBe('client');
      expect(s1.hello.encoding).toBe('xml'); // the reference-http profile speaks XML
      expect(await s1.replaceLarge(`${fumo}/Update/PkgData`, source(bytes), { format: 'bin' })).toBe(200);
      expect(await s1.exec(`${fumo}/Update`, { correlator: 'http-1' })).toBe(202);
      await s1.end();
      const s2 = await acceptHttp(await nextSession(), h.devId);
      expect(s2.hello.genericAlerts[0]).toMatchObject({ data: '200', correlator: 'http-1' });
      const [fw] = await s2.get(['./DevDetail/FwV']);
      expect(fw?.values[0]?.data).toBe(manifest.targetVersion);
      await s2.end();
    } finally {
      await sim.stop();
      await server.close();
    }
  });

  it('USB stand-in: the kiosk opens the announced stand-in, notifies, updates; a new stand-in after the reboot', async () => {
    const registry = tempDir('sim-registry-');
    process.env['FUMO_SIM_REGISTRY'] = registry;
    const { bytes, manifest } = makeBundle(keys.privateKey, keys.publicKey, { payload: new Uint8Array(2_000_000).fill(5) });
    const sim = await startSimulation({
      devices: 1,
      link: 'usb-standin',
      model: 'RD-100',
      fwVersion: '1.0.3',
      stateDir: tempDir('sim-usb-'),
      manufacturerPublicKey: keys.publicKey,
      profile: { rebootDelayMs: 50 },
    });
    const profile = profileById('reference-usb')!;
    try {
      const h = sim.devices[0]!;
      const entry = listSimulatedDevices(registry)[0]!;
      expect(entry).toMatchObject({ linkKind: 'usb', profileId: 'reference-usb', devIdHint: h.devId });
      const k1 = await openUsbLink(getUsbStandIn(entry.path!)!.device, profile);
      const a = defaultServerAccount(h.devId);
      await k1.send({
        body: encodePackage0({ uiMode: 'background', initiator: 'server', sessionId: 9, serverId: a.serverId }, { password: a.serverSecret, nonce: RESYNC_NONCE }),
        contentType: PACKAGE0_CONTENT_TYPE,
      });
      const s1 = await acceptSession(k1, serverOptionsFor(h.devId));
      const fumo = h.device.fumo.root;
      expect(await s1.replaceLarge(`${fumo}/Update/PkgData`, source(bytes), { format: 'bin' })).toBe(200);
      expect(await s1.exec(`${fumo}/Update`, { correlator: 'usb-1' })).toBe(202);
      const back = h.device.waitFor<string>('connected');
      await s1.end();
      await k1.close();
      const second = await back;
      expect(second).not.toBe(entry.path);
      const k2 = await openUsbLink(getUsbStandIn(second)!.device, profile);
      const s2 = await acceptSession(k2, serverOptionsFor(h.devId));
      expect(s2.hello.genericAlerts[0]).toMatchObject({ data: '200', correlator: 'usb-1' });
      const [fw] = await s2.get(['./DevDetail/FwV']);
      expect(fw?.values[0]?.data).toBe(manifest.targetVersion);
      await s2.end();
      await k2.close();
    } finally {
      await sim.stop();
      delete process.env['FUMO_SIM_REGISTRY'];
    }
  });
});
