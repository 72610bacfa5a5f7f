/**
 * A phone on a serial cable (the reference phone over a pty pair) that asks for its update by
 * itself while its cable is idle: Alert 1201 with the user-request Generic Alert, no package 0
 * before it. The kiosk, listening on the idle link since it identified the phone, hears it,
 * starts the customer's own request, the customer approves on the kiosk, and the update
 * completes. Every wait is on an event; timeouts are generous for a loaded machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { addDemoPhones } from '../../../src/main/demo/demo-phones';
import type { ConsentRequest, DeviceView, HistoryRecord } from '../../../src/shared/schemas';
import type { SimulationHandle } from '../../../src/simulator/simulation';
import { simulatedDevId } from '../../../src/simulator/identity';
import { privateSimRegistry } from '../fumo/helpers';
import { nextEvent, unwrap } from './events';

const PIN = '1234';
const INDEX = 7;
const PORT = `sim:${simulatedDevId(INDEX)}`;

describe('a phone that asks for its update by itself on an idle cable', () => {
  let root: string;
  let service: KioskService;
  let sim: SimulationHandle;
  const log: string[] = [];

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-idle-call-'));
    service = new KioskService({
      dataDir: path.join(root, 'kiosk'),
      sources: [],
      trust: demoTrust(),
      log: (l) => {
        log.push(l);
        if (process.env['FUMO_IT_LOG']) console.error(`[kiosk] ${l}`);
      },
      fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 },
    });
    await importDemoCatalog(service.store);
    await service.ensurePin('tech', 'technician', PIN);
    await service.start();
    unwrap(await service.auth.login({ pin: PIN }));
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('is heard without a package 0, and the update completes with the customer’s consent', async () => {
    const identified = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === PORT && d.state === 'update-available', 150_000);
    sim = await addDemoPhones(service, path.join(root, 'phones'), [{ devId: simulatedDevId(INDEX), model: 'FK-Demo Phone', fwVersion: '1.1.0', profile: { rebootDelayMs: 200 } }]);
    await identified;
    const phone = sim.devices[0]!.device;
    const notifications: unknown[] = [];
    phone.on('notification', (n: unknown) => notifications.push(n));
    const sessions: Array<{ initiator: string }> = [];
    phone.on('session-start', (r: { initiator: string }) => sessions.push(r));

    const asked = nextEvent<ConsentRequest>(service, 'consent:requested', (r) => r.portId === PORT, 150_000);
    phone.requestUpdate('user');
    const request = await asked;
    // The phone's own session brought it: no package 0 reached the phone since it asked.
    expect(sessions[0]?.initiator).toBe('client');
    expect(notifications).toEqual([]);
    expect(log).toContain(`${PORT}: the phone opened a session by itself`);

    const ended = nextEvent<HistoryRecord>(service, 'history:added', (r) => r.jobId === request.jobId, 200_000);
    unwrap(await service.consent.handover({ requestId: request.requestId }));
    unwrap(
      await service.consent.answer({ requestId: request.requestId, decision: 'approve', schedule: 'now', language: 'en', privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version }),
    );
    const record = await ended;
    expect(record).toMatchObject({ result: 'success', fromVersion: '1.1.0', finalVersion: '1.2.0' });
    expect(phone.fwVersion).toBe('1.2.0');
  }, 400_000);
});
