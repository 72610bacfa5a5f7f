import { useRef, useState, type FormEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * PIN entry: a password field (keyboard) and an on-screen keypad (touch). Submits 4..12 digits.
 */
export function PinPad({ onSubmit, busy, error }: { onSubmit: (pin: string) => void; busy: boolean; error: string | null }) {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const input = useRef<HTMLInputElement>(null);
  // A keypad press leaves the typing focus in the field, so digits typed next are not lost.
  const keepFocus = (e: MouseEvent) => e.preventDefault();
  const press = (change: (p: string) => string) => {
    setPin(change);
    input.current?.focus();
  };
  const add = (d: string) => press((p) => (p.length < 12 ? p + d : p));
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (pin.length >= 4 && !busy) {
      onSubmit(pin);
      setPin('');
    }
  };
  return (
    <form className="pin-pad stack" onSubmit={submit} aria-describedby={error ? 'pin-error' : undefined}>
      <div className="field">
        <label htmlFor="pin">{t('login.pin')}</label>
        <input
          id="pin"
          ref={input}
          type="password"
          inputMode="numeric"
          autoComplete="off"
          pattern="[0-9]*"
          maxLength={12}
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 12))}
          className="pin-input num"
          data-testid="pin-input"
          autoFocus
        />
      </div>
      {error ? (
        <p id="pin-error" className="notice notice-danger" role="alert" data-testid="login-error">
          {error}
        </p>
      ) : null}
      <div className="pin-keys">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => (
          <button key={d} type="button" className="btn btn-secondary pin-key num" onMouseDown={keepFocus} onClick={() => add(d)} aria-label={t('login.digit', { digit: d })}>
            {d}
          </button>
        ))}
        <button type="button" className="btn btn-quiet pin-key" onMouseDown={keepFocus} onClick={() => press(() => '')} data-testid="pin-clear">
          {t('login.clear')}
        </button>
        <button type="button" className="btn btn-secondary pin-key num" onMouseDown={keepFocus} onClick={() => add('0')} aria-label={t('login.digit', { digit: '0' })}>
          0
        </button>
        <button type="button" className="btn btn-quiet pin-key" onMouseDown={keepFocus} onClick={() => press((p) => p.slice(0, -1))} aria-label={t('login.deleteDigit')}>
          ⌫
        </button>
      </div>
      <button type="submit" className="btn btn-primary btn-block" disabled={pin.length < 4 || busy} data-testid="login-submit">
        {busy ? t('login.checking') : t('login.submit')}
      </button>
    </form>
  );
}
