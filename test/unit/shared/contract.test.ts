import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  KIOSK_EVENT_NAMES,
  KIOSK_METHODS,
  createApiClient,
  fail,
  invokeMethod,
  maskDevId,
  ok,
  toApiError,
  type KioskMethod,
  type MethodParams,
  type MethodValue,
  type Result,
} from '../../../src/shared/api';
import {
  EVENT_SCHEMAS,
  METHOD_SCHEMAS,
  DEFAULT_SETTINGS,
  StartJobParamsSchema,
  SettingsSchema,
} from '../../../src/shared/schemas';

// Compile-time: the zod table and the KioskApi interface describe the same arguments and values.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type SchemaParams<M extends KioskMethod> = z.input<(typeof METHOD_SCHEMAS)[M]['params']>;
type SchemaValue<M extends KioskMethod> = z.output<(typeof METHOD_SCHEMAS)[M]['result']>;
type ParamsAgree = { [M in KioskMethod]: Equal<SchemaParams<M>, MethodParams<M>> };
type ValuesAgree = { [M in KioskMethod]: Equal<SchemaValue<M>, MethodValue<M>> };
const paramsAgree: { [M in KioskMethod]: true } = {} as ParamsAgree;
const valuesAgree: { [M in KioskMethod]: true } = {} as ValuesAgree;
void paramsAgree;
void valuesAgree;

describe('KioskApi contract', () => {
  it('has a schema for every method and every event, and nothing else', () => {
    expect(Object.keys(METHOD_SCHEMAS).sort()).toEqual([...KIOSK_METHODS].sort());
    expect(Object.keys(EVENT_SCHEMAS).sort()).toEqual([...KIOSK_EVENT_NAMES].sort());
  });

  it('start needs exactly one of portId and devId', () => {
    expect(
      StartJobParamsSchema.safeParse({ portId: 'p1', schedule: 'now', consentMode: 'customer' }).success,
    ).toBe(true);
    expect(
      StartJobParamsSchema.safeParse({ devId: 'IMEI:1', schedule: 'later', consentMode: 'operator' }).success,
    ).toBe(true);
    expect(StartJobParamsSchema.safeParse({ schedule: 'now', consentMode: 'customer' }).success).toBe(false);
    expect(
      StartJobParamsSchema.safeParse({ portId: 'p', devId: 'd', schedule: 'now', consentMode: 'customer' })
        .success,
    ).toBe(false);
    expect(
      StartJobParamsSchema.safeParse({ portId: 'p', schedule: 'soon', consentMode: 'customer' }).success,
    ).toBe(false);
    expect(
      StartJobParamsSchema.safeParse({ portId: 'p', schedule: 'now', consentMode: 'customer', extra: 1 })
        .success,
    ).toBe(false);
  });

  it('default settings are valid settings', () => {
    expect(SettingsSchema.safeParse(DEFAULT_SETTINGS).success).toBe(true);
    expect(SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, concurrency: 0 }).success).toBe(false);
  });

  it('masks a DevId keeping the scheme and the last four characters', () => {
    expect(maskDevId('IMEI:493005100592800')).toBe('IMEI:' + '•'.repeat(11) + '2800');
    expect(maskDevId('ABCDEFGH')).toBe('••••EFGH');
    expect(maskDevId('abc')).toBe('•••');
  });

  it('fail() fills the plain-language message from the code', () => {
    const r = fail('BATTERY_LOW', { required: 30, measured: 12 });
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'BATTERY_LOW',
        message: 'Battery at 12%, needs 30%: charge the phone or connect power.',
        details: { required: 30, measured: 12 },
      },
    });
  });

  it('toApiError keeps a coded error and wraps anything else as INTERNAL', () => {
    expect(toApiError(Object.assign(new Error('busy now'), { code: 'BUSY', details: {} })).code).toBe('BUSY');
    expect(toApiError({ code: 'NOT_A_CODE' }).code).toBe('INTERNAL');
    expect(toApiError(new Error('boom')).message).toContain('boom');
  });

  it('a client built from invoke() reaches the right method of an implementation', async () => {
    const calls: string[] = [];
    const impl = createApiClient(async (method, params) => {
      calls.push(`${method}:${JSON.stringify(params ?? null)}`);
      if (method === 'jobs.cancel') throw new Error('kaput');
      return ok(method);
    });
    const client = createApiClient((method, params) => invokeMethod(impl, method, params));
    expect(await client.devices.list()).toEqual({ ok: true, value: 'devices.list' });
    expect(await client.jobs.start({ portId: 'p1', schedule: 'now', consentMode: 'customer' })).toEqual({
      ok: true,
      value: 'jobs.start',
    });
    const cancelled: Result<unknown> = await client.jobs.cancel({ jobId: 'j1' });
    expect(cancelled.ok).toBe(false);
    if (!cancelled.ok) expect(cancelled.error.code).toBe('INTERNAL');
    expect(calls).toEqual([
      'devices.list:null',
      'jobs.start:{"portId":"p1","schedule":"now","consentMode":"customer"}',
      'jobs.cancel:{"jobId":"j1"}',
    ]);
  });
});
