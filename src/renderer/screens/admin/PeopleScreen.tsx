import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, PersonView, Role } from '../../../shared/api';
import { PIN_MAX_LENGTH, PIN_MIN_LENGTH } from '../../../shared/pin-rules';
import { ErrorNotice } from '../../components/ErrorText';
import { Notice } from '../../components/Notice';
import { formatDate, formatDateTime } from '../../i18n/format';
import { kioskActions, usePeople, useSession } from '../kiosk-hooks';
import { isHeld } from './removal';
import { UndoToasts, useRemoval } from './useRemoval';

/**
 * Administrator: who logs in on the bench, with which role; add a person or set a new PIN,
 * remove (asked first, then undoable for a few seconds), unlock logging in after wrong PINs.
 * The PIN fields are not kept in React state: they are read once when the form is sent and
 * emptied straight away.
 */
export function PeopleScreen() {
  const { t, i18n } = useTranslation();
  const view = usePeople();
  const me = useSession()?.user.name ?? null;
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [unlocked, setUnlocked] = useState(false);
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('technician');
  const pin = useRef<HTMLInputElement>(null);
  const pinAgain = useRef<HTMLInputElement>(null);

  useEffect(() => {
    void kioskActions.loadPeople().then((r) => setLoadError(r.ok ? null : r.error));
  }, []);

  const removal = useRemoval((who) => kioskActions.removePerson(who));
  const people = (view?.people ?? []).filter((p) => !isHeld(removal.state, p.name));
  const admins = people.filter((p) => p.role === 'admin').length;

  const clearPins = () => {
    if (pin.current) pin.current.value = '';
    if (pinAgain.current) pinAgain.current.value = '';
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const first = pin.current?.value ?? '';
    const second = pinAgain.current?.value ?? '';
    clearPins();
    setSaved(null);
    setError(null);
    if (first !== second) {
      setMismatch(true);
      pin.current?.focus();
      return;
    }
    setMismatch(false);
    setBusy(true);
    const r = await kioskActions.setPin(name, role, first);
    setBusy(false);
    if (r.ok) {
      setSaved(r.value.name);
      setName('');
      setRole('technician');
    } else {
      setError(r.error);
      pin.current?.focus();
    }
  };

  /** "New PIN" on a row: the form takes that person's name and role, ready for the PIN. */
  const editPin = (p: PersonView) => {
    setName(p.name);
    setRole(p.role);
    setSaved(null);
    setError(null);
    pin.current?.focus();
  };

  const unlock = async (who?: string) => {
    setUnlocked(false);
    const r = await kioskActions.unlock(who);
    if (r.ok) setUnlocked(true);
    else setError(r.error);
  };

  return (
    <section className="stack" aria-labelledby="people-title" data-testid="screen-people">
      <h1 id="people-title">{t('people.title')}</h1>
      <p className="muted">{t('people.intro')}</p>
      <ErrorNotice error={loadError} testId="people-load-error" />
      <ErrorNotice error={removal.error} testId="people-remove-error" />
      {view?.loginLockedUntil ? (
        <Notice tone="warning" testId="login-locked">
          <p>{t('people.loginLocked', { time: formatDateTime(view.loginLockedUntil, i18n.language) })}</p>
          <button type="button" className="btn btn-primary" onClick={() => void unlock()} data-testid="unlock-login">
            {t('people.unlockLogin')}
          </button>
        </Notice>
      ) : null}
      {unlocked ? (
        <Notice tone="success" testId="unlocked">
          <p>{t('people.unlocked')}</p>
        </Notice>
      ) : null}
      <UndoToasts removal={removal} message={(h) => t('people.removed', { name: h.name })} />
      <div className="admin-grid">
        {view && people.length === 0 ? (
          <p className="card empty-state">{t('people.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="data" data-testid="people-table">
              <thead>
                <tr>
                  <th scope="col">{t('people.colName')}</th>
                  <th scope="col">{t('people.colRole')}</th>
                  <th scope="col">{t('people.colSet')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('catalog.colActions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {people.map((p) => (
                  <tr key={p.name} data-testid="person-row" data-name={p.name}>
                    <td className="person-name">
                      <strong>{p.name}</strong>
                      {p.name === me ? <span className="badge badge-neutral person-you">{t('people.you')}</span> : null}
                      {p.lockedUntil ? (
                        <div>
                          <span className="badge badge-bad" data-testid="person-locked">
                            {t('people.lockedUntil', { time: formatDateTime(p.lockedUntil, i18n.language) })}
                          </span>
                        </div>
                      ) : null}
                    </td>
                    <td>{t(`roles.${p.role}`)}</td>
                    <td className="num">
                      {formatDate(p.pinSetAt, i18n.language)}
                      {p.pinSetBy ? <div className="muted person-set-by">{t('people.setBy', { name: p.pinSetBy })}</div> : null}
                    </td>
                    <td>
                      {removal.state.asking === p.name ? (
                        <div className="inline-confirm" role="group" aria-label={t('people.confirmRemove', { name: p.name })} data-testid="remove-confirm">
                          <p className="confirm-text">{t('people.confirmRemove', { name: p.name })}</p>
                          {p.role === 'admin' && admins === 1 ? <p className="notice notice-warning">{t('people.lastAdminNote')}</p> : null}
                          <button type="button" className="btn btn-danger" onClick={() => removal.confirm(p.name, p.name)} data-testid="remove-yes">
                            {t('people.removeConfirm')}
                          </button>
                          <button type="button" className="btn btn-secondary" onClick={removal.keep} data-testid="remove-no">
                            {t('catalog.removeKeep')}
                          </button>
                        </div>
                      ) : (
                        <div className="person-actions">
                          {p.lockedUntil ? (
                            <button type="button" className="btn btn-secondary" onClick={() => void unlock(p.name)} aria-label={`${t('people.unlock')}: ${p.name}`} data-testid="unlock">
                              {t('people.unlock')}
                            </button>
                          ) : null}
                          <button type="button" className="btn btn-secondary" onClick={() => editPin(p)} aria-label={`${t('people.newPin')}: ${p.name}`} data-testid="new-pin">
                            {t('people.newPin')}
                          </button>
                          {p.name === me ? null : (
                            <button type="button" className="btn btn-danger" onClick={() => removal.ask(p.name)} aria-label={`${t('common.remove')}: ${p.name}`} data-testid="remove">
                              {t('common.remove')}
                            </button>
                          )}
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <form className="card stack" onSubmit={(e) => void submit(e)} aria-labelledby="people-form-title" data-testid="person-form">
          <h2 id="people-form-title">{t('people.formTitle')}</h2>
          <p className="muted">{t('people.formIntro')}</p>
          <div className="field">
            <label htmlFor="person-name">{t('people.name')}</label>
            <input id="person-name" type="text" autoComplete="off" maxLength={40} value={name} onChange={(e) => setName(e.target.value)} data-testid="person-name" />
          </div>
          <div className="field">
            <label htmlFor="person-role">{t('people.role')}</label>
            <select id="person-role" value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'technician')} data-testid="person-role">
              <option value="technician">{t('roles.technician')}</option>
              <option value="admin">{t('roles.admin')}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="person-pin">{t('people.pin')}</label>
            <input
              id="person-pin"
              ref={pin}
              type="password"
              inputMode="numeric"
              pattern="[0-9]*"
              autoComplete="new-password"
              maxLength={PIN_MAX_LENGTH}
              aria-describedby="person-pin-hint"
              className="pin-input num"
              data-testid="person-pin"
            />
            <span id="person-pin-hint" className="hint">
              {t('people.pinHint', { technician: PIN_MIN_LENGTH.technician, admin: PIN_MIN_LENGTH.admin, max: PIN_MAX_LENGTH })}
            </span>
          </div>
          <div className="field">
            <label htmlFor="person-pin-again">{t('people.pinAgain')}</label>
            <input
              id="person-pin-again"
              ref={pinAgain}
              type="password"
              inputMode="numeric"
              pattern="[0-9]*"
              autoComplete="new-password"
              maxLength={PIN_MAX_LENGTH}
              className="pin-input num"
              data-testid="person-pin-again"
            />
          </div>
          {mismatch ? (
            <Notice tone="danger" testId="pins-differ">
              <p>{t('people.pinsDiffer')}</p>
            </Notice>
          ) : null}
          <ErrorNotice error={error} testId="person-error" />
          {saved ? (
            <Notice tone="success" testId="person-saved">
              <p>{t('people.saved', { name: saved })}</p>
            </Notice>
          ) : null}
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()} data-testid="person-save">
            {t('people.save')}
          </button>
        </form>
      </div>
    </section>
  );
}
