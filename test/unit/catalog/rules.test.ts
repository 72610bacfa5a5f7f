import { describe, expect, it } from 'vitest';
import {
  checkApproval,
  checkCompatibility,
  checkPreflight,
  checkRollback,
  compareVersions,
  downgradeFrom,
  evaluateUpdate,
  isRefusal,
  pickBundle,
  versionMatches,
} from '../../../src/core/catalog/rules';
import type { BundleManifest } from '../../../src/core/catalog/bundle';
import { manifestOf, payloadOf } from './helpers';

const base = manifestOf(payloadOf(10), 'ed25519:0000000000000000');
const m = (o: Partial<BundleManifest>): BundleManifest => ({ ...base, ...o });

describe('compareVersions', () => {
  const ordered = [
    ['1.0', '1.0.1'],
    ['1.2', '1.10'],
    ['1.9.9', '2'],
    ['0.0.1', '0.1'],
    ['V1.2', 'V1.10'],
    ['FW_2024.01-r7', 'FW_2024.01-r12'],
    ['1.0-beta', '1.0'],
    ['1.0rc', '1.0.1'],
    ['A100', 'B100'],
  ];
  for (const [lo, hi] of ordered) {
    it(`${lo} < ${hi}`, () => {
      expect(compareVersions(lo!, hi!)).toBe(-1);
      expect(compareVersions(hi!, lo!)).toBe(1);
    });
  }
  it('treats missing numeric fields as 0 and ignores case and separators in vendor strings', () => {
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
    expect(compareVersions('V1.2b', 'v1-2-B')).toBe(0);
    expect(compareVersions('12345678901234567890.1', '12345678901234567890.2')).toBe(-1);
  });
});

describe('versionMatches', () => {
  it('matches *, prefixes and exact versions', () => {
    expect(versionMatches('*', 'anything')).toBe(true);
    expect(versionMatches('1.0.*', '1.0.7')).toBe(true);
    expect(versionMatches('1.0.*', '1.1.0')).toBe(false);
    expect(versionMatches('1.0', '1.0.0')).toBe(true);
    expect(versionMatches('V1.0', 'v1.0')).toBe(true);
    expect(versionMatches('1.0.0', '1.0.1')).toBe(false);
  });
});

describe('compatibility', () => {
  it('refuses another model naming required and measured', () => {
    const r = checkCompatibility(m({ models: ['X1', 'X1 Pro'] }), { model: 'Y2', firmwareVersion: '1.0.0' });
    expect(r?.code).toBe('MODEL_MISMATCH');
    expect(r?.required).toBe('X1, X1 Pro');
    expect(r?.measured).toBe('Y2');
    expect(r?.message).toBe('This update is for X1, X1 Pro, the phone is Y2: choose the update for this model.');
  });
  it('refuses another from-version, and says up to date when already on the target', () => {
    const v = checkCompatibility(m({}), { model: 'x1', firmwareVersion: '0.9.0' });
    expect([v?.code, v?.required, v?.measured]).toEqual(['VERSION_MISMATCH', '1.0.0', '0.9.0']);
    const u = checkCompatibility(m({}), { model: 'X1', firmwareVersion: '1.1.0' });
    expect([u?.code, u?.measured]).toEqual(['UP_TO_DATE', '1.1.0']);
    expect(checkCompatibility(m({}), { model: 'X1', firmwareVersion: '1.0.0' })).toBeUndefined();
  });
});

describe('anti-rollback', () => {
  it('refuses a downgrade unless an admin allows it', () => {
    const bundle = m({ fromVersions: ['*'], targetVersion: '1.1.0' });
    const r = checkRollback(bundle, '2.0.0');
    expect([r?.code, r?.required, r?.measured]).toEqual(['DOWNGRADE_REFUSED', '2.0.0', '1.1.0']);
    expect(r?.message).toBe('Version 1.1.0 is older than 2.0.0: downgrades need an administrator.');
    expect(checkRollback(bundle, '2.0.0', { allowDowngrade: true })).toBeUndefined();
    expect(checkRollback(bundle, '1.1.0')?.code).toBe('UP_TO_DATE');
    expect(checkRollback(bundle, '1.0.0')).toBeUndefined();
  });
  it('finds bundles that move a device backwards', () => {
    expect(downgradeFrom(m({ fromVersions: ['1.0.0', '2.0.0'], targetVersion: '1.5.0' }))).toBe('2.0.0');
    expect(downgradeFrom(m({ fromVersions: ['*', '1.0.*'], targetVersion: '1.5.0' }))).toBeUndefined();
  });
});

