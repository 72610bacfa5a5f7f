/**
 * Each screen is its own connection: a login on the bench does not log in a second screen, the
 * customer display and a logged-out bench see no devices or full ids, an export needs an
 * administrator, and a login ends after the idle time (fake clock).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import type { KioskEventMessage } from '../../../src/shared/api';
import { FakeClock } from '../../support/clock';

describe('one connection per screen', () => {
  let root: string;
  let clock: FakeClock;
  let service: KioskService;
  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-conn-'));
    clock = new FakeClock();
    service = new KioskService({ dataDir: path.join(root, 'k'), sources: [], clock });
    await service.ensurePin('tom', 'technician', '4711');
    await service.ensurePin('ada', 'admin', '246810');
    await service.start();
  });
  afterEach(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a login belongs to the screen that made it; the other bench screen stays logged out', async () => {
    const bench = service.connect('bench');
    const other = service.connect('bench');
    expect((await bench.auth.login({ pin: '246810' })).ok).toBe(true);
    expect(bench.access()).toEqual({ capability: 'bench', role: 'admin' });
    expect(other.access()).toEqual({ capability: 'bench', role: null });
    const set = await other.settings.set({ concurrency: 2 });
    expect(!set.ok && set.error.code).toBe('UNAUTHORIZED');
    const session = await other.auth.session();
    expect(session.ok && session.value).toBeNull();
  });

  it('the login event goes to its own screen only', async () => {
    const bench = service.connect('bench');
    const other = service.connect('bench');
    const customer = service.connect('customer');
    const seen: Array<[string, KioskEventMessage]> = [];
    service.on('auth:changed', (payload) => {
      const m = { event: 'auth:changed', payload } as KioskEventMessage;
      for (const [name, c] of [['bench', bench], ['other', other], ['customer', customer]] as const) if (c.sees(m)) seen.push([name, m]);
    });
    await bench.auth.login({ pin: '4711' });
    expect(seen.map(([n]) => n)).toEqual(['bench']);
  });

  it('the customer display and a logged-out bench get no devices, catalogue, history or full ids; exports need an administrator', async () => {
    for (const screen of [service.connect('customer'), service.connect('bench')]) {
      const snap = await screen.getSnapshot();
      expect(snap.ok).toBe(true);
      if (!snap.ok) return;
      expect(snap.value.devices).toEqual([]);
      expect(snap.value.recentHistory).toEqual([]);
      expect(snap.value.catalog).toEqual([]);
      const exported = await screen.history.export({ format: 'csv' });
      expect(!exported.ok && exported.error.code).toMatch(/^(UNAUTHORIZED|NOT_ALLOWED)$/);
      const listed = await screen.history.list({});
      expect(listed.ok).toBe(false);
    }
    const customer = service.connect('customer');
    const login = await customer.auth.login({ pin: '246810' });
    expect(!login.ok && login.error.code).toBe('NOT_ALLOWED');
    const tech = service.connect('bench');
    await tech.auth.login({ pin: '4711' });
    const exported = await tech.history.export({ format: 'csv' });
    expect(!exported.ok && exported.error.code).toBe('ADMIN_REQUIRED');
  });

  it('a login ends after the idle time without use, and each call keeps it alive', async () => {
    const idle = service.store.settings.get('sessionIdleSeconds') * 1000;
    const bench = service.connect('bench');
    await bench.auth.login({ pin: '4711' });
    clock.advance(idle - 1000);
    expect((await bench.jobs.list()).ok).toBe(true);
    clock.advance(idle - 1000);
    expect(bench.access().role).toBe('technician');
    clock.advance(1000);
    expect(bench.access().role).toBeNull();
    const after = await bench.jobs.list();
    expect(!after.ok && after.error.code).toBe('UNAUTHORIZED');
  });
});
