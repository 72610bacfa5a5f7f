import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodePackage0, PACKAGE0_CONTENT_TYPE } from '../../../src/core/dm/pkg0';
import { RESYNC_NONCE } from '../../../src/core/dm/auth';
import { SimulatedDevice, type ServerAccount, type SimulatedDeviceOptions } from '../../../src/simulator/device';
import { ScriptedUser } from '../../../src/simulator/user';
import type { GenericAlert } from '../../../src/core/session/api';
import { handLinkFactory, makeBundle, makeKeys, scriptedRunner, sendLarge, tempDir, type ServerScript } from './helpers';

const keys = makeKeys();
const ACCOUNT: ServerAccount = { serverId: 'fumo-kiosk', clientName: 'dev', clientSecret: 'devpass', serverSecret: 'srvpass' };

function device(scripts: ServerScript[], extra: Partial<SimulatedDeviceOptions> = {}) {
  const { runner, sessions } = scriptedRunner(scripts);
  const d = new SimulatedDevice({
    devId: 'IMEI:490154203237518',
    model: 'RD-100',
    fwVersion: '1.0.3',
    stateDir: extra.stateDir ?? tempDir('dev-'),
    manufacturerPublicKey: keys.publicKey,
    serverAccount: ACCOUNT,
    sessionRunner: runner,
    profile: { rebootDelayMs: 5, replugDelayMs: 5, ...(extra.profile ?? {}) },
    ...extra,
  });
  return { d, sessions };
}

function pkg0(uiMode: 'background' | 'informative' | 'user-interaction', password = ACCOUNT.serverSecret, sessionId = 0x1a2b): Uint8Array {
  return encodePackage0({ uiMode, initiator: 'server', sessionId, serverId: ACCOUNT.serverId }, { password, nonce: RESYNC_NONCE });
}

