/**
 * A kiosk killed while writing an OBEX packet to the reference phone: the phone, mid-session,
 * holds the start of a PUT whose rest never comes. It drops that partial packet once nothing
 * more arrives, and a restarted kiosk on the same pty is answered: its CONNECT, package 0 and
 * the session that follows go through.
 */
import { describe, expect, it } from 'vitest';
import { acceptSession, type ServerSessionOptions } from '../../../src/core/session/server';
import { MemoryAuthAccountStore, RESYNC_NONCE } from '../../../src/core/dm/auth';
import { encodePackage0, PACKAGE0_CONTENT_TYPE } from '../../../src/core/dm/pkg0';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { encodeObexPacket, OBEX_HDR, OBEX_OP } from '../../../src/core/obex/packet';
import { startSimulation, defaultServerAccount } from '../../../src/simulator/simulation';
import { openPtyByteStream } from '../../../src/simulator/transports';
import { tempDir } from '../../unit/simulator/helpers';
import { haveTools } from '../../support/tools';

const haveSocat = haveTools('test/integration/simulator/partial-packet.test.ts', ['socat'], 'socat', ['-V']);

function optionsFor(devId: string): { server: ServerSessionOptions; package0: Uint8Array } {
  const a = defaultServerAccount(devId);
  const accounts = new MemoryAuthAccountStore([
    { deviceId: devId, serverId: a.serverId, clientName: a.clientName, clientSecret: a.clientSecret, serverName: a.serverName ?? a.serverId, serverSecret: a.serverSecret, clientNonce: '', serverNonce: '' },
  ]);
  return {
    server: { serverId: a.serverId, clientAuth: 'md5', accounts, random: { bytes: (n: number) => new Uint8Array(n).fill(5) } },
    package0: encodePackage0({ uiMode: 'background', initiator: 'server', sessionId: 11, serverId: a.serverId }, { password: a.serverSecret, nonce: RESYNC_NONCE }),
  };
}

describe.skipIf(!haveSocat)('the reference phone after a kiosk killed mid-packet', () => {
  it('drops the partial packet and answers the next kiosk', async () => {
    const registry = tempDir('sim-registry-');
    process.env['FUMO_SIM_REGISTRY'] = registry;
    const sim = await startSimulation({ devices: 1, link: 'serial', fwVersion: '1.0.3', stateDir: tempDir('sim-partial-') });
    try {
      const h = sim.devices[0]!;
      const path = h.address!;
      const o = optionsFor(h.devId);

      // The first kiosk: a session, then it dies part-way through writing its next PUT.
      const stream1 = openPtyByteStream(path);
      const k1 = createObexDmLink(stream1, { role: 'client', kind: 'serial' });
      await k1.send({ body: o.package0, contentType: PACKAGE0_CONTENT_TYPE });
      const s1 = await acceptSession(k1, o.server);
      expect(s1.hello.devId).toBe(h.devId);
      const put = encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: false, headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }, { id: OBEX_HDR.BODY, value: new Uint8Array(3000).fill(9) }] });
      const dropped = h.device.waitFor<{ bytes: number }>('partial-packet-dropped');
      await stream1.write(put.subarray(0, 1200));
      await stream1.close();
      expect((await dropped).bytes).toBe(1200);

      // The restarted kiosk on the same cable.
      const k2 = createObexDmLink(openPtyByteStream(path), { role: 'client', kind: 'serial' });
      await k2.send({ body: o.package0, contentType: PACKAGE0_CONTENT_TYPE });
      const s2 = await acceptSession(k2, o.server);
      expect(s2.hello.devId).toBe(h.devId);
      const [fw] = await s2.get(['./DevDetail/FwV']);
      expect(fw?.values[0]?.data).toBe('1.0.3');
      await s2.end();
      await k2.close();
    } finally {
      await sim.stop();
      delete process.env['FUMO_SIM_REGISTRY'];
    }
  }, 120_000);
});
