import { describe, expect, it } from 'vitest';
import { UpdateTimeEstimator } from '../../../src/main/services/update-time';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import type { DeviceProfile } from '../../../src/transport/profiles';

const serial115200 = { id: 'bench-serial', linkKind: 'serial', serial: { baudRate: 115200, flowControl: 'none' } } as DeviceProfile;
const usb = { id: 'bench-usb', linkKind: 'usb' } as DeviceProfile;

function finished(jobId: string, bytes: number, downloadS: number, installS: number): JobSnapshot {
  const t0 = 1_000_000;
  return {
    jobId,
    state: 'done',
    download: { method: 'large-object', totalBytes: bytes, acknowledgedBytes: bytes, complete: true, bytesSentTotal: bytes },
    history: [
      ['downloading', t0],
      ['installing', t0 + downloadS * 1000],
      ['verifying', t0 + (downloadS + installS) * 1000],
      ['done', t0 + (downloadS + installS) * 1000 + 500],
    ],
  } as unknown as JobSnapshot;
}

describe('UpdateTimeEstimator', () => {
  it('before any update: 4 MB at 115200 baud is minutes, not "about 1 minute"', () => {
    const e = new UpdateTimeEstimator();
    const s = e.estimate(serial115200, 4_000_000);
    // 4e6 bytes at 10 368 bytes/s of firmware is 386 s, plus the install allowance.
    expect(s).toBe(Math.ceil(4_000_000 / ((115200 / 10) * 0.9) + 60));
    expect(s).toBeGreaterThan(6 * 60);
  });

  it('learns the rate and install time measured on the same profile, each profile on its own', () => {
    const e = new UpdateTimeEstimator();
    e.record('bench-usb', finished('a', 10_000_000, 10, 20));
    e.record('bench-usb', finished('a', 10_000_000, 99, 99)); // the same job reported twice counts once
    e.record('bench-usb', finished('b', 10_000_000, 12, 24));
    e.record('bench-usb', finished('c', 10_000_000, 8, 22));
    // Median rate 1 MB/s for 5 MB, median install 22 s.
    expect(e.estimate(usb, 5_000_000)).toBe(5 + 22);
    expect(e.estimate(serial115200, 1_000_000)).toBe(Math.ceil(1_000_000 / 10_368 + 60));
  });
});

describe('UpdateTimeEstimator.estimateRange', () => {
  it('is a range before an install was measured on the profile: fastest install to the cautious allowance', () => {
    const e = new UpdateTimeEstimator();
    // 5 MB over USB at the 1 MB/s first guess is 5 s of download.
    expect(e.estimateRange(usb, 5_000_000)).toEqual({ seconds: 5 + 60, lowSeconds: 5 + 10 });
    expect(e.estimate(usb, 5_000_000)).toBe(65);
  });

  it('is one figure once an install was measured on the profile, and only there', () => {
    const e = new UpdateTimeEstimator();
    e.record('bench-usb', finished('a', 10_000_000, 10, 8));
    expect(e.estimateRange(usb, 5_000_000)).toEqual({ seconds: 5 + 8 });
    expect(e.estimateRange(serial115200, 1_000_000).lowSeconds).toBe(Math.ceil(1_000_000 / 10_368 + 10));
  });
});
