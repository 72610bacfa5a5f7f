/**
 * Progress moves at least once a second at any line rate: over a pty pair paced to 115 200 baud
 * (11 520 bytes a second), the download's progress events never step by more than a second of
 * line, from the first byte to the last. Measured in bytes, not on the clock.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCounter, privateSimRegistry, type Counter } from './helpers';

const BAUD = 115_200;
const LINE_BYTES_PER_SECOND = BAUD / 10;

beforeAll(() => {
  privateSimRegistry();
});

let c: Counter | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('progress on a slow line', () => {
  it('at 115 200 baud no progress step is larger than one second of line', async () => {
    c = await openCounter([{ faults: [{ kind: 'throttle', baud: BAUD }] }]);
    const steps: number[] = [];
    c.service.runner.on((e) => {
      if (e.type === 'job-progress' && e.progress.phase === 'downloading') steps.push(e.progress.bytesSent);
    });
    const s = await c.update(0);
    expect(s.state, JSON.stringify(s.error)).toBe('done');
    const total = s.offer!.sizeBytes;
    expect(steps[steps.length - 1]).toBe(total);
    const gaps = steps.map((b, i) => b - (i === 0 ? 0 : steps[i - 1]!));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(LINE_BYTES_PER_SECOND);
    // Every step moves forward: no event repeats the last count.
    expect(gaps.every((g) => g > 0)).toBe(true);
  });
});
