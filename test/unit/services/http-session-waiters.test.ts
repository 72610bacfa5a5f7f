import { describe, expect, it } from 'vitest';
import { HttpSessionWaiters } from '../../../src/main/services/http-session-waiters';
import type { FumoSession } from '../../../src/core/fumo/ports';
import { FakeClock } from '../../support/clock';

const session = (name: string) => ({ name }) as unknown as FumoSession;

describe('HttpSessionWaiters', () => {
  it('hands the next session of a phone to the job waiting for it, once', async () => {
    const waiters = new HttpSessionWaiters(new FakeClock());
    const next = waiters.next('IMEI:1', 60_000);
    expect(waiters.offer('IMEI:2', session('other'))).toBe(false);
    expect(waiters.offer('IMEI:1', session('first'))).toBe(true);
    await expect(next).resolves.toEqual({ name: 'first' });
    expect(waiters.offer('IMEI:1', session('second'))).toBe(false);
  });

  it('rejects with LINK_TIMEOUT when the phone does not call in time, and then waits no more', async () => {
    const clock = new FakeClock();
    const waiters = new HttpSessionWaiters(clock);
    const next = waiters.next('IMEI:1', 30_000);
    clock.advance(29_999);
    expect(waiters.offer('IMEI:9', session('x'))).toBe(false);
    clock.advance(1);
    await expect(next).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
    expect(waiters.offer('IMEI:1', session('late'))).toBe(false);
  });

  it('a session that comes in time stops the timer', async () => {
    const clock = new FakeClock();
    const waiters = new HttpSessionWaiters(clock);
    const next = waiters.next('IMEI:1', 30_000);
    waiters.offer('IMEI:1', session('in time'));
    clock.advance(60_000);
    await expect(next).resolves.toEqual({ name: 'in time' });
  });
});
