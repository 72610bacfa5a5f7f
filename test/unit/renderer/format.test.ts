import { describe, expect, it } from 'vitest';
import {
  devIdTail,
  estimateUpdateSeconds,
  etaSeconds,
  formatDurationWords,
  formatEtaClock,
  formatMegabytes,
  formatPercent,
  formatSpeed,
  maskDevId,
  percentDone,
  UNKNOWN,
} from '../../../src/renderer/i18n/format';

// Intl output contains narrow no-break spaces in some locales; compare on normalised spaces.
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatSpeed (MB = 10^6 bytes)', () => {
  it('shows one decimal in MB/s', () => {
    expect(formatSpeed(12_345_678, 'en')).toBe('12.3 MB/s');
    expect(formatSpeed(1_000_000, 'en')).toBe('1.0 MB/s');
  });
  it('uses the language decimal separator', () => {
    expect(formatSpeed(12_345_678, 'de')).toBe('12,3 MB/s');
    expect(formatSpeed(2_500_000, 'es')).toBe('2,5 MB/s');
  });
  it('shows kB/s below 1 MB/s (kB = 10^3), so a serial link does not read 0.01 MB/s', () => {
    // 115200 baud 8N1 carries 11 520 bytes per second
    expect(formatSpeed(11_520, 'en')).toBe('11.5 kB/s');
    expect(formatSpeed(11_520, 'de')).toBe('11,5 kB/s');
    expect(formatSpeed(46_000, 'en')).toBe('46.0 kB/s');
    expect(formatSpeed(640_400, 'en')).toBe('640 kB/s');
    expect(formatSpeed(950_000, 'es')).toBe('950 kB/s');
    // The unit follows the rounded figure: never "1,000 kB/s".
    expect(formatSpeed(999_960, 'en')).toBe('1.0 MB/s');
  });
  it('shows a dash when unknown', () => {
    expect(formatSpeed(null, 'en')).toBe(UNKNOWN);
    expect(formatSpeed(undefined, 'en')).toBe(UNKNOWN);
    expect(formatSpeed(-1, 'en')).toBe(UNKNOWN);
    expect(formatSpeed(Number.NaN, 'en')).toBe(UNKNOWN);
  });
});

describe('formatMegabytes', () => {
  it('formats decimal megabytes', () => {
    expect(formatMegabytes(48_200_000, 'en')).toBe('48.2 MB');
    expect(formatMegabytes(1_234_000_000, 'en')).toBe('1,234 MB');
    expect(norm(formatMegabytes(1_234_000_000, 'de'))).toBe('1.234 MB');
  });
});

describe('percentDone and formatPercent', () => {
  it('rounds down so 100 % means every byte arrived', () => {
    expect(percentDone(999, 1000)).toBe(99);
    expect(percentDone(1000, 1000)).toBe(100);
    expect(percentDone(0, 1000)).toBe(0);
    expect(percentDone(1, 3)).toBe(33);
  });
  it('clamps and tolerates unknown totals', () => {
    expect(percentDone(2000, 1000)).toBe(100);
    expect(percentDone(-5, 1000)).toBe(0);
    expect(percentDone(10, 0)).toBe(0);
  });
  it('renders per language', () => {
    expect(formatPercent(42, 'en')).toBe('42%');
    expect(norm(formatPercent(42, 'de'))).toBe('42 %');
    expect(norm(formatPercent(42, 'es'))).toBe('42 %');
  });
});

describe('ETA', () => {
  it('is remaining bytes divided by speed, rounded up', () => {
    expect(etaSeconds(10_000_000, 1_000_000)).toBe(10);
    expect(etaSeconds(10_000_001, 1_000_000)).toBe(11);
    expect(etaSeconds(5, 0)).toBeUndefined();
    expect(etaSeconds(5, null)).toBeUndefined();
  });
  it('formats as a clock of fixed shape', () => {
    expect(formatEtaClock(0)).toBe('0:00');
    expect(formatEtaClock(45)).toBe('0:45');
    expect(formatEtaClock(245)).toBe('4:05');
    expect(formatEtaClock(3723)).toBe('1:02:03');
    expect(formatEtaClock(44.2)).toBe('0:45');
    expect(formatEtaClock(null)).toBe(UNKNOWN);
  });
  it('formats customer durations in words, rounded up to whole minutes', () => {
    expect(formatDurationWords(20, 'en')).toBe('1 minute');
    expect(formatDurationWords(61, 'en')).toBe('2 minutes');
    expect(formatDurationWords(300, 'de')).toBe('5 Minuten');
    expect(formatDurationWords(300, 'es')).toBe('5 minutos');
    expect(formatDurationWords(3600, 'en')).toBe('1 hour');
    expect(formatDurationWords(3900, 'en')).toBe('1 hour 5 minutes');
  });
  it('estimates update time from size and measured speed plus an install allowance', () => {
    expect(estimateUpdateSeconds(50_000_000, 1_000_000, 120)).toBe(50 + 120);
    expect(estimateUpdateSeconds(50_000_000, null)).toBeUndefined();
  });
});

describe('maskDevId', () => {
  it('shows only the last 4 digits of an IMEI', () => {
    const imei = 'IMEI:356938035643809';
    const shown = maskDevId(imei);
    expect(shown).toBe('IMEI ••••3809');
    // No other digit of the IMEI may appear.
    expect(shown.replace(/\D/g, '')).toBe('3809');
  });
  it('does not reveal the length of the id', () => {
    expect(maskDevId('IMEI:12345678')).toBe('IMEI ••••5678');
    expect(maskDevId('SN-ABCDEFGHIJKLMNOP')).toBe('••••MNOP');
  });
  it('accepts ids the Node side already masked', () => {
    expect(maskDevId('IMEI:•••••••••••2800')).toBe('IMEI ••••2800');
  });
  it('handles missing ids and gives a spoken tail', () => {
    expect(maskDevId(null)).toBe(UNKNOWN);
    expect(devIdTail('IMEI:356938035643809')).toBe('3809');
    expect(devIdTail('')).toBe('');
  });
});
