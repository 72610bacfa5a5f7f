import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { PinPad } from '../../components/PinPad';
import { LanguagePicker } from '../../components/LanguagePicker';
import { SUPPORTED_LANGUAGES } from '../../i18n';
import { kioskActions } from '../kiosk-hooks';

/** PIN login for technicians and administrators. */
export function LoginScreen() {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (pin: string) => {
    setBusy(true);
    setError(null);
    const r = await kioskActions.login(pin);
    setBusy(false);
    if (!r.ok) setError(t('login.failed'));
  };

  return (
    <main className="login" id="main" data-testid="screen-login">
      <div className="card">
        <div className="row">
          <h1 className="spacer">{t('login.title')}</h1>
        </div>
        <p className="muted">{t('login.intro')}</p>
        <PinPad onSubmit={(pin) => void submit(pin)} busy={busy} error={error} />
        <LanguagePicker
          languages={SUPPORTED_LANGUAGES}
          value={i18n.language}
          onChange={(lng) => void i18n.changeLanguage(lng)}
          label={t('common.language')}
        />
      </div>
    </main>
  );
}
