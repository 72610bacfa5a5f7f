import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../shared/api';
import { ErrorNotice } from '../../components/ErrorText';
import { formatDate } from '../../i18n/format';
import { kioskActions, useTrust } from '../kiosk-hooks';
import { isHeld } from './removal';
import { UndoToasts, useRemoval } from './useRemoval';

/** Administrator: the manufacturer keys bundles must be signed with. */
export function TrustScreen() {
  const { t, i18n } = useTranslation();
  const keys = useTrust();
  const [name, setName] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await kioskActions.addKey(name.trim(), publicKey.trim());
    setBusy(false);
    if (r.ok) {
      setName('');
      setPublicKey('');
    } else setError(r.error);
  };

  // Remove asks first (and warns when it is the only key), then can be undone for a few seconds.
  const removal = useRemoval((keyId) => kioskActions.removeKey(keyId));
  const shown = keys.filter((k) => !isHeld(removal.state, k.keyId));

  return (
    <section className="stack" aria-labelledby="trust-title" data-testid="screen-trust">
      <h1 id="trust-title">{t('trust.title')}</h1>
      <p className="muted">{t('trust.intro')}</p>
      <ErrorNotice error={error} />
      <ErrorNotice error={removal.error} />
      <UndoToasts removal={removal} message={(h) => t('trust.removed', { name: h.name })} />
      <div className="admin-grid">
        {shown.length === 0 ? (
          <p className="card empty-state">{t('trust.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="data" data-testid="trust-table">
              <thead>
                <tr>
                  <th scope="col">{t('trust.colName')}</th>
                  <th scope="col">{t('trust.colFingerprint')}</th>
                  <th scope="col">{t('trust.colAdded')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('catalog.colActions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((k) => (
                  <tr key={k.keyId}>
                    <td>
                      <strong>{k.name}</strong>
                      <div className="muted" style={{ fontSize: 'var(--fs-0)' }}>
                        {k.algorithm} · {k.keyId}
                      </div>
                    </td>
                    <td className="code">{k.fingerprint.replace(/(.{4})/g, '$1 ').trim()}</td>
                    <td className="num">{formatDate(k.addedAt, i18n.language)}</td>
                    <td>
                      {removal.state.asking === k.keyId ? (
                        <div className="inline-confirm" role="group" aria-label={t('trust.confirmRemove', { name: k.name })} data-testid="remove-confirm">
                          <p className="confirm-text">{t('trust.confirmRemove', { name: k.name })}</p>
                          {shown.length === 1 ? <p className="notice notice-warning">{t('trust.lastKeyWarning')}</p> : null}
                          <button type="button" className="btn btn-danger" onClick={() => removal.confirm(k.keyId, k.name)} data-testid="remove-yes">
                            {t('trust.removeConfirm')}
                          </button>
                          <button type="button" className="btn btn-secondary" onClick={removal.keep} data-testid="remove-no">
                            {t('catalog.removeKeep')}
                          </button>
                        </div>
                      ) : (
                        <button
                          type="button"
                          className="btn btn-danger"
                          onClick={() => removal.ask(k.keyId)}
                          aria-label={`${t('common.remove')}: ${k.name}`}
                          data-testid="remove"
                        >
                          {t('common.remove')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <form className="card stack" onSubmit={(e) => void add(e)} aria-labelledby="trust-add-title">
          <h2 id="trust-add-title">{t('trust.addTitle')}</h2>
          <div className="field">
            <label htmlFor="key-name">{t('trust.addName')}</label>
            <input id="key-name" type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="key-pem">{t('trust.addKey')}</label>
            <textarea id="key-pem" rows={6} className="code" value={publicKey} onChange={(e) => setPublicKey(e.target.value)} />
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim() || !publicKey.trim()}>
            {t('trust.addButton')}
          </button>
        </form>
      </div>
    </section>
  );
}
