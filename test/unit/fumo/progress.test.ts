import { describe, expect, it } from 'vitest';
import { FIRST_CHUNK_BYTES, MIN_CHUNK_BYTES, ProgressMeter, chunkBytesForSpeed, formatEta, formatMB, formatSpeed } from '../../../src/core/fumo/progress';
import { describeFumoResult, isFumoSuccess } from '../../../src/core/fumo/result-codes';

function clockAt(start = 0): { now(): number; t: number } {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('ProgressMeter', () => {
  it('averages speed over the last 5 seconds only', () => {
    const c = clockAt();
    const m = new ProgressMeter(c, 10_000_000);
    m.restartAt(0);
    // 10 s at 100 000 B/s ...
    for (let s = 1; s <= 10; s++) {
      c.t = s * 1000;
      m.update(s * 100_000);
    }
    expect(m.reading().speedBps).toBeCloseTo(100_000, 6);
    // ... then 5 s at 300 000 B/s: the window now sees only the faster part.
    for (let s = 11; s <= 15; s++) {
      c.t = s * 1000;
      m.update(1_000_000 + (s - 10) * 300_000);
    }
    const r = m.reading();
    expect(r.speedBps).toBeCloseTo(300_000, 6);
    // ETA = remaining / speed = (10 000 000 - 2 500 000) / 300 000 = 25 s.
    expect(r.bytes).toBe(2_500_000);
    expect(r.etaSeconds).toBeCloseTo(25, 6);
  });

  it('interpolates the window start between samples', () => {
    const c = clockAt();
    const m = new ProgressMeter(c, 1_000_000);
    m.restartAt(0);
    c.t = 4000;
    m.update(40_000); // 10 000 B/s for 4 s
    c.t = 8000;
    m.update(240_000); // 50 000 B/s for 4 s
    // Window 3000..8000: 1 s at 10 000 + 4 s at 50 000 = 210 000 bytes in 5 s = 42 000 B/s.
    expect(m.reading().speedBps).toBeCloseTo(42_000, 6);
  });

  it('has no speed and no ETA before time has passed; a resume does not count the jump as speed', () => {
    const c = clockAt(1000);
    const m = new ProgressMeter(c, 100);
    expect(m.update(0)).toMatchObject({ speedBps: 0, etaSeconds: undefined });
    m.restartAt(60);
    c.t = 2000;
    const r = m.update(70);
    expect(r.speedBps).toBeCloseTo(10, 6);
    expect(r.etaSeconds).toBeCloseTo(3, 6);
  });

  it('formats with MB = 10^6 bytes', () => {
    expect(formatMB(2_500_000)).toBe('2.5 MB');
    expect(formatSpeed(92_160)).toBe('0.09 MB/s');
    expect(formatSpeed(40_000_000)).toBe('40.0 MB/s');
    expect(formatEta(65)).toBe('1:05');
    expect(formatEta(3723)).toBe('1:02:03');
    expect(formatEta(undefined)).toBe('--:--');
  });
});

describe('FUMO result codes', () => {
  it('200 and 250-299 are success, everything else a named failure', () => {
    expect(isFumoSuccess(200)).toBe(true);
    expect(isFumoSuccess(250)).toBe(true);
    expect(isFumoSuccess(299)).toBe(true);
    expect(isFumoSuccess(249)).toBe(false);
    expect(isFumoSuccess(300)).toBe(false);
    expect(describeFumoResult(402)).toMatchObject({ ok: false, name: 'Corrupted firmware update package', errorCode: 'PAYLOAD_CORRUPT' });
    expect(describeFumoResult(410)).toMatchObject({ ok: false, name: 'Firmware update failed', errorCode: 'INSTALL_FAILED' });
    expect(describeFumoResult(401).errorCode).toBe('DEVICE_DECLINED');
    expect(describeFumoResult(460).name).toContain('vendor');
    expect(describeFumoResult(560).errorCode).toBe('DOWNLOAD_FAILED');
    for (const code of [400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 500, 501, 502, 503]) {
      const r = describeFumoResult(code);
      expect(r.ok).toBe(false);
      expect(r.outcome.length).toBeGreaterThan(10);
    }
  });
});

describe('chunk size for the line rate', () => {
  it('a chunk is at most about a second of the measured speed; small before any speed is known', () => {
    expect(chunkBytesForSpeed(0)).toBe(FIRST_CHUNK_BYTES);
    expect(chunkBytesForSpeed(Number.NaN)).toBe(FIRST_CHUNK_BYTES);
    // 115 200 baud moves 11 520 bytes a second: a chunk stays under that.
    expect(chunkBytesForSpeed(11_520)).toBeLessThanOrEqual(11_520);
    expect(chunkBytesForSpeed(11_520)).toBeGreaterThan(9_000);
    expect(chunkBytesForSpeed(100)).toBe(MIN_CHUNK_BYTES);
    // A fast link: far above any MaxMsgSize, so the phone's limit decides.
    expect(chunkBytesForSpeed(40_000_000)).toBeGreaterThan(1_000_000);
  });
});
