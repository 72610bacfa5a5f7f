/**
 * The reference device against the kiosk's real server session engine over memory links:
 * package 0 -> session -> Get DevDetail -> large-object Replace of a signed bundle -> Exec Update
 * (202) -> the phone reboots and comes back on a new link -> Generic Alert 1226 with the
 * Correlator in package 1 -> FwV is the bundle's target version.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { acceptSession } from '../../../src/core/session/server';
import { createMemoryLinkPair, type MemoryLink } from '../../../src/core/session/memory-link';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import { encodePackage0, PACKAGE0_CONTENT_TYPE } from '../../../src/core/dm/pkg0';
import { RESYNC_NONCE } from '../../../src/core/dm/auth';
import type { LargeObjectSource } from '../../../src/core/session/api';
import { SimulatedDevice, type DeviceConnection } from '../../../src/simulator/device';
import { defaultServerAccount } from '../../../src/simulator/simulation';
import { simulatedDevId } from '../../../src/simulator/identity';
import { ScriptedUser } from '../../../src/simulator/user';
import { makeBundle, makeKeys, tempDir } from '../../unit/simulator/helpers';

const keys = makeKeys();

class Plugs {
  private waiting: ((l: MemoryLink) => void)[] = [];
  private ready: MemoryLink[] = [];
  readonly addresses: string[] = [];
  factory = (): Promise<DeviceConnection> => {
    const [kiosk, phone] = createMemoryLinkPair();
    const w = this.waiting.shift();
    if (w) w(kiosk);
    else this.ready.push(kiosk);
    const address = `memory:${this.addresses.length + 1}`;
    this.addresses.push(address);
    return Promise.resolve({ link: phone, address, acceptsNotifications: true, dispose: () => phone.close() });
  };
  /** The kiosk end of the next plug-in. */
  next(): Promise<MemoryLink> {
    const r = this.ready.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function source(bytes: Uint8Array): LargeObjectSource {
  return { size: bytes.length, read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)) };
}

function makeDevice(faults: ConstructorParameters<typeof SimulatedDevice>[0]['faults'] = []) {
  const devId = simulatedDevId(0);
  const account = defaultServerAccount(devId);
  const device = new SimulatedDevice({
    devId,
    model: 'RD-100',
    fwVersion: '1.0.3',
    stateDir: tempDir('sim-int-'),
    faults,
    user: new ScriptedUser({ policy: 'yes' }),
    manufacturerPublicKey: keys.publicKey,
    serverAccount: account,
    profile: { rebootDelayMs: 20, replugDelayMs: 20, maxMsgSize: 16_000, encoding: 'wbxml' },
  });
  const kioskAccounts = new MemoryAuthAccountStore([
    {
      deviceId: devId,
      serverId: account.serverId,
      clientName: account.clientName,
      clientSecret: account.clientSecret,
      serverName: account.serverName ?? account.serverId,
      serverSecret: account.serverSecret,
      clientNonce: '',
      serverNonce: '',
      authType: 'md5',
    },
  ]);
  const serverOptions = { serverId: account.serverId, clientAuth: 'md5' as const, accounts: kioskAccounts, random: { bytes: (n: number) => new Uint8Array(n).map((_, i) => (i * 37 + 11) & 0xff) } };
  const notify = (link: MemoryLink, sessionId = 0x42): Promise<void> =>
    link.send({
      body: encodePackage0({ uiMode: 'background', initiator: 'server', sessionId, serverId: account.serverId }, { password: account.serverSecret, nonce: RESYNC_NONCE }),
      contentType: PACKAGE0_CONTENT_TYPE,
    });
  return { device, devId, account, serverOptions, notify };
}

