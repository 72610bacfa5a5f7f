import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, PrinterQueue, Settings } from '../../../shared/api';
import { ErrorNotice } from '../../components/ErrorText';
import { Notice } from '../../components/Notice';
import { SUPPORTED_LANGUAGES } from '../../i18n';
import { kioskActions, useSettings } from '../kiosk-hooks';
import { dmEndpointChanged, dmRowsOf, dmSettingsOf, type DmAddressRow } from './dm-endpoint-rows';

/** Administrator: the bench, the customer's receipt, the DM endpoint, and the network. */
export function SettingsScreen() {
  const { t } = useTranslation();
  const settings = useSettings();
  const [saved, setSaved] = useState<'saved' | 'savedNextStart' | null>(null);
  // Asked once per visit of the screen, not again with each fresh draft.
  const printers = usePrinters();
  if (!settings) return <p>{t('common.loading')}</p>;
  // A settings:changed event (saved here or elsewhere) starts a fresh draft.
  return <SettingsForm key={JSON.stringify(settings)} settings={settings} saved={saved} setSaved={setSaved} printers={printers} />;
}

type PrinterList = { state: 'loading' } | { state: 'ready'; queues: PrinterQueue[] } | { state: 'failed'; error: ApiError };

function usePrinters(): [PrinterList, () => void] {
  const [list, setList] = useState<PrinterList>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    void kioskActions.listPrinters().then((r) => {
      if (live) setList(r.ok ? { state: 'ready', queues: r.value } : { state: 'failed', error: r.error });
    });
    return () => {
      live = false;
    };
  }, [round]);
  const reload = (): void => {
    setList({ state: 'loading' });
    setRound((n) => n + 1);
  };
  return [list, reload];
}

interface SettingsFormProps {
  settings: Settings;
  saved: 'saved' | 'savedNextStart' | null;
  setSaved: (v: 'saved' | 'savedNextStart' | null) => void;
  printers: [PrinterList, () => void];
}

function SettingsForm({ settings, saved, setSaved, printers: [printers, reloadPrinters] }: SettingsFormProps) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Settings>(settings);
  const [rows, setRows] = useState<DmAddressRow[]>(() => dmRowsOf(settings));
  const [error, setError] = useState<ApiError | null>(null);

  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => {
    setSaved(null);
    setDraft({ ...draft, [key]: value });
  };
  const setRow = (i: number, row: DmAddressRow | null) => {
    setSaved(null);
    setRows(row ? rows.map((r, j) => (j === i ? row : r)) : rows.filter((_, j) => j !== i));
  };
  const toggleLanguage = (lng: string, on: boolean) => {
    const next = on ? [...draft.languages, lng] : draft.languages.filter((l) => l !== lng);
    if (next.length > 0) set('languages', SUPPORTED_LANGUAGES.filter((l) => next.includes(l)));
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const next: Settings = { ...draft, ...dmSettingsOf(rows) };
    const r = await kioskActions.saveSettings(next);
    if (r.ok) setSaved(dmEndpointChanged(settings, next) ? 'savedNextStart' : 'saved');
    else setError(r.error);
  };

  return (
    <section className="stack" aria-labelledby="settings-title" data-testid="screen-settings">
      <h1 id="settings-title">{t('settings.title')}</h1>
      <form className="settings-form" onSubmit={(e) => void save(e)}>
        <SettingsSection id="s-bench" title={t('settings.benchTitle')}>
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
          <fieldset className="field plain-fieldset">
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
          <NumberSetting id="s-session" label={t('settings.sessionIdle')} hint={t('settings.sessionIdleHint')} min={60} max={86_400} value={draft.sessionIdleSeconds} onChange={(v) => set('sessionIdleSeconds', v)} />
        </SettingsSection>

        <SettingsSection id="s-receipt" title={t('settings.receiptTitle')} intro={t('settings.receiptIntro')}>
          <TextSetting id="s-shop-name" label={t('settings.shopName')} value={draft.shopName} maxLength={120} onChange={(v) => set('shopName', v)} />
          <div className="field">
            <label htmlFor="s-shop-address">{t('settings.shopAddress')}</label>
            <textarea id="s-shop-address" rows={3} maxLength={400} value={draft.shopAddress} onChange={(e) => set('shopAddress', e.target.value)} aria-describedby="s-shop-address-hint" data-testid="settings-shop-address" />
            <span id="s-shop-address-hint" className="hint">
              {t('settings.shopAddressHint')}
            </span>
          </div>
          <PrinterSetting printers={printers} reload={reloadPrinters} value={draft.receiptPrinter} onChange={(v) => set('receiptPrinter', v)} />
          <fieldset className="field plain-fieldset">
            <legend className="label">{t('settings.receiptPaper')}</legend>
            <div className="row">
              {(['a4', '80mm'] as const).map((paper) => (
                <label key={paper} className="check">
                  <input type="radio" name="s-paper" value={paper} checked={draft.receiptPaper === paper} onChange={() => set('receiptPaper', paper)} />
                  {t(`settings.paper.${paper}`)}
                </label>
              ))}
            </div>
          </fieldset>
        </SettingsSection>

        <SettingsSection id="s-dm" title={t('settings.dmTitle')} intro={t('settings.dmIntro')}>
          <fieldset className="field plain-fieldset">
            <legend className="label">{t('settings.dmAddresses')}</legend>
            <span className="hint" id="s-dm-hint">
              {t('settings.dmAddressesHint')}
            </span>
            {rows.length === 0 ? <p className="hint">{t('settings.dmNone')}</p> : null}
            {rows.map((row, i) => (
              <div key={i} className="form-row dm-row" data-testid="dm-row">
                <div className="field">
                  <label htmlFor={`s-dm-${i}`}>{t('settings.dmAddress', { n: i + 1 })}</label>
                  <input id={`s-dm-${i}`} type="text" value={row.address} placeholder="usb0:8443" spellCheck={false} aria-describedby="s-dm-hint" onChange={(e) => setRow(i, { ...row, address: e.target.value })} />
                </div>
                <label className="check">
                  <input type="checkbox" checked={row.cable} onChange={(e) => setRow(i, { ...row, cable: e.target.checked })} />
                  {t('settings.dmCable')}
                </label>
                <button type="button" className="btn" onClick={() => setRow(i, null)}>
                  {t('common.remove')}
                </button>
              </div>
            ))}
            <div className="row">
              <button type="button" className="btn" data-testid="dm-add" onClick={() => setRows([...rows, { address: '', cable: false }])}>
                {t('settings.dmAdd')}
              </button>
            </div>
          </fieldset>
          <TextSetting id="s-dm-cert" label={t('settings.dmCert')} hint={t('settings.dmCertHint')} value={draft.dmCertFile} maxLength={4096} placeholder="/etc/fumo-kiosk/dm-cert.pem" onChange={(v) => set('dmCertFile', v)} />
          <TextSetting id="s-dm-key" label={t('settings.dmKey')} value={draft.dmKeyFile} maxLength={4096} placeholder="/etc/fumo-kiosk/dm-key.pem" onChange={(v) => set('dmKeyFile', v)} />
          <div className="field">
            <label className="check">
              <input type="checkbox" checked={draft.allowNonLoopback} onChange={(e) => set('allowNonLoopback', e.target.checked)} aria-describedby="s-nonloopback-hint" />
              {t('settings.allowNonLoopback')}
            </label>
            <span id="s-nonloopback-hint" className="hint">
              {t('settings.allowNonLoopbackHint')}
            </span>
          </div>
        </SettingsSection>

        <div className="row">
          <button type="submit" className="btn btn-primary" data-testid="settings-save">
            {t('common.save')}
          </button>
        </div>
        {saved ? (
          <Notice tone="success" testId="settings-saved">
            {t(saved === 'savedNextStart' ? 'settings.savedNextStart' : 'settings.saved')}
          </Notice>
        ) : null}
        <ErrorNotice error={error} />
      </form>
    </section>
  );
}