describe('SimulatedDevice', () => {
  it('answers the standard objects: DevInfo, DevDetail with battery and power, DMAcc with write-only secrets', async () => {
    const { d } = device([], { faults: [{ kind: 'battery-low', percent: 12 }, { kind: 'external-power' }] });
    const h = d.handlerFor('fumo-kiosk');
    expect((await h.get('./DevInfo/DevId')).values?.[0]?.data).toBe('IMEI:490154203237518');
    expect((await h.get('./DevInfo/DmV')).values?.[0]?.data).toBe('1.2');
    expect((await h.get('./DevDetail/FwV')).values?.[0]?.data).toBe('1.0.3');
    expect((await h.get('./DevDetail/LrgObj')).values?.[0]?.data).toBe('true');
    expect((await h.get('./DevDetail/Ext/Battery')).values?.[0]?.data).toBe('12');
    expect((await h.get('./DevDetail/Ext/ExternalPower')).values?.[0]?.data).toBe('true');
    expect((await h.get('./DevDetail?prop=Type')).values?.[0]?.data).toBe('urn:oma:mo:oma-dm-devdetail:1.0');
    const acc = `./DMAcc/${d.account!.id}`;
    expect((await h.get(`${acc}/AppID`)).values?.[0]?.data).toBe('w7');
    expect((await h.get(`${acc}/AppAuth/Client/AAuthSecret`)).status).toBe(405);
    expect((await d.handlerFor('someone-else').get(`${acc}/ServerID`)).status).toBe(425);
    expect((await h.get('./FUMO/FwUpdate/State')).values?.[0]?.data).toBe('10');
  });

  it('places FUMO where the profile says', async () => {
    const { d } = device([], { profile: { fumoPath: './ManagedObjects/FUMO/x', rebootDelayMs: 5 } });
    const h = d.handlerFor('fumo-kiosk');
    expect((await h.get('./ManagedObjects/FUMO/x?prop=Type')).values?.[0]?.data).toBe('urn:oma:mo:oma-fumo:1.0');
    expect((await h.get('./FUMO/FwUpdate')).status).toBe(404);
  });

  it('full update: package 0 -> 1200 session -> PkgData + Exec 202 -> reboot under a new address -> 1201 with 1226 + Correlator -> new FwV', async () => {
    const { bytes, manifest } = makeBundle(keys.privateKey, keys.publicKey, { targetVersion: '1.1.0' });
    const fwSeen: string[] = [];
    const { d, sessions } = device([
      async (h) => {
        fwSeen.push(String((await h.get('./DevDetail/FwV')).values?.[0]?.data));
        expect(await sendLarge(h, './FUMO/FwUpdate/Update/PkgData', bytes)).toBe(200);
        expect((await h.exec('./FUMO/FwUpdate/Update', { correlator: 'job-7' })).status).toBe(202);
      },
      async (h) => {
        fwSeen.push(String((await h.get('./DevDetail/FwV')).values?.[0]?.data));
        fwSeen.push(String((await h.get('./FUMO/FwUpdate/State')).values?.[0]?.data));
      },
    ]);
    const links = handLinkFactory();
    const first = await d.attach(links.factory);
    expect(first).toBe('/dev/pts/fake1');
    const rebooted = d.waitFor<{ fwVersion: string; result: number }>('rebooted');
    const secondEnd = d.waitFor('session-end', () => sessions.length === 2);
    links.links[0]!.push({ body: pkg0('background'), contentType: PACKAGE0_CONTENT_TYPE });
    expect(await rebooted).toEqual({ fwVersion: manifest.targetVersion, result: 200 });
    await secondEnd;
    expect(sessions[0]!.options).toMatchObject({ initiator: 'server', sessionId: '1A2B', serverId: 'fumo-kiosk', devId: 'IMEI:490154203237518' });
    expect(sessions[0]!.options.devInfo).toMatchObject({ DevId: 'IMEI:490154203237518', Mod: 'RD-100', DmV: '1.2' });
    expect(sessions[1]!.options.initiator).toBe('client');
    const alerts = sessions[1]!.options.genericAlerts as GenericAlert[];
    expect(alerts).toEqual([
      {
        type: 'org.openmobilealliance.dm.firmwareupdate.update',
        format: 'int',
        mark: 'informational',
        sourceURI: './FUMO/FwUpdate',
        data: '200',
        correlator: 'job-7',
      },
    ]);
    expect(fwSeen).toEqual(['1.0.3', '1.1.0', '100']);
    expect(links.addresses).toEqual(['/dev/pts/fake1', '/dev/pts/fake2']);
    expect(d.address).toBe('/dev/pts/fake2');
    expect(d.pendingAlerts).toHaveLength(0);
    expect(d.boots).toBe(1);
    await d.stop();
  });

  it('a bad package is reported without a reboot: 1226 with 404 in a client session on the same cable', async () => {
    const other = makeKeys();
    const { bytes } = makeBundle(other.privateKey, other.publicKey);
    const { d, sessions } = device([
      async (h) => {
        await sendLarge(h, './FUMO/FwUpdate/Update/PkgData', bytes);
        expect((await h.exec('./FUMO/FwUpdate/Update', { correlator: 'c9' })).status).toBe(202);
      },
    ]);
    const links = handLinkFactory();
    await d.attach(links.factory);
    const reported = d.waitFor('session-end', () => sessions.length === 2);
    links.links[0]!.push({ body: pkg0('background'), contentType: PACKAGE0_CONTENT_TYPE });
    await reported;
    expect(sessions[1]!.options.genericAlerts?.[0]).toMatchObject({ data: '404', correlator: 'c9' });
    expect(d.fumoState).toBe(80);
    expect(d.fwVersion).toBe('1.0.3');
    expect(links.links).toHaveLength(1);
    await d.stop();
  });

  it('package 0: a wrong digest is ignored; user-interaction asks first; informative only shows', async () => {
    const user = new ScriptedUser({ answers: ['no'], policy: 'yes' });
    const { d, sessions } = device([async () => undefined], { user });
    const links = handLinkFactory();
    await d.attach(links.factory);
    const link = links.links[0]!;
    const n1 = d.waitFor<{ accepted: boolean; reason?: string }>('notification');
    link.push({ body: pkg0('background', 'not-the-password'), contentType: PACKAGE0_CONTENT_TYPE });
    expect(await n1).toMatchObject({ accepted: false, reason: 'digest does not verify' });
    const n2 = d.waitFor<{ accepted: boolean; reason?: string }>('notification');
    link.push({ body: pkg0('user-interaction'), contentType: PACKAGE0_CONTENT_TYPE });
    expect(await n2).toMatchObject({ accepted: false, reason: 'declined by the user' });
    const s = d.waitFor('session-end');
    link.push({ body: pkg0('informative'), contentType: PACKAGE0_CONTENT_TYPE });
    await s;
    expect(sessions).toHaveLength(1);
    expect(d.userAgent.prompts.map((p) => [p.code, p.answer, p.origin])).toEqual([
      [1101, 'no', 'device'],
      [1100, 'shown', 'device'],
    ]);
    const s2 = d.waitFor('session-end');
    link.push({ body: pkg0('background'), contentType: PACKAGE0_CONTENT_TYPE });
    await s2;
    expect(d.userAgent.prompts).toHaveLength(2); // background: nobody was asked
    await d.stop();
  });

  it('a phone that cannot be notified (HTTP) calls in when connected; the user asks for an update: 1201 with a userrequest', async () => {
    const { d, sessions } = device([async () => undefined, async () => undefined]);
    const links = handLinkFactory(false);
    const first = d.waitFor('session-end');
    await d.attach(links.factory);
    await first;
    expect(sessions[0]!.options.initiator).toBe('client');
    expect(sessions[0]!.options.genericAlerts).toEqual([]);
    const s = d.waitFor('session-end');
    d.requestUpdate('user');
    await s;
    expect(sessions[1]!.options.initiator).toBe('client');
    expect(sessions[1]!.options.genericAlerts?.[0]).toMatchObject({
      type: 'org.openmobilealliance.dm.firmwareupdate.userrequest',
      sourceURI: './FUMO/FwUpdate',
    });
    await d.stop();
  });

  it('configuration data from the server is applied without asking (requirement 5) ...', async () => {
    const { d } = device([]);
    const h = d.handlerFor('fumo-kiosk');
    expect((await h.add('./DMAcc/Second/ServerID', 'second-server', { format: 'chr' })).status).toBe(200);
    expect((await h.add('./DMAcc/Second/AppAuth/Client/AAuthSecret', 'pw', { format: 'chr' })).status).toBe(200);
    expect(d.userAgent.prompts).toHaveLength(0);
    expect(d.accounts.map((a) => a.serverId)).toContain('second-server');
  });

  it('... and a 1101 the server puts before it reaches the user (requirement 4)', async () => {
    const user = new ScriptedUser({ answers: ['no'] });
    const { d } = device([], { user });
    const h = d.handlerFor('fumo-kiosk');
    const r = await h.userInteraction({ code: 1101, options: {}, text: 'Apply new settings?', choices: [] });
    expect(r.status).toBe(304);
    expect(d.userAgent.prompts).toEqual([{ code: 1101, text: 'Apply new settings?', answer: 'no', status: 304, heldForCall: false, origin: 'server' }]);
  });

  it('a call in progress holds the server alert until it ends; the session waits, the call is not dropped', async () => {
    let replied: number | undefined;
    const { d, sessions } = device(
      [
        async (h) => {
          replied = (await h.userInteraction({ code: 1101, options: {}, text: 'Install the update?', choices: [] })).status;
        },
      ],
      { faults: [{ kind: 'call-in-progress' }] },
    );
    const links = handLinkFactory();
    await d.attach(links.factory);
    const started = d.waitFor('session-start');
    links.links[0]!.push({ body: pkg0('background'), contentType: PACKAGE0_CONTENT_TYPE });
    await started;
    // The device is contacted during the call (requirement 7) and its answer waits.
    while (d.userAgent.held === 0) await new Promise((r) => setTimeout(r, 5));
    expect(replied).toBeUndefined();
    expect(d.call.active).toBe(true);
    const ended = d.waitFor('session-end');
    d.endCall();
    await ended;
    expect(replied).toBe(200);
    expect(sessions).toHaveLength(1);
    expect(d.call.calls()).toEqual([expect.objectContaining({ interruptions: 0, endedAt: expect.any(Number) })]);
    expect(d.call.log.filter((e) => e.event === 'call-ended')).toHaveLength(1);
    await d.stop();
  });

  it('smart card with the confirmation flag asks, and connects on its own when told to (requirements 1, 3)', async () => {
    const card = { account: { serverId: 'operator-dm', clientName: 'c', clientSecret: 'p', serverSecret: 's' }, userConfirmation: true, connectAutonomously: true };
    const { d, sessions } = device([async () => undefined], { serverAccount: undefined, profile: { smartCard: card, rebootDelayMs: 5 } });
    const links = handLinkFactory();
    const s = d.waitFor('session-end');
    await d.attach(links.factory);
    await s;
    expect(d.userAgent.prompts).toHaveLength(1);
    expect(d.userAgent.prompts[0]).toMatchObject({ code: 1101, origin: 'device' });
    expect(sessions[0]!.options).toMatchObject({ serverId: 'operator-dm', initiator: 'client' });
    await d.stop();
  });

  it('smart card without the flag never asks (requirement 2); a refusal leaves no account', async () => {
    const card = { account: { serverId: 'operator-dm', clientName: 'c', clientSecret: 'p', serverSecret: 's' }, userConfirmation: false, connectAutonomously: false };
    const { d } = device([], { serverAccount: undefined, profile: { smartCard: card } });
    const b = d.waitFor<{ applied: boolean; asked: boolean }>('bootstrap');
    await d.attach(handLinkFactory().factory);
    expect(await b).toEqual({ applied: true, asked: false });
    expect(d.userAgent.prompts).toHaveLength(0);
    expect(d.accounts[0]?.serverId).toBe('operator-dm');
    await d.stop();

    const refused = device([], { serverAccount: undefined, user: new ScriptedUser({ policy: 'no' }), profile: { smartCard: { ...card, userConfirmation: true } } }).d;
    const b2 = refused.waitFor<{ applied: boolean }>('bootstrap');
    await refused.attach(handLinkFactory().factory);
    expect((await b2).applied).toBe(false);
    expect(refused.accounts).toHaveLength(0);
    await refused.stop();
  });

  it('wrong-credentials hands the engine a password the server does not know', () => {
    const { d } = device([], { faults: [{ kind: 'wrong-credentials' }] });
    expect(d.credentials()?.clientSecret).not.toBe(ACCOUNT.clientSecret);
    expect(device([]).d.credentials()?.clientSecret).toBe(ACCOUNT.clientSecret);
  });

  it('continues a cut package only in a session that read Ext/ReceivedBytes before its Replace', async () => {
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
    const phone = (): SimulatedDevice => device([], { faults: [{ kind: 'disconnect-at', byte: 20_000 }] }).d;
    const PKG = './FUMO/FwUpdate/Update/PkgData';
    for (const readFirst of [true, false]) {
      const d = phone();
      await expect(sendLarge(d.handlerFor('fumo-kiosk'), PKG, bytes)).rejects.toThrow(/disconnect-at/);
      expect(d.fumoState).toBe(20);
      const h = d.handlerFor('fumo-kiosk');
      if (readFirst) expect((await h.get('./FUMO/FwUpdate/Ext/ReceivedBytes')).values?.[0]?.data).toBe('20000');
      const sink = await h.beginLargeObject(PKG, bytes.length, { format: 'bin' });
      if ('status' in sink) throw new Error(`refused with ${sink.status}`);
      expect(sink.resumeOffset).toBe(readFirst ? 20_000 : undefined);
      await sink.abort('test');
      // One read arms one Replace: the next one starts over.
      const again = await h.beginLargeObject(PKG, bytes.length, { format: 'bin' });
      if ('status' in again) throw new Error(`refused with ${again.status}`);
      expect(again.resumeOffset).toBeUndefined();
      await again.abort('test');
    }
  });

  it('the rest of a resumed package in one message (Size = the whole, no MoreData) completes it; unasked it is 424', async () => {
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey);
    const PKG = './FUMO/FwUpdate/Update/PkgData';
    for (const readFirst of [true, false]) {
      const { d } = device([], { faults: [{ kind: 'disconnect-at', byte: 20_000 }] });
      await expect(sendLarge(d.handlerFor('fumo-kiosk'), PKG, bytes)).rejects.toThrow(/disconnect-at/);
      const h = d.handlerFor('fumo-kiosk');
      if (readFirst) await h.get('./FUMO/FwUpdate/Ext/ReceivedBytes');
      const reply = await h.replace(PKG, bytes.subarray(20_000), { format: 'bin', size: bytes.length });
      if (readFirst) {
        expect(reply.status).toBe(200);
        expect(d.fumoState).toBe(40);
        expect(Buffer.compare(readFileSync(d.store.packagePath), Buffer.from(bytes))).toBe(0);
      } else {
        expect(reply.status).toBe(424);
        expect(d.fumoState).toBe(20);
      }
    }
  });

  it('a simulator killed during the reboot finishes the install when it starts again', async () => {
    const stateDir = tempDir('kill-');
    const { bytes } = makeBundle(keys.privateKey, keys.publicKey, { targetVersion: '1.1.0' });
    const first = device(
      [
        async (h) => {
          await sendLarge(h, './FUMO/FwUpdate/Update/PkgData', bytes);
          await h.exec('./FUMO/FwUpdate/Update', { correlator: 'k1' });
        },
      ],
      { stateDir, profile: { rebootDelayMs: 60_000 } },
    );
    const links = handLinkFactory();
    await first.d.attach(links.factory);
    const rebooting = first.d.waitFor('rebooting');
    links.links[0]!.push({ body: pkg0('background'), contentType: PACKAGE0_CONTENT_TYPE });
    await rebooting;
    expect(first.d.fumoState).toBe(60);
    // Switched off mid-reboot: the reboot does not finish; a new simulator opens the same folder.
    await first.d.stop();
    expect(first.d.fwVersion).toBe('1.0.3');
    const second = device([async () => undefined], { stateDir, fwVersion: '0.0.0' });
    expect(second.d.resumed).toBe(true);
    const s = second.d.waitFor('session-end');
    await second.d.attach(handLinkFactory().factory);
    await s;
    expect(second.d.fwVersion).toBe('1.1.0');
    expect(second.d.fumoState).toBe(100);
    expect(second.sessions[0]!.options.genericAlerts?.[0]).toMatchObject({ data: '200', correlator: 'k1' });
    await second.d.stop();
  });
});
