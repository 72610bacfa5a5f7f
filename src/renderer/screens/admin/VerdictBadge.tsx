import { useTranslation } from 'react-i18next';
import type { Verdict } from '../../../shared/api';
import { translateError } from '../../i18n';

const TONE = { pass: 'ok', warning: 'warn', fail: 'bad' } as const;

/** A catalogue verdict: a short word in colour plus, for failures and warnings, the reason. */
export function VerdictBadge({ verdict, passLabel, failLabel, testId }: { verdict: Verdict; passLabel: string; failLabel: string; testId: string }) {
  const { t, i18n } = useTranslation();
  const label = verdict.status === 'pass' ? passLabel : failLabel;
  const reason = verdict.status !== 'pass' ? (verdict.code ? translateError(t, i18n, { code: verdict.code, message: verdict.message }) : verdict.message) : null;
  return (
    <div className="stack" style={{ gap: 'var(--sp-1)' }}>
      <span className={`badge badge-${TONE[verdict.status]}`} data-testid={testId} data-status={verdict.status}>
        {verdict.status === 'pass' ? '✓ ' : verdict.status === 'fail' ? '✕ ' : '! '}
        {label}
      </span>
      {reason ? <span className="muted" style={{ fontSize: 'var(--fs-0)' }}>{reason}</span> : null}
    </div>
  );
}
