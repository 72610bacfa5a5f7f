/**
 * A catalogue import that failed, in plain words: a missing or unreadable file is said as such
 * (the Node side may pass the operating system's "ENOENT: no such file or directory ..." as the
 * detail), anything else by its error code.
 */
import type { TFunction, i18n as I18n } from 'i18next';
import type { ApiError } from '../../../shared/api';
import { translateError } from '../../i18n';

export type ImportProblem = 'not-found' | 'unreadable' | null;

export function importProblemOf(error: ApiError): ImportProblem {
  const said = `${error.message} ${Object.values(error.details ?? {}).join(' ')}`;
  if (/\bENOENT\b|no such file/i.test(said)) return 'not-found';
  if (/\b(EISDIR|EACCES|EPERM)\b|is a directory|permission denied/i.test(said)) return 'unreadable';
  return null;
}

export function importErrorText(t: TFunction, i18n: I18n, error: ApiError, path: string): string {
  switch (importProblemOf(error)) {
    case 'not-found':
      return t('catalog.fileNotFound', { path });
    case 'unreadable':
      return t('catalog.fileUnreadable', { path });
    default:
      return translateError(t, i18n, error);
  }
}
