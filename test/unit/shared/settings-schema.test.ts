/**
 * The settings an administrator sets: one schema (SettingsSchema) that the KioskApi, the store and
 * the screens share, with the receipt's and the DM endpoint's settings in it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsPatchSchema, SettingsSchema } from '../../../src/shared/schemas';
import { formatDmListen, parseDmListenSpec } from '../../../src/shared/dm-listen';
import { openStore, type KioskStore } from '../../../src/main/store';
import { settingsView } from '../../../src/main/services/kiosk-api';

describe('SettingsSchema', () => {
  it('has the receipt and DM endpoint settings, with defaults for every key and none beyond', () => {
    expect(Object.keys(DEFAULT_SETTINGS).sort()).toEqual(Object.keys(SettingsSchema.shape).sort());
    for (const k of ['shopName', 'shopAddress', 'receiptPrinter', 'receiptPaper', 'dmListen', 'dmCable', 'dmCertFile', 'dmKeyFile', 'allowNonLoopback']) expect(Object.keys(SettingsSchema.shape)).toContain(k);
    expect(DEFAULT_SETTINGS).toMatchObject({ shopName: '', receiptPrinter: '', receiptPaper: 'a4', dmListen: [], dmCable: [], dmCertFile: '', dmKeyFile: '', allowNonLoopback: false });
  });

  it('takes a shop, a printer and a paper size, and refuses a paper it does not know', () => {
    expect(SettingsPatchSchema.safeParse({ shopName: 'Handy-Eck', shopAddress: 'Hauptstr. 1\n10115 Berlin', receiptPrinter: 'theke', receiptPaper: '80mm' }).success).toBe(true);
    expect(SettingsPatchSchema.safeParse({ receiptPaper: 'letter' }).success).toBe(false);
    expect(SettingsPatchSchema.safeParse({ shopName: 'x'.repeat(121) }).success).toBe(false);
  });

  it('takes DM endpoint addresses as HOST:PORT with an IP address or an interface name, and says what is wrong otherwise', () => {
    for (const ok of ['127.0.0.1:8443', '[::1]:8443', '[fe80::1%usb0]:80', 'usb0:8443', 'enp0s20f0u1:0', '0.0.0.0:8443']) {
      expect(SettingsPatchSchema.safeParse({ dmListen: [ok] }).success, ok).toBe(true);
    }
    for (const bad of ['127.0.0.1', 'usb0', ':8443', '300.1.1.1:80', '127.0.0.1:70000', 'a b:80', '::1:80', '']) {
      const r = SettingsPatchSchema.safeParse({ dmCable: [bad] });
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message, bad).toMatch(/HOST:PORT|0 to 65535/);
    }
  });

  it('parses and writes an address the same way', () => {
    expect(parseDmListenSpec(' [::1]:8443 ')).toEqual({ host: '::1', port: 8443 });
    expect(parseDmListenSpec('usb0:8080')).toEqual({ host: 'usb0', port: 8080 });
    expect(formatDmListen({ host: '::1', port: 8443 })).toBe('[::1]:8443');
    expect(formatDmListen({ host: 'usb0', port: 80 })).toBe('usb0:80');
  });
});

describe('the settings the KioskApi shows', () => {
  let dir: string;
  let store: KioskStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-settings-view-'));
    store = openStore(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are every key of SettingsSchema with the stored values, and not the PIN guard settings', () => {
    store.settings.patch({ shopName: 'Handy-Eck', receiptPrinter: 'theke', dmCable: ['usb0:8080'], allowNonLoopback: true, pinMaxFailures: 7 });
    const view = settingsView(store);
    expect(Object.keys(view).sort()).toEqual(Object.keys(SettingsSchema.shape).sort());
    expect(view).toMatchObject({ shopName: 'Handy-Eck', receiptPrinter: 'theke', dmCable: ['usb0:8080'], allowNonLoopback: true });
    expect(SettingsSchema.strict().safeParse(view).success).toBe(true);
  });

  it('an unknown key is refused by name and nothing is stored', () => {
    expect(() => store.settings.patch({ shopName: 'A', shopColour: 'red' } as never)).toThrow(/setting shopColour: there is no such setting/);
    expect(store.settings.get('shopName')).toBe('');
  });
});
