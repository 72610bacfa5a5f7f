import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../shared/api';
import { translateError } from '../i18n';
import { Notice } from './Notice';

/** An ApiError translated by its code, details filled in. */
export function ErrorNotice({ error, title, testId = 'error' }: { error: ApiError | null | undefined; title?: string; testId?: string }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  return (
    <Notice tone="danger" title={title} testId={testId}>
      <p>{translateError(t, i18n, error)}</p>
    </Notice>
  );
}
