/**
 * The bench's port assignments in the store: what an administrator may save, what is refused
 * (with its code and the values people need), and that every change lands in the history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../src/core/errors';
import { openStore, type KioskStore } from '../../../src/main/store';
import { SCHEMA_VERSION } from '../../../src/main/store/db';
import { checkPortName, checkSlotName } from '../../../src/main/store/port-assignments';

const ADMIN = { name: 'alex', role: 'admin' } as const;
const TECH = { name: 'toni', role: 'technician' } as const;

function codeOf(fn: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (e instanceof KioskError) return { code: e.code, details: e.details as Record<string, unknown> };
    throw e;
  }
  throw new Error('expected a KioskError');
}

describe('port names and slot names', () => {
  it('takes the ways the scanner names a port', () => {
    for (const p of ['/dev/ttyUSB0', '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K5ZQ1-if00-port0', 'COM3', '1-3.4', '2@7', 'sn:A10K5ZQ1', 'usb:1-3.4', 'sim:sim-42-1']) {
      expect(checkPortName(`  ${p} `)).toBe(p);
    }
  });

  it('refuses anything else with PORT_NAME_INVALID naming it', () => {
    for (const p of ['', 'hello world', 'ttyUSB0', '../../etc/passwd', '/dev/tty USB0', 'x'.repeat(201)]) {
      expect(codeOf(() => checkPortName(p)).code).toBe('PORT_NAME_INVALID');
    }
    expect(codeOf(() => checkPortName('ttyUSB0')).details.detail).toBe('ttyUSB0');
  });

  it('a slot name is trimmed, at most 40 characters on one line; empty means none', () => {
    expect(checkSlotName('  Slot 3 ')).toBe('Slot 3');
    expect(checkSlotName('Platz 4 – links')).toBe('Platz 4 – links');
    expect(checkSlotName('x'.repeat(40))).toBe('x'.repeat(40));
    expect(checkSlotName('   ')).toBeNull();
    expect(checkSlotName(null)).toBeNull();
    const long = codeOf(() => checkSlotName('x'.repeat(41)));
    expect(long).toEqual({ code: 'SLOT_NAME_INVALID', details: { required: 40, measured: 41 } });
    expect(new KioskError('SLOT_NAME_INVALID', long.details as Record<string, number>).message).toBe(
      'A slot name is 1 to 40 characters on one line; this one has 41. Shorten it and save again.',
    );
    expect(codeOf(() => checkSlotName('Slot\n3')).code).toBe('SLOT_NAME_INVALID');
  });
});

describe('PortAssignmentStore', () => {
  let dir: string;
  let store: KioskStore;
  let now = 1_760_000_000_000;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fumo-ports-'));
    store = openStore(dir, { clock: { now: () => now } });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a profile and a slot name per port, replaces them, and removes them', () => {
    expect(store.ports.list()).toEqual([]);
    store.ports.assign('/dev/ttyUSB0', { profileId: 'generic-serial', slot: 'Slot 3' }, ADMIN);
    store.ports.assign('1-3.4', { slot: 'Slot 1' }, ADMIN);
    expect(store.ports.list()).toEqual([
      { port: '/dev/ttyUSB0', profileId: 'generic-serial', slot: 'Slot 3', updatedAt: now, updatedBy: 'alex' },
      { port: '1-3.4', profileId: null, slot: 'Slot 1', updatedAt: now, updatedBy: 'alex' },
    ].sort((a, b) => a.port.localeCompare(b.port)));
    now += 1000;
    store.ports.assign('/dev/ttyUSB0', { profileId: null, slot: 'Slot 4' }, ADMIN);
    expect(store.ports.get('/dev/ttyUSB0')).toMatchObject({ profileId: null, slot: 'Slot 4', updatedAt: now });
    // Neither a profile nor a name: nothing is left to keep.
    expect(store.ports.assign('1-3.4', { slot: '  ' }, ADMIN)).toBeUndefined();
    expect(store.ports.get('1-3.4')).toBeUndefined();
    expect(store.ports.unassign('/dev/ttyUSB0', ADMIN)).toBe(true);
    expect(store.ports.unassign('/dev/ttyUSB0', ADMIN)).toBe(false);
    expect(store.ports.list()).toEqual([]);
  });

  it('records every change in the history, and the chain stays intact', () => {
    store.ports.assign('/dev/ttyUSB0', { profileId: 'generic-serial', slot: 'Slot 3' }, ADMIN);
    store.ports.unassign('/dev/ttyUSB0', ADMIN);
    const events = store.audit.events().map((e) => ({ type: e.type, actor: e.actor, data: e.data }));
    expect(events).toEqual([
      { type: 'port-unassigned', actor: 'alex', data: { port: '/dev/ttyUSB0' } },
      { type: 'port-assigned', actor: 'alex', data: { port: '/dev/ttyUSB0', profileId: 'generic-serial', slot: 'Slot 3' } },
    ]);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('refuses a technician, a bad port and a long name, and saves nothing then', () => {
    expect(codeOf(() => store.ports.assign('/dev/ttyUSB0', { slot: 'Slot 3' }, TECH)).code).toBe('ADMIN_REQUIRED');
    expect(codeOf(() => store.ports.unassign('/dev/ttyUSB0', TECH)).code).toBe('ADMIN_REQUIRED');
    expect(codeOf(() => store.ports.assign('printer', { slot: 'Slot 3' }, ADMIN)).code).toBe('PORT_NAME_INVALID');
    expect(codeOf(() => store.ports.assign('/dev/ttyUSB0', { slot: 'S'.repeat(41) }, ADMIN)).code).toBe('SLOT_NAME_INVALID');
    expect(store.ports.list()).toEqual([]);
    expect(store.audit.events()).toEqual([]);
  });

  it('a database of the schema before slots is migrated and keeps what it had', () => {
    store.close();
    const file = path.join(dir, 'kiosk.db');
    const db = new Database(file);
    db.exec('DROP TABLE port_assignments');
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    db.prepare("INSERT INTO settings (key, value) VALUES ('concurrency', '3')").run();
    db.close();
    store = openStore(dir, { clock: { now: () => now } });
    expect(store.settings.get('concurrency')).toBe(3);
    store.ports.assign('/dev/ttyACM0', { slot: 'Slot 2' }, ADMIN);
    expect(store.ports.get('/dev/ttyACM0')?.slot).toBe('Slot 2');
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});
