/**
 * People on an administrator's screen: the same PIN rules as the command line with plain typed
 * refusals, never the last administrator taken away nor the signed-in administrator's own login,
 * every change in the history without the PIN, an event for open administrator screens, and a
 * login that ends once its person is removed. Against the real service and its store (fake clock).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { MemoryPins } from '../../../src/main/demo/memory-pins';
import { People } from '../../../src/main/services/people';
import type { KioskConnection, KioskEventMessage, PeopleView, Result } from '../../../src/shared/api';
import { FakeClock } from '../../support/clock';

function errorOf(r: Result<unknown>): { code: string; message: string } {
  if (r.ok) throw new Error('expected a refusal, got ok');
  return { code: r.error.code, message: r.error.message };
}

describe('people, managed through the KioskApi', () => {
  let root: string;
  let clock: FakeClock;
  let service: KioskService;
  let admin: KioskConnection;

  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-people-'));
    clock = new FakeClock();
    service = new KioskService({ dataDir: path.join(root, 'k'), sources: [], clock });
    await service.ensurePin('ada', 'admin', '246810');
    await service.ensurePin('tom', 'technician', '4711');
    await service.start();
    admin = service.connect('bench');
    expect((await admin.auth.login({ pin: '246810' })).ok).toBe(true);
  });
  afterEach(async () => {
    await service.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists names, roles and when the PIN was set, never a hash; a technician may not list', async () => {
    const r = await admin.people.list();
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.people.map((p) => [p.name, p.role, p.lockedUntil])).toEqual([
      ['ada', 'admin', null],
      ['tom', 'technician', null],
    ]);
    expect(r.value.people.every((p) => p.pinSetAt > 0)).toBe(true);
    expect(r.value.loginLockedUntil).toBeNull();
    expect(JSON.stringify(r.value)).not.toMatch(/hash|salt|scrypt|246810|4711/);

    const tech = service.connect('bench');
    await tech.auth.login({ pin: '4711' });
    expect(errorOf(await tech.people.list()).code).toBe('ADMIN_REQUIRED');
    expect(errorOf(await tech.people.setPin({ name: 'eve', role: 'admin', pin: '99887766' })).code).toBe('ADMIN_REQUIRED');
  });

  it('adds a technician whose PIN then opens the bench; the history names who did it and never holds the PIN', async () => {
    const set = await admin.people.setPin({ name: '  Ben Bench ', role: 'technician', pin: '583920' });
    expect(set.ok && [set.value.name, set.value.role, set.value.pinSetBy]).toEqual(['Ben Bench', 'technician', 'ada']);

    const bench = service.connect('bench');
    const login = await bench.auth.login({ pin: '583920' });
    expect(login.ok && login.value.user).toEqual({ id: 'Ben Bench', name: 'Ben Bench', role: 'technician' });

    const setEvents = service.store.audit.events({ type: 'pin-set' });
    expect(setEvents[0]).toMatchObject({ actor: 'ada', data: { name: 'Ben Bench', role: 'technician' } });
    expect(JSON.stringify(service.store.audit.events())).not.toContain('583920');
  });

  it('refuses PINs the command line refuses, in plain words, and changes nothing', async () => {
    const short = errorOf(await admin.people.setPin({ name: 'eve', role: 'admin', pin: '48291' }));
    expect(short).toEqual({ code: 'ADMIN_PIN_FORMAT', message: 'Administrator PINs have at least 6 digits (digits only, at most 12). Choose another PIN and type it twice.' });
    expect(errorOf(await admin.people.setPin({ name: 'eve', role: 'technician', pin: '123' })).message).toMatch(/^Technician PINs have at least 4 digits/);
    expect(errorOf(await admin.people.setPin({ name: 'eve', role: 'technician', pin: '12ab56' })).code).toBe('TECHNICIAN_PIN_FORMAT');
    expect(errorOf(await admin.people.setPin({ name: 'eve', role: 'technician', pin: '1234567890123' })).code).toBe('TECHNICIAN_PIN_FORMAT');
    expect(errorOf(await admin.people.setPin({ name: 'eve', role: 'technician', pin: '4711' }))).toEqual({
      code: 'PIN_TAKEN',
      message: 'Another person already uses this PIN. Choose a different one.',
    });
    expect(errorOf(await admin.people.setPin({ name: '   ', role: 'technician', pin: '5555' })).code).toBe('PERSON_NAME_INVALID');
    expect(errorOf(await admin.people.setPin({ name: 'eve\nroot', role: 'technician', pin: '5555' })).code).toBe('PERSON_NAME_INVALID');
    expect(errorOf(await admin.people.setPin({ name: 'e'.repeat(41), role: 'technician', pin: '5555' })).code).toBe('PERSON_NAME_INVALID');
    const r = await admin.people.list();
    expect(r.ok && r.value.people.map((p) => p.name)).toEqual(['ada', 'tom']);
    expect(service.store.audit.events({ type: 'pin-set' }).filter((e) => e.actor === 'ada')).toEqual([]);
  });

  it('an administrator cannot remove or demote their own login while signed in', async () => {
    expect(errorOf(await admin.people.remove({ name: 'ada' }))).toEqual({
      code: 'OWN_LOGIN',
      message: 'You are signed in as ada, so you cannot remove your own login or take away your own administrator role. Ask another administrator to do it.',
    });
    expect(errorOf(await admin.people.setPin({ name: 'ada', role: 'technician', pin: '246811' })).code).toBe('OWN_LOGIN');
    expect(service.store.pins.list().find((p) => p.name === 'ada')?.role).toBe('admin');
  });

  it('of two administrators removing each other at once, the second is refused: the kiosk keeps one', async () => {
    await service.ensurePin('bob', 'admin', '135791');
    const bob = service.connect('bench');
    await bob.auth.login({ pin: '135791' });
    const [first, second] = await Promise.all([admin.people.remove({ name: 'bob' }), bob.people.remove({ name: 'ada' })]);
    expect(first.ok).toBe(true);
    expect(errorOf(second)).toEqual({
      code: 'LAST_ADMIN',
      message: 'ada is the last administrator: without one the kiosk would have nobody to manage it. Make another person an administrator first.',
    });
    expect(service.store.pins.list().map((p) => p.name)).toEqual(['ada', 'tom']);
  });

  it('a demotion still hashing the new PIN and a removal at the same moment cannot leave the kiosk without an administrator', async () => {
    await service.ensurePin('bob', 'admin', '135791');
    const bob = service.connect('bench');
    await bob.auth.login({ pin: '135791' });
    const [demoted, removed] = await Promise.all([admin.people.setPin({ name: 'bob', role: 'technician', pin: '135792' }), bob.people.remove({ name: 'ada' })]);
    expect(demoted.ok).toBe(true);
    expect(errorOf(removed).code).toBe('LAST_ADMIN');
    expect(service.store.pins.list().filter((p) => p.role === 'admin').map((p) => p.name)).toEqual(['ada']);
  });

  it('a removed person is logged out at their screen\'s next call, and the removal is in the history with who did it', async () => {
    const tom = service.connect('bench');
    await tom.auth.login({ pin: '4711' });
    expect((await tom.devices.list()).ok).toBe(true);
    expect((await admin.people.remove({ name: 'tom' })).ok).toBe(true);
    expect(errorOf(await tom.devices.list()).code).toBe('UNAUTHORIZED');
    expect(tom.access().role).toBeNull();
    expect(service.store.audit.events({ type: 'pin-removed' })[0]).toMatchObject({ actor: 'ada', data: { name: 'tom' } });
    expect(errorOf(await admin.people.remove({ name: 'tom' })).code).toBe('PERSON_NOT_FOUND');
  });

  it('shows the bench\'s lockout after wrong PINs and unlocks it, recorded in the history', async () => {
    service.store.settings.patch({ pinMaxFailures: 3, pinBaseDelayMs: 1, pinLockoutMs: 600_000 });
    const bench = service.connect('bench');
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await bench.auth.login({ pin: '0000' });
    }
    expect(errorOf(await bench.auth.login({ pin: '4711' })).code).toBe('PIN_LOCKED');
    const locked = await admin.people.list();
    expect(locked.ok && locked.value.loginLockedUntil).toBeGreaterThan(clock.now());

    const unlocked = await admin.people.unlock({});
    expect(unlocked.ok && unlocked.value.loginLockedUntil).toBeNull();
    expect((await bench.auth.login({ pin: '4711' })).ok).toBe(true);
    expect(service.store.audit.events({ type: 'pin-unlocked' })[0]).toMatchObject({ actor: 'ada', data: { subject: 'login', wasLocked: true } });
  });

  it('announces every change to administrator screens only', async () => {
    const tech = service.connect('bench');
    await tech.auth.login({ pin: '4711' });
    const customer = service.connect('customer');
    const views: PeopleView[] = [];
    const seenBy: string[] = [];
    service.on('people:changed', (payload) => {
      views.push(payload);
      const m = { event: 'people:changed', payload } as KioskEventMessage;
      for (const [name, c] of [['admin', admin], ['tech', tech], ['customer', customer]] as const) if (c.sees(m)) seenBy.push(name);
    });
    await admin.people.setPin({ name: 'cleo', role: 'technician', pin: '8642' });
    expect(views.at(-1)?.people.map((p) => p.name)).toEqual(['ada', 'cleo', 'tom']);
    expect(seenBy).toEqual(['admin']);
  });
});

describe('People rules over the demo\'s in-memory PINs', () => {
  it('refuses to demote the last administrator even when the caller\'s own login was taken away elsewhere', async () => {
    let t = 1000;
    const pins = new MemoryPins(() => t++, { '246810': { name: 'ada', role: 'admin' } });
    const changes: PeopleView[] = [];
    const people = new People(pins, (v) => changes.push(v));
    await expect(people.setPin({ name: 'old-admin', role: 'admin' }, { name: 'ada', role: 'technician', pin: '246810' })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    await expect(people.remove({ name: 'old-admin', role: 'admin' }, 'ada')).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    expect(pins.list()).toEqual([{ name: 'ada', role: 'admin', updatedAt: 1000 }]);
    expect(changes).toEqual([]);
  });
});
