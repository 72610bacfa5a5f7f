import type { ConsentRequest } from '../../../shared/api';
import { formatDurationWords, formatLowDurationWords } from '../../i18n/format';

/** The consent screen's time: a range while the install time is a guess, one figure once measured. */
export function durationText(
  request: Pick<ConsentRequest, 'estimatedSeconds' | 'estimatedSecondsLow'>,
  lng: string,
  t: (key: string, values?: Record<string, string>) => string,
): string {
  if (!(request.estimatedSeconds > 0)) return t('customer.offer.durationUnknown');
  const high = formatDurationWords(request.estimatedSeconds, lng);
  const low = request.estimatedSecondsLow === undefined ? undefined : formatLowDurationWords(request.estimatedSecondsLow, lng);
  return low === undefined || low === high
    ? t('customer.offer.durationKnown', { duration: high })
    : t('customer.offer.durationRange', { low, high });
}