describe('approval', () => {
  it('refuses a bundle without approval', () => {
    expect(checkApproval(m({ approval: null }))?.code).toBe('NOT_APPROVED');
    expect(checkApproval(m({ approval: undefined }))?.code).toBe('NOT_APPROVED');
    expect(checkApproval(m({}))).toBeUndefined();
  });
});

describe('pre-flight', () => {
  const dev = { model: 'X1', firmwareVersion: '1.0.0' };
  it('refuses a low battery with the default threshold of 30%', () => {
    const [r] = checkPreflight(m({}), { ...dev, batteryPercent: 29 });
    expect([r?.code, r?.required, r?.measured]).toEqual(['BATTERY_LOW', '30', '29']);
    expect(r?.message).toBe('Battery at 29%, needs 30%: charge the phone or connect power.');
    expect(checkPreflight(m({}), { ...dev, batteryPercent: 30 })).toEqual([]);
  });
  it('allows the override only on external power', () => {
    const opts = { allowLowBatteryOnExternalPower: true, batteryThreshold: 50 };
    expect(checkPreflight(m({}), { ...dev, batteryPercent: 10, externalPower: true }, opts)).toEqual([]);
    expect(checkPreflight(m({}), { ...dev, batteryPercent: 10, externalPower: false }, opts)[0]?.required).toBe('50');
    expect(checkPreflight(m({}), { ...dev, batteryPercent: 10, externalPower: true })[0]?.code).toBe('BATTERY_LOW');
  });
  it('refuses too little space in MB, only where reported', () => {
    const big = m({ size: 12_340_000 });
    const [r] = checkPreflight(big, { ...dev, freeBytes: 5_060_000 });
    expect([r?.code, r?.required, r?.measured]).toEqual(['NO_SPACE', '12.4', '5.0']);
    expect(checkPreflight(big, { ...dev, freeBytes: 12_340_000 })).toEqual([]);
    expect(checkPreflight(big, dev)).toEqual([]);
  });
  it('evaluateUpdate lists every blocking refusal as KioskErrors', () => {
    const out = evaluateUpdate(m({ approval: null }), { ...dev, batteryPercent: 5, freeBytes: 0 });
    expect(out.map((r) => r.code)).toEqual(['NOT_APPROVED', 'BATTERY_LOW', 'NO_SPACE']);
    expect(out.every(isRefusal)).toBe(true);
    expect(evaluateUpdate(m({}), dev)).toEqual([]);
  });
});

describe('pickBundle', () => {
  it('picks the highest approved compatible upgrade', () => {
    const c = [
      { manifest: m({ bundleId: 'a', fromVersions: ['1.0.0'], targetVersion: '1.1.0' }) },
      { manifest: m({ bundleId: 'b', fromVersions: ['1.0.*'], targetVersion: '1.2.0' }) },
      { manifest: m({ bundleId: 'c', fromVersions: ['*'], targetVersion: '1.3.0', approval: null }) },
      { manifest: m({ bundleId: 'd', fromVersions: ['*'], targetVersion: '9.0.0', models: ['Other'] }) },
      { manifest: m({ bundleId: 'e', fromVersions: ['*'], targetVersion: '0.9.0' }) },
    ];
    expect(pickBundle(c, { model: 'X1', firmwareVersion: '1.0.0' })?.manifest.bundleId).toBe('b');
    expect(pickBundle(c, { model: 'X1', firmwareVersion: '1.2.0' })).toBeUndefined();
  });
});
