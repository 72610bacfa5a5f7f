import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, BundleView } from '../../../shared/api';
import { ErrorNotice } from '../../components/ErrorText';
import { Notice } from '../../components/Notice';
import { formatDateTime, formatMegabytes } from '../../i18n/format';
import { kioskActions, useCatalog } from '../kiosk-hooks';
import { importErrorText } from './import-error';
import { isHeld } from './removal';
import { UndoToasts, useRemoval } from './useRemoval';
import { VerdictBadge } from './VerdictBadge';

function bundleName(b: BundleView): string {
  return `${b.manufacturer} ${b.models.join(', ')} ${b.targetVersion}`;
}

/** Administrator: import bundles by path, see their verdicts, remove them. */
export function CatalogScreen() {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const bundles = useCatalog();
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [report, setReport] = useState<{ bundle: BundleView; accepted: boolean } | null>(null);

  const doImport = async (e: FormEvent) => {
    e.preventDefault();
    if (!path.trim()) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    setReport(null);
    setImportedPath(path.trim());
    const r = await kioskActions.importBundle(path.trim());
    setBusy(false);
    if (r.ok) {
      setReport(r.value);
      if (r.value.accepted) {
        setMessage(t('catalog.imported', { name: bundleName(r.value.bundle) }));
        setPath('');
      }
    } else setError(r.error);
  };

  // Remove asks first, then can be undone for a few seconds; the kiosk is told when that ends.
  const removal = useRemoval(
    (bundleId) => kioskActions.removeBundle(bundleId),
    (h) => setMessage(t('catalog.removed', { name: h.name })),
  );
  const shown = bundles.filter((b) => !isHeld(removal.state, b.bundleId));
  const [importedPath, setImportedPath] = useState('');

  const verdicts = (b: BundleView, prefix: string) => ({
    signature: <VerdictBadge verdict={b.verdicts.signature} passLabel={t('catalog.verdict.valid')} failLabel={t('catalog.verdict.invalid')} testId={`${prefix}-signature`} />,
    approval: <VerdictBadge verdict={b.verdicts.approval} passLabel={t('catalog.verdict.approved')} failLabel={t('catalog.verdict.notApproved')} testId={`${prefix}-approval`} />,
    compat: <VerdictBadge verdict={b.verdicts.compatibility} passLabel={t('catalog.verdict.compatible')} failLabel={t('catalog.verdict.incompatible')} testId={`${prefix}-compat`} />,
  });

  return (
    <section className="stack" aria-labelledby="catalog-title" data-testid="screen-catalog">
      <div className="screen-head">
        <h1 id="catalog-title">{t('catalog.title')}</h1>
      </div>
      <p className="muted">{t('catalog.intro')}</p>

      <form className="card stack" onSubmit={(e) => void doImport(e)} aria-labelledby="import-title">
        <h2 id="import-title">{t('catalog.importTitle')}</h2>
        <div className="form-row">
          <div className="field">
            <label htmlFor="bundle-path">{t('catalog.importPath')}</label>
            <input id="bundle-path" type="text" value={path} onChange={(e) => setPath(e.target.value)} aria-describedby="bundle-path-hint" data-testid="import-path" />
            <span id="bundle-path-hint" className="hint">
              {t('catalog.importHint')}
            </span>
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy || !path.trim()} data-testid="import-submit">
            {busy ? t('catalog.importing') : t('catalog.importButton')}
          </button>
        </div>
        {report && !report.accepted ? (
          <Notice tone="danger" title={bundleName(report.bundle)} testId="import-rejected">
            <div className="row">
              {Object.values(verdicts(report.bundle, 'report')).map((v, i) => (
                <span key={i}>{v}</span>
              ))}
            </div>
          </Notice>
        ) : null}
      </form>

      {message ? <Notice tone="success" testId="catalog-message">{message}</Notice> : null}
      {error ? (
        <Notice tone="danger" testId="error">
          <p>{importErrorText(t, i18n, error, importedPath)}</p>
        </Notice>
      ) : null}
      <ErrorNotice error={removal.error} />
      <UndoToasts removal={removal} message={(h) => t('catalog.removed', { name: h.name })} />

      {shown.length === 0 ? (
        <p className="card empty-state">{t('catalog.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="data" data-testid="catalog-table">
            <thead>
              <tr>
                <th scope="col">{t('catalog.colModel')}</th>
                <th scope="col">{t('catalog.colVersion')}</th>
                <th scope="col">{t('catalog.colFrom')}</th>
                <th scope="col">{t('catalog.colSize')}</th>
                <th scope="col">{t('catalog.colSignature')}</th>
                <th scope="col">{t('catalog.colApproval')}</th>
                <th scope="col">{t('catalog.colCompat')}</th>
                <th scope="col">{t('catalog.colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((b) => {
                const v = verdicts(b, `bundle-${b.bundleId}`);
                return (
                  <tr key={b.bundleId} data-testid="bundle-row">
                    <td>
                      <strong>{b.manufacturer}</strong> {b.models.join(', ')}
                      <div className="muted num" style={{ fontSize: 'var(--fs-0)' }}>
                        {formatDateTime(b.importedAt, lng)}
                      </div>
                    </td>
                    <td className="num">{b.targetVersion}</td>
                    <td className="num">{b.fromVersions.length ? b.fromVersions.join(', ') : t('catalog.anyVersion')}</td>
                    <td className="num">{formatMegabytes(b.sizeBytes, lng)}</td>
                    <td>{v.signature}</td>
                    <td>{v.approval}</td>
                    <td>{v.compat}</td>
                    <td>
                      {removal.state.asking === b.bundleId ? (
                        <div className="inline-confirm" role="group" aria-label={t('catalog.confirmRemove', { name: bundleName(b) })} data-testid="remove-confirm">
                          <p className="confirm-text">{t('catalog.confirmRemove', { name: bundleName(b) })}</p>
                          <button type="button" className="btn btn-danger" onClick={() => removal.confirm(b.bundleId, bundleName(b))} data-testid="remove-yes">
                            {t('catalog.removeConfirm')}
                          </button>
                          <button type="button" className="btn btn-secondary" onClick={removal.keep} data-testid="remove-no">
                            {t('catalog.removeKeep')}
                          </button>
                        </div>
                      ) : (
                        <button
                          type="button"
                          className="btn btn-danger"
                          onClick={() => removal.ask(b.bundleId)}
                          aria-label={`${t('common.remove')}: ${bundleName(b)}`}
                          data-testid="remove"
                        >
                          {t('common.remove')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
