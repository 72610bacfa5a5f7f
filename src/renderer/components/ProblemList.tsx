import { useTranslation } from 'react-i18next';
import type { Problem } from '../../shared/api';
import { translateError } from '../i18n';
import { Notice } from './Notice';

/**
 * A device's problems in plain words ("Battery at 12%, needs 30%: charge the phone or connect
 * power"), each with the required and the measured value where the Node side gave them.
 */
export function ProblemList({ problems }: { problems: readonly Problem[] }) {
  const { t, i18n } = useTranslation();
  if (problems.length === 0) return null;
  return (
    <ul className="problem-list" data-testid="problems">
      {problems.map((p) => {
        const details: Record<string, string | number | undefined> = {
          required: p.required ?? undefined,
          measured: p.measured ?? undefined,
        };
        return (
          <li key={`${p.code}-${String(p.required)}-${String(p.measured)}`}>
            <Notice tone={p.blocking ? 'danger' : 'warning'} testId={`problem-${p.code}`}>
              <p>{translateError(t, i18n, { code: p.code, message: p.message, details })}</p>
              {p.required !== null || p.measured !== null ? (
                <p className="muted problem-values num">
                  {p.required !== null ? `${t('bench.required')}: ${String(p.required)}` : ''}
                  {p.required !== null && p.measured !== null ? ' · ' : ''}
                  {p.measured !== null ? `${t('bench.measured')}: ${String(p.measured)}` : ''}
                </p>
              ) : null}
            </Notice>
          </li>
        );
      })}
    </ul>
  );
}
