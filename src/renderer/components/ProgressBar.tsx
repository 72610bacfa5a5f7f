import { useTranslation } from 'react-i18next';
import { formatPercent } from '../i18n/format';
import type { ProgressTone } from '../store/progress';

/**
 * A progress bar with the percent in a fixed-width slot beside it, so nothing moves as it fills.
 * The fill and the figure are the same number at the same moment (the fill does not animate
 * behind its label). `percent` null: an empty track that keeps the bar's place, no figure.
 * `tone` draws a finished, failed (error colour) or stopped bar.
 */
export function ProgressBar({
  percent,
  label,
  size = 'normal',
  tone = 'active',
}: {
  percent: number | null;
  label: string;
  size?: 'normal' | 'large';
  tone?: ProgressTone;
}) {
  const { i18n } = useTranslation();
  const known = percent !== null;
  const value = known ? Math.min(100, Math.max(0, Math.floor(percent))) : 0;
  return (
    <div className={`progress progress-${size} progress-tone-${tone}`} data-testid="progress" data-tone={tone}>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={known ? value : undefined}
        aria-valuetext={known ? formatPercent(value, i18n.language) : undefined}
      >
        {known ? <div className="progress-fill" data-testid="progress-fill" style={{ width: `${value}%` }} /> : null}
      </div>
      <span className="percent" aria-hidden="true" data-testid="percent">
        {known ? formatPercent(value, i18n.language) : ''}
      </span>
    </div>
  );
}
