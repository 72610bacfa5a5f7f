import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, Settings } from '../../../shared/api';
import { ErrorNotice } from '../../components/ErrorText';
import { Notice } from '../../components/Notice';
import { SUPPORTED_LANGUAGES } from '../../i18n';
import { kioskActions, useSettings } from '../kiosk-hooks';

/** Administrator: concurrency, battery threshold, kiosk mode, customer languages, idle timeout. */
export function SettingsScreen() {
  const { t } = useTranslation();
  const settings = useSettings();
  const [saved, setSaved] = useState(false);
  if (!settings) return <p>{t('common.loading')}</p>;
  // A settings:changed event (saved here or elsewhere) starts a fresh draft.
  return <SettingsForm key={JSON.stringify(settings)} settings={settings} saved={saved} setSaved={setSaved} />;
}

function SettingsForm({ settings, saved, setSaved }: { settings: Settings; saved: boolean; setSaved: (v: boolean) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Settings>(settings);
  const [error, setError] = useState<ApiError | null>(null);

  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => {
    setSaved(false);
    setDraft({ ...draft, [key]: value });
  };
  const toggleLanguage = (lng: string, on: boolean) => {
    const next = on ? [...draft.languages, lng] : draft.languages.filter((l) => l !== lng);
    if (next.length > 0) set('languages', SUPPORTED_LANGUAGES.filter((l) => next.includes(l)));
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const r = await kioskActions.saveSettings({
      concurrency: draft.concurrency,
      batteryThresholdPercent: draft.batteryThresholdPercent,
      kioskMode: draft.kioskMode,
      languages: draft.languages,
      idleTimeoutSeconds: draft.idleTimeoutSeconds,
    });
    if (r.ok) setSaved(true);
    else setError(r.error);
  };

  return (
    <section className="stack" aria-labelledby="settings-title" data-testid="screen-settings">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <form className="card settings-form" onSubmit={(e) => void save(e)}>
        <NumberSetting id="s-concurrency" label={t('settings.concurrency')} hint={t('settings.concurrencyHint')} min={1} max={16} value={draft.concurrency} onChange={(v) => set('concurrency', v)} />
        <NumberSetting id="s-battery" label={t('settings.batteryThreshold')} hint={t('settings.batteryThresholdHint')} min={0} max={100} value={draft.batteryThresholdPercent} onChange={(v) => set('batteryThresholdPercent', v)} />
        <div className="field">
          <label className="check">
            <input type="checkbox" checked={draft.kioskMode} onChange={(e) => set('kioskMode', e.target.checked)} aria-describedby="s-kiosk-hint" />
            {t('settings.kioskMode')}
          </label>
          <span id="s-kiosk-hint" className="hint">
            {t('settings.kioskModeHint')}
          </span>
        </div>
        <fieldset className="field" style={{ border: 'none', padding: 0, margin: 0 }}>
          <legend className="label">{t('settings.languages')}</legend>
          <div className="row">
            {SUPPORTED_LANGUAGES.map((lng) => (
              <label key={lng} className="check" lang={lng}>
                <input type="checkbox" checked={draft.languages.includes(lng)} onChange={(e) => toggleLanguage(lng, e.target.checked)} />
                {t(`languages.${lng}`)}
              </label>
            ))}
          </div>
        </fieldset>
        <NumberSetting id="s-idle" label={t('settings.idleTimeout')} hint={t('settings.idleTimeoutHint')} min={10} max={3600} value={draft.idleTimeoutSeconds} onChange={(v) => set('idleTimeoutSeconds', v)} />
        <div className="row">
          <button type="submit" className="btn btn-primary" data-testid="settings-save">
            {t('common.save')}
          </button>
        </div>
        {saved ? <Notice tone="success" testId="settings-saved">{t('settings.saved')}</Notice> : null}
        <ErrorNotice error={error} />
      </form>
    </section>
  );
}

/** One numeric setting: label, input and the hint that describes it. */
function NumberSetting(props: { id: string; label: string; hint: string; min: number; max: number; value: number; onChange: (v: number) => void }) {
  const { id, label, hint, min, max, value, onChange } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" min={min} max={max} value={value} onChange={(e) => onChange(Number(e.target.value))} aria-describedby={`${id}-hint`} />
      <span id={`${id}-hint`} className="hint">
        {hint}
      </span>
    </div>
  );
}
