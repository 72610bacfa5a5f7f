/**
 * The DM endpoint's addresses from the settings: the same rules as the flags, interface names
 * turned into their addresses, and a value the endpoint would refuse at start refused when set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dmListenFromFlags, dmListenFromSettings, dmListenRefusal, resolveDmListen, type InterfaceTable } from '../../../src/main/services/dm-endpoint';
import { changeSettings } from '../../../src/main/services/settings-change';
import { openStore, type KioskStore } from '../../../src/main/store';
import { DEFAULT_SETTINGS } from '../../../src/shared/schemas';

const TABLE: InterfaceTable = {
  lo: [{ address: '127.0.0.1', family: 'IPv4' }],
  usb0: [
    { address: '192.168.42.129', family: 'IPv4' },
    { address: 'fe80::c0de:1', family: 'IPv6' },
  ],
};

const dm = (s: Partial<typeof DEFAULT_SETTINGS>) => ({ ...DEFAULT_SETTINGS, ...s });

describe('DM endpoint addresses from the settings', () => {
  it('none set: undefined, so the endpoint keeps its default (127.0.0.1 on a free port)', () => {
    expect(dmListenFromSettings(DEFAULT_SETTINGS)).toBeUndefined();
  });

  it('read like the flags: listed addresses, and cable addresses marked', () => {
    expect(dmListenFromSettings(dm({ dmListen: ['127.0.0.1:8443'], dmCable: ['usb0:8080'] }))).toEqual([
      { host: '127.0.0.1', port: 8443 },
      { host: 'usb0', port: 8080, cable: true },
    ]);
    expect(dmListenFromSettings(dm({ dmCable: ['usb0:8080'] }))).toEqual(dmListenFromFlags({ dmCable: ['usb0:8080'] }));
  });

  it('a certificate without its key is refused with the flags\' message', () => {
    expect(() => dmListenFromSettings(dm({ dmCertFile: '/etc/kiosk/dm.pem' }))).toThrow('HTTPS on the DM endpoint needs both --dm-cert FILE and --dm-key FILE (or both settings dmCertFile and dmKeyFile)');
  });

  it('an interface name becomes its addresses (link-local IPv6 with its zone), keeping the cable mark', () => {
    const { addresses, missing } = resolveDmListen([{ host: 'usb0', port: 8080, cable: true }, { host: '127.0.0.1', port: 0 }], TABLE);
    expect(addresses).toEqual([
      { host: '192.168.42.129', port: 8080, cable: true },
      { host: 'fe80::c0de:1%usb0', port: 8080, cable: true },
      { host: '127.0.0.1', port: 0 },
    ]);
    expect(missing).toEqual([]);
  });

  it('an interface that is not there now is left out and named', () => {
    const { addresses, missing } = resolveDmListen([{ host: 'usb1', port: 8080, cable: true }], TABLE);
    expect(addresses).toEqual([]);
    expect(missing).toEqual(['usb1:8080']);
  });

  it('all interfaces: HTTPS only; a cable mark does not make them a cable\'s', () => {
    expect(dmListenRefusal({ host: '0.0.0.0', port: 80, cable: true })).toMatch(/serves all interfaces \(0\.0\.0\.0\) only over HTTPS/);
    expect(dmListenRefusal({ host: '::', port: 80 })).toMatch(/all interfaces \(::\)/);
    expect(dmListenRefusal({ host: '0.0.0.0', port: 443, tls: { cert: 'c', key: 'k' } })).toBeUndefined();
  });

  it('plain HTTP beyond loopback names both ways to allow it', () => {
    const r = dmListenRefusal({ host: '192.168.42.129', port: 8080 });
    expect(r).toContain('the DM endpoint serves 192.168.42.129 only over HTTPS');
    expect(r).toContain('--dm-cable 192.168.42.129:8080');
    expect(r).toContain('the setting dmCable');
    expect(dmListenRefusal({ host: '192.168.42.129', port: 8080, cable: true })).toBeUndefined();
    expect(dmListenRefusal({ host: '::1', port: 8080 })).toBeUndefined();
  });
});

describe('changing the DM endpoint settings', () => {
  let dir: string;
  let store: KioskStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-dm-settings-'));
    store = openStore(path.join(dir, 'data'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses plain HTTP on an interface without the cable mark, and stores nothing', () => {
    expect(() => changeSettings(store.settings, { shopName: 'A', dmListen: ['usb0:8080'] }, () => TABLE)).toThrow(/serves 192\.168\.42\.129 only over HTTPS/);
    expect(store.settings.getAll()).toMatchObject({ shopName: '', dmListen: [] });
  });

  it('takes the interface as a cable\'s, and an interface unplugged now', () => {
    expect(changeSettings(store.settings, { dmCable: ['usb0:8080'] }, () => TABLE).dmCable).toEqual(['usb0:8080']);
    expect(changeSettings(store.settings, { dmListen: ['usb7:8443'] }, () => TABLE).dmListen).toEqual(['usb7:8443']);
  });

  it('takes a certificate and key given together, refuses an unreadable one or one that is not PEM', () => {
    const cert = path.join(dir, 'dm.pem');
    const key = path.join(dir, 'dm.key');
    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
    expect(() => changeSettings(store.settings, { dmCertFile: cert }, () => TABLE)).toThrow(/needs both/);
    expect(changeSettings(store.settings, { dmCertFile: cert, dmKeyFile: key, dmListen: ['0.0.0.0:8443'] }, () => TABLE)).toMatchObject({ dmCertFile: cert, dmKeyFile: key, dmListen: ['0.0.0.0:8443'] });
    expect(() => changeSettings(store.settings, { dmKeyFile: path.join(dir, 'gone.key') }, () => TABLE)).toThrow(/key .*gone\.key cannot be read/);
    writeFileSync(path.join(dir, 'plain.txt'), 'not a certificate');
    expect(() => changeSettings(store.settings, { dmCertFile: path.join(dir, 'plain.txt') }, () => TABLE)).toThrow(/is not a PEM file/);
    expect(store.settings.get('dmKeyFile')).toBe(key);
  });

  it('a badly written address gets the address rule\'s message, naming the setting', () => {
    expect(() => changeSettings(store.settings, { dmListen: ['usb0'] }, () => TABLE)).toThrow(/setting dmListen: a DM endpoint address is HOST:PORT/);
  });
});
