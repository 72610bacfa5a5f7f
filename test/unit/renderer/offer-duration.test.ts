import { describe, expect, it } from 'vitest';
import { durationText } from '../../../src/renderer/screens/customer/offer-duration';
import { formatLowDurationWords } from '../../../src/renderer/i18n/format';

/** Renders the key and its values, so the test sees which text was chosen and with what. */
const t = (key: string, values?: Record<string, string>): string => `${key} ${JSON.stringify(values ?? {})}`;

describe('consent screen duration', () => {
  it('shows a range while the install time is a guess: a 20 s update is not "about 2 minutes"', () => {
    expect(durationText({ estimatedSeconds: 70, estimatedSecondsLow: 20 }, 'en', t)).toBe(
      'customer.offer.durationRange {"low":"20 seconds","high":"2 minutes"}',
    );
  });

  it('shows one figure once the install time was measured', () => {
    expect(durationText({ estimatedSeconds: 25 }, 'en', t)).toBe('customer.offer.durationKnown {"duration":"1 minute"}');
  });

  it('shows one figure when both ends read the same', () => {
    expect(durationText({ estimatedSeconds: 170, estimatedSecondsLow: 130 }, 'en', t)).toBe(
      'customer.offer.durationKnown {"duration":"3 minutes"}',
    );
  });

  it('says it is unknown without an estimate', () => {
    expect(durationText({ estimatedSeconds: 0, estimatedSecondsLow: 0 }, 'en', t)).toBe('customer.offer.durationUnknown {}');
  });

  it('low end: seconds rounded up to ten under a minute, minutes above, in the language', () => {
    expect(formatLowDurationWords(11, 'en')).toBe('20 seconds');
    expect(formatLowDurationWords(0, 'en')).toBe('10 seconds');
    expect(formatLowDurationWords(61, 'en')).toBe('2 minutes');
    expect(formatLowDurationWords(20, 'de')).toBe('20 Sekunden');
  });
});
