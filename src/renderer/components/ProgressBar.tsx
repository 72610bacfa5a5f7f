import { useTranslation } from 'react-i18next';
import { formatPercent } from '../i18n/format';

/**
 * A progress bar with the percent in a fixed-width slot beside it, so nothing moves as it fills.
 * `percent` null shows an indeterminate bar (phase running, size unknown).
 */
export function ProgressBar({
  percent,
  label,
  size = 'normal',
  idle = false,
}: {
  percent: number | null;
  label: string;
  size?: 'normal' | 'large';
  /** Nothing running: an empty track that keeps the bar's place, no figure. */
  idle?: boolean;
}) {
  const { i18n } = useTranslation();
  const known = percent !== null && !idle;
  const value = known ? Math.min(100, Math.max(0, percent)) : 0;
  return (
    <div className={`progress progress-${size}`}>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={known ? value : undefined}
        aria-valuetext={known ? formatPercent(value, i18n.language) : undefined}
      >
        {idle ? null : <div className={`progress-fill${known ? '' : ' indeterminate'}`} style={known ? { width: `${value}%` } : undefined} />}
      </div>
      <span className="percent" aria-hidden="true" data-testid="percent">
        {known ? formatPercent(value, i18n.language) : ''}
      </span>
    </div>
  );
}
