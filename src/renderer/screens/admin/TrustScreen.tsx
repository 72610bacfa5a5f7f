import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../shared/api';
import { ErrorNotice } from '../../components/ErrorText';
import { formatDate } from '../../i18n/format';
import { kioskActions, useTrust } from '../kiosk-hooks';

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

  const remove = async (keyId: string) => {
    setError(null);
    const r = await kioskActions.removeKey(keyId);
    if (!r.ok) setError(r.error);
  };

  return (
    <section className="stack" aria-labelledby="trust-title" data-testid="screen-trust">
      <h1 id="trust-title">{t('trust.title')}</h1>
      <p className="muted">{t('trust.intro')}</p>
      <ErrorNotice error={error} />
      <div className="admin-grid">
        {keys.length === 0 ? (
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
                {keys.map((k) => (
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
                      <button type="button" className="btn btn-danger" onClick={() => void remove(k.keyId)} aria-label={`${t('common.remove')}: ${k.name}`}>
                        {t('common.remove')}
                      </button>
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
