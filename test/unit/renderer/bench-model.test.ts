import { describe, expect, it } from 'vitest';
import { deviceView, jobView } from '../../support/views';
import type { DeviceView, JobPhase, JobView } from '../../../src/shared/api';
import { deviceCardModel, placeOf } from '../../../src/renderer/components/device-model';
import { failureOf, nextStepOf } from '../../../src/renderer/components/failure';
import { dueRemovals, isHeld, NO_REMOVAL, removalReducer, secondsToUndo, UNDO_WINDOW_MS } from '../../../src/renderer/screens/admin/removal';
import { importProblemOf } from '../../../src/renderer/screens/admin/import-error';
import { createCustomerI18n, i18n, translateError } from '../../../src/renderer/i18n';

const device = (over: Partial<DeviceView> = {}): DeviceView => deviceView({ portId: 'usb-1-2.3', linkKind: 'usb', simulated: false, devId: 'IMEI:••••3801', attachedAt: 1, ...over });

const job = (phase: JobPhase, over: Partial<JobView> = {}): JobView => jobView(phase, { portId: 'usb-1-2.3', ...over });

const installFailed = { code: 'INSTALL_FAILED' as const, message: 'The phone could not install the update (result 410). It still runs its previous version.', details: { detail: 410 } };

describe('device card', () => {
  it('shows "Cancelling…" with no cancel button from the confirmation until the job ends', () => {
    const running = deviceCardModel(device({ jobId: 'j1', state: 'updating' }), job('downloading'), [], { cancelling: true });
    expect(running.statusKey).toBe('bench.cancelling');
    expect(running.actions).toEqual([]);
    expect(running.cancelling).toBe(true);
    const ended = deviceCardModel(device({ jobId: 'j1' }), job('cancelled'), [], { cancelling: true });
    expect(ended.cancelling).toBe(false);
    expect(ended.statusKey).toBe('phase.cancelled');
  });

  it('says the catalogue is empty instead of "no update for this model"', () => {
    const m = deviceCardModel(device({ state: 'no-update', targetVersion: null, bundleId: null }), undefined, [], { catalogEmpty: true });
    expect(m.catalogEmpty).toBe(true);
    expect(m.statusKey).toBe('state.catalogEmpty');
    expect(i18n.t(m.statusKey)).toBe('Catalogue empty');
    expect(deviceCardModel(device({ state: 'no-update' }), undefined, [], { catalogEmpty: false }).statusKey).toBe('state.no-update');
  });

  it('a failed install is said once: the problem with the same code is not repeated', () => {
    const problem = { code: 'INSTALL_FAILED' as const, message: 'x', required: null, measured: null, blocking: false };
    const other = { code: 'BATTERY_LOW' as const, message: 'y', required: 30, measured: 20, blocking: false };
    const m = deviceCardModel(device({ state: 'failed', jobId: 'j1', problems: [problem, other] }), job('failed', { error: installFailed }), []);
    expect(m.error?.code).toBe('INSTALL_FAILED');
    expect(m.problems.map((p) => p.code)).toEqual(['BATTERY_LOW']);
    expect(m.progress.tone).toBe('error');
  });

  it('names its place: the slot, else the port as people read it, else the port id', () => {
    expect(placeOf(device({ slot: 'Slot 3', portLabel: 'USB 1-2.3' }))).toBe('Slot 3');
    expect(placeOf(device({ slot: null, portLabel: 'USB 1-2.3' }))).toBe('USB 1-2.3');
    expect(placeOf(device())).toBe('usb-1-2.3');
  });
});

describe('a failure in plain words', () => {
  it('keeps the result code for the technician’s details only', () => {
    const f = failureOf(installFailed);
    expect(f.code).toBe('INSTALL_FAILED');
    expect(f.detail).toBe('410');
    const text = translateError(i18n.t, i18n, f.plain);
    expect(text).toBe('The phone could not install the update. It still runs its previous version.');
    expect(text).not.toContain('410');
    expect(text).not.toContain('result');
  });

  it('never shows an empty placeholder such as "(result )"', () => {
    for (const lng of ['en', 'de', 'es'] as const) {
      const t = createCustomerI18n(lng);
      const text = translateError(t.t, t, { code: 'INSTALL_FAILED', details: {} });
      expect(text).not.toMatch(/\(\s*\w*\s*\)/);
    }
  });

  it('names the next step by code: retry, charge, ask the manufacturer', () => {
    expect(nextStepOf('BATTERY_LOW')).toBe('charge');
    expect(nextStepOf('INSTALL_FAILED')).toBe('manufacturer');
    expect(nextStepOf('LINK_TIMEOUT')).toBe('reconnect');
    expect(nextStepOf('SESSION_ABORTED')).toBe('retry');
    expect(i18n.t('failure.manufacturer')).toMatch(/manufacturer/);
  });
});

describe('removing with undo', () => {
  it('asks first, holds the removal for the undo window, and only then it is due', () => {
    let s = removalReducer(NO_REMOVAL, { type: 'ask', id: 'b1' });
    expect(s.asking).toBe('b1');
    s = removalReducer(s, { type: 'confirm', id: 'b1', name: 'Bundle 1', now: 10_000 });
    expect(s.asking).toBeNull();
    expect(isHeld(s, 'b1')).toBe(true);
    expect(dueRemovals(s, 10_000 + UNDO_WINDOW_MS - 1)).toEqual([]);
    expect(dueRemovals(s, 10_000 + UNDO_WINDOW_MS).map((h) => h.id)).toEqual(['b1']);
    expect(secondsToUndo(s.held[0]!, 10_000)).toBe(UNDO_WINDOW_MS / 1000);
    s = removalReducer(s, { type: 'sent', ids: ['b1'] });
    expect(s.held).toEqual([]);
  });

  it('undo within the window: nothing becomes due', () => {
    let s = removalReducer(NO_REMOVAL, { type: 'confirm', id: 'k1', name: 'Key', now: 0 });
    s = removalReducer(s, { type: 'undo', id: 'k1' });
    expect(dueRemovals(s, UNDO_WINDOW_MS * 10)).toEqual([]);
    expect(isHeld(s, 'k1')).toBe(false);
  });

  it('"No" leaves everything as it was', () => {
    const s = removalReducer(removalReducer(NO_REMOVAL, { type: 'ask', id: 'b1' }), { type: 'keep' });
    expect(s).toEqual(NO_REMOVAL);
  });
});

describe('catalogue import errors', () => {
  it('a wrong path is a missing file, not a raw ENOENT', () => {
    const raw = { code: 'BUNDLE_INVALID' as const, message: "The update file is not valid: ENOENT: no such file or directory, open '/x'.", details: { detail: "ENOENT: no such file or directory, open '/x'" } };
    expect(importProblemOf(raw)).toBe('not-found');
    expect(importProblemOf({ code: 'INTERNAL', message: 'EISDIR: illegal operation on a directory', details: {} })).toBe('unreadable');
    expect(importProblemOf({ code: 'SIGNATURE_INVALID', message: 'not signed', details: {} })).toBeNull();
    expect(i18n.t('catalog.fileNotFound', { path: '/x' })).toBe('There is no file at /x. Check the path (for example the USB stick is mounted) and try again.');
  });
});