describe('reference device against the server session engine', () => {
  it('updates over memory links: 1226 with the Correlator after the reboot, FwV = target', async () => {
    const { device, devId, serverOptions, notify } = makeDevice();
    const { bytes, manifest } = makeBundle(keys.privateKey, keys.publicKey, { targetVersion: '1.1.0', payload: new Uint8Array(300_000).map((_, i) => (i * 13) & 0xff) });
    const plugs = new Plugs();
    await device.attach(plugs.factory);

    const k1 = await plugs.next();
    await notify(k1);
    const s1 = await acceptSession(k1, serverOptions);
    expect(s1.hello.devId).toBe(devId);
    expect(s1.hello.initiator).toBe('server');
    expect(s1.hello.devInfo.Mod).toBe('RD-100');
    expect(s1.hello.authenticatedAs).toBe(devId);
    const [fw, lrg, battery] = await s1.get(['./DevDetail/FwV', './DevDetail/LrgObj', './DevDetail/Ext/Battery']);
    expect(fw?.values[0]?.data).toBe('1.0.3');
    expect(lrg?.values[0]?.data).toBe('true');
    expect(battery?.status).toBe(200);
    const acked: number[] = [];
    const st = await s1.replaceLarge('./FUMO/FwUpdate/Update/PkgData', source(bytes), { format: 'bin', onProgress: (p) => acked.push(p.acknowledgedBytes) });
    expect(st).toBe(200);
    expect(acked.length).toBeGreaterThan(10); // 300 kB in messages of at most 16 kB
    const [state] = await s1.get(['./FUMO/FwUpdate/State']);
    expect(state?.values[0]?.data).toBe('40');
    expect(await s1.exec('./FUMO/FwUpdate/Update', { correlator: 'corr-123' })).toBe(202);
    const rebooted = device.waitFor<{ fwVersion: string }>('rebooted');
    await s1.end();

    expect((await rebooted).fwVersion).toBe(manifest.targetVersion);
    const k2 = await plugs.next();
    const s2 = await acceptSession(k2, serverOptions);
    expect(s2.hello.initiator).toBe('client');
    const report = s2.hello.genericAlerts.find((a) => a.type === 'org.openmobilealliance.dm.firmwareupdate.update');
    expect(report).toMatchObject({ correlator: 'corr-123', data: '200', sourceURI: './FUMO/FwUpdate' });
    const [fw2, state2] = await s2.get(['./DevDetail/FwV', './FUMO/FwUpdate/State']);
    expect(fw2?.values[0]?.data).toBe('1.1.0');
    expect(state2?.values[0]?.data).toBe('100');
    const delivered = device.waitFor('session-end');
    await s2.end();
    await delivered;
    expect(device.pendingAlerts).toHaveLength(0);
    expect(plugs.addresses).toEqual(['memory:1', 'memory:2']);
    // The package on the phone matched what the kiosk sent (its SHA-256 is in the manifest).
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes.subarray(bytes.length - 72 - 300_000, bytes.length - 72)).digest('hex'));
    await device.stop();
  });

  it('a 1101 confirm reaches the user; a refusal is answered 304 and nothing changes', async () => {
    const { device, serverOptions, notify } = makeDevice([{ kind: 'decline' }]);
    const plugs = new Plugs();
    await device.attach(plugs.factory);
    const k = await plugs.next();
    await notify(k);
    const s = await acceptSession(k, serverOptions);
    expect(await s.confirm('Install firmware 1.1.0? The phone restarts.')).toBe('no');
    await s.end();
    expect(device.userAgent.prompts[0]).toMatchObject({ code: 1101, answer: 'no', origin: 'server' });
    expect(device.fumoState).toBe(10);
    await device.stop();
  });

  it('wrong credentials: the kiosk refuses the phone (AUTH_FAILED)', async () => {
    const { device, serverOptions, notify } = makeDevice([{ kind: 'wrong-credentials' }]);
    const plugs = new Plugs();
    await device.attach(plugs.factory);
    const k = await plugs.next();
    await notify(k);
    await expect(acceptSession(k, serverOptions)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await device.stop();
  });

  it('a cable pulled mid-transfer (disconnect-at) leaves the phone at state 20 with the bytes it got', async () => {
    const { device, serverOptions, notify } = makeDevice([{ kind: 'disconnect-at', byte: 100_000 }]);
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey, { payload: new Uint8Array(250_000) });
    const plugs = new Plugs();
    await device.attach(plugs.factory);
    const k = await plugs.next();
    await notify(k);
    const s = await acceptSession(k, serverOptions);
    await expect(s.replaceLarge('./FUMO/FwUpdate/Update/PkgData', source(bytes), { format: 'bin' })).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
    // The phone comes back (re-plugged) and reports what it holds.
    const k2 = await plugs.next();
    await notify(k2);
    const s2 = await acceptSession(k2, serverOptions);
    const [state, got] = await s2.get(['./FUMO/FwUpdate/State', './FUMO/FwUpdate/Ext/ReceivedBytes']);
    expect(state?.values[0]?.data).toBe('20');
    expect(got?.values[0]?.data).toBe('100000');
    await s2.end();
    await device.stop();
  });
});