function SettingsSection({ id, title, intro, children }: { id: string; title: string; intro?: string; children: ReactNode }) {
  return (
    <section className="card settings-section stack" aria-labelledby={`${id}-title`} data-testid={`settings-section-${id}`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {intro ? <p className="hint">{intro}</p> : null}
      {children}
    </section>
  );
}

/** The receipt printer: this computer's default, or one of its print queues (the system's default marked). */
function PrinterSetting({ printers, reload, value, onChange }: { printers: PrinterList; reload: () => void; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  const queues = printers.state === 'ready' ? printers.queues : [];
  const def = queues.find((q) => q.isDefault);
  // A chosen printer the system does not list (now) stays visible, so saving does not drop it.
  const missing = value !== '' && printers.state !== 'loading' && !queues.some((q) => q.name === value);
  return (
    <div className="field">
      <label htmlFor="s-printer">{t('settings.receiptPrinter')}</label>
      <div className="row">
        <select id="s-printer" value={value} onChange={(e) => onChange(e.target.value)} aria-describedby="s-printer-hint" data-testid="settings-printer" disabled={printers.state === 'loading'}>
          <option value="">{def ? t('settings.printerSystemDefaultNamed', { name: def.name }) : t('settings.printerSystemDefault')}</option>
          {queues.map((q) => (
            <option key={q.name} value={q.name}>
              {q.isDefault ? t('settings.printerIsDefault', { name: q.name }) : q.name}
            </option>
          ))}
          {missing ? <option value={value}>{t('settings.printerMissing', { name: value })}</option> : null}
        </select>
        <button type="button" className="btn" onClick={reload} data-testid="settings-printers-reload">
          {t('settings.printersReload')}
        </button>
      </div>
      {printers.state === 'failed' ? (
        <div id="s-printer-hint">
          <Notice tone="warning" testId="settings-printers-failed">
            <p>{printers.error.code === 'PRINT_SYSTEM_DOWN' ? t('settings.printSystemDown') : t('settings.printersFailed', { message: printers.error.message })}</p>
          </Notice>
        </div>
      ) : (
        <span id="s-printer-hint" className="hint">
          {printers.state === 'loading' ? t('settings.printersLoading') : queues.length === 0 ? t('settings.printersNone') : t('settings.receiptPrinterHint')}
        </span>
      )}
    </div>
  );
}

function TextSetting(props: { id: string; label: string; hint?: string; value: string; maxLength: number; placeholder?: string; onChange: (v: string) => void }) {
  const { id, label, hint, value, maxLength, placeholder, onChange } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="text" value={value} maxLength={maxLength} placeholder={placeholder} spellCheck={false} onChange={(e) => onChange(e.target.value)} {...(hint ? { 'aria-describedby': `${id}-hint` } : {})} />
      {hint ? (
        <span id={`${id}-hint`} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
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
