import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { i18n as I18n } from 'i18next';
import '../../styles/tokens.css';
import '../../styles/base.css';
import '../../styles/customer.css';
import type { ConsentRequest, ReceiptCode, Schedule } from '../../../shared/api';
import { usePrintReceipt } from '../../components/PrintReceipt';
import { LanguagePicker } from '../../components/LanguagePicker';
import { createCustomerI18n, isSupportedLanguage, type Language } from '../../i18n';
import { kioskActions, useCustomerJobId, useCustomerRequest, useDevices, useJobs, useSettings } from '../kiosk-hooks';
import { useAnnounceCustomerDisplay } from '../tech/displays';
import { consentAnswer, customerStage, EMPTY_MEMORY, followedJobId, idlePaused, type CustomerMemory } from './customer-flow';
import {
  DeclinedScreen,
  DeviceConfirmScreen,
  DoneScreen,
  FailedScreen,
  OfferScreen,
  ProgressScreen,
  WelcomeScreen,
  type ReceiptFacts,
} from './CustomerScreens';

/** Seconds before the idle reset in which the customer is warned. */
const IDLE_WARNING_SECONDS = 15;

/**
 * The customer area (route /customer, touchscreen 1280x800). It has its own i18n instance, no
 * way to the technician screens, and an idle timeout that returns it to the start and forgets
 * everything personal it showed.
 *
 * Stand-alone (its own window, route /customer) it tells the bench a customer display exists.
 * Embedded (the one-screen handover, see ../tech/HandoverArea) it reports `onFinished` when the
 * customer presses finish or the idle timeout resets it, so the screen can go to the hand-back state.
 */
export function CustomerApp({
  embedded = false,
  onFinished,
  headerControl,
}: {
  path?: string;
  embedded?: boolean;
  onFinished?: () => void;
  /** Shown in the top bar next to the name (the handover's Staff control). */
  headerControl?: ReactNode;
}) {
  const settings = useSettings();
  useAnnounceCustomerDisplay(!embedded);
  const languages = useMemo(() => (settings?.languages ?? ['en', 'de', 'es']).filter(isSupportedLanguage), [settings]);
  const defaultLanguage: Language = languages[0] ?? 'en';
  const [i18n] = useState<I18n>(() => createCustomerI18n(defaultLanguage));
  return (
    <I18nextProvider i18n={i18n}>
      <CustomerFlow
        languages={languages}
        defaultLanguage={defaultLanguage}
        idleSeconds={settings?.idleTimeoutSeconds ?? 120}
        onFinished={onFinished}
        headerControl={headerControl}
      />
    </I18nextProvider>
  );
}

function CustomerFlow({
  languages,
  defaultLanguage,
  idleSeconds,
  onFinished,
  headerControl,
}: {
  languages: Language[];
  defaultLanguage: Language;
  idleSeconds: number;
  onFinished?: () => void;
  headerControl?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const request = useCustomerRequest();
  const jobs = useJobs();
  const devices = useDevices();
  const [memory, setMemory] = useState<CustomerMemory>(EMPTY_MEMORY);
  /** What the customer saw when answering, kept for the result screens. */
  const [answered, setAnswered] = useState<ConsentRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [answerError, setAnswerError] = useState<string | null>(null);
  const storeJobId = useCustomerJobId();

  const jobId = followedJobId(memory, storeJobId);
  const job = jobId ? jobs[jobId] : undefined;
  // While the answer is on its way the offer stays (with the request the customer read).
  const shownRequest = busy ? answered : request;
  const stage = customerStage(memory, shownRequest, job, busy);
  const lng = i18n.language;

  useEffect(() => {
    document.documentElement.lang = lng;
  }, [lng]);

  // The administrator's first language is the start language (settings arrive after the first
  // render); a language the customer chose is kept until the screen returns to the start.
  const chosen = useRef(false);
  const atStart = stage === 'welcome';
  useEffect(() => {
    if (atStart && !chosen.current) void i18n.changeLanguage(defaultLanguage);
  }, [defaultLanguage, atStart, i18n]);

  const reset = useCallback(() => {
    // Forget everything personal; a request still pending shows again only when handed over anew.
    setMemory({ ...EMPTY_MEMORY, finishedJobId: jobId });
    kioskActions.clearCustomer();
    setAnswered(null);
    setAnswerError(null);
    chosen.current = false;
    void i18n.changeLanguage(defaultLanguage);
    onFinished?.();
  }, [i18n, defaultLanguage, onFinished, jobId]);

  const answer = async (decision: 'approve' | 'decline', schedule: Schedule) => {
    if (!request || busy) return;
    setAnswered(request);
    setBusy(true);
    setAnswerError(null);
    // The answer echoes the versions and the language of the texts this request carried.
    const r = await kioskActions.answerConsent(consentAnswer(request, decision, schedule, lng));
    if (!r.ok) {
      setBusy(false);
      setAnswerError(r.error.message);
      return;
    }
    setMemory({ settledRequestId: request.requestId, jobId: decision === 'approve' ? r.value.jobId : null, declined: decision === 'decline' });
    setBusy(false);
  };

  // Idle timeout: any touch or key restarts it; paused while the phone is being updated.
  const idle = useIdle(idleSeconds, !idlePaused(stage) && (stage !== 'welcome' || lng !== defaultLanguage), reset);

  const device = devices.find((d) => d.portId === (job?.portId ?? answered?.portId));
  // A customer display of its own is shown no devices (only its job): a phone missing from the
  // list means a pulled cable only where this screen saw it listed before; otherwise the job says so.
  const [seenPort, setSeenPort] = useState<string | null>(null);
  if (device && seenPort !== device.portId) setSeenPort(device.portId);
  const portId = job?.portId ?? answered?.portId;
  const vanished = !device && portId !== undefined && portId === seenPort;
  const cableOut = stage === 'progress' && (vanished || job?.error?.code === 'CABLE_UNPLUGGED');
  const facts: ReceiptFacts = {
    reference: job?.historyId ?? job?.jobId ?? '',
    at: job?.finishedAt ?? job?.updatedAt ?? 0,
    model: job?.model ?? answered?.model ?? null,
    devId: job?.devId ?? device?.devId ?? null,
    from: job?.fromVersion ?? answered?.fromVersion ?? null,
    to: job?.targetVersion ?? answered?.targetVersion ?? null,
  };
  // The receipt to take away: its signed QR code on the screen, and paper from the kiosk's printer in the language on screen.
  const receiptId = stage === 'done' ? (job?.historyId ?? null) : null;
  const receiptCode = useReceiptCode(receiptId);
  const printing = usePrintReceipt(receiptId, () => kioskActions.printReceipt(receiptId ?? '', lng));
  const newVersion = (device?.state === 'updated' && device.jobId === job?.jobId ? device.fwVersion : null) ?? job?.targetVersion ?? '';
  const oldVersion = answered?.fromVersion ?? job?.fromVersion ?? t('common.unknown');

  const picker = (large: boolean) => (
    <LanguagePicker
      languages={languages}
      value={lng}
      onChange={(l) => {
        chosen.current = true;
        void i18n.changeLanguage(l);
      }}
      large={large}
      label={t('common.language')}
    />
  );

  return (
    <div className="customer" lang={lng} data-testid="customer-area" data-stage={stage}>
      <header className="customer-top">
        <span className="brand">{t('app.name')}</span>
        {headerControl ? <span className="spacer" style={{ flex: 1 }} /> : null}
        {headerControl}
        {stage !== 'welcome' && languages.length > 1 ? picker(false) : null}
      </header>
      <main className="customer-main" id="main">
        {stage === 'welcome' ? <WelcomeScreen picker={picker(true)} /> : null}
        {stage === 'offer' && shownRequest ? (
          <OfferScreen request={shownRequest} device={devices.find((d) => d.portId === shownRequest.portId)} busy={busy} onAnswer={(d, s) => void answer(d, s)} />
        ) : null}
        {answerError ? (
          <p className="notice notice-danger" role="alert">
            {answerError}
          </p>
        ) : null}
        {stage === 'device' ? <DeviceConfirmScreen /> : null}
        {stage === 'progress' ? <ProgressScreen job={job} cableOut={cableOut} /> : null}
        {stage === 'done' ? (
          <DoneScreen version={newVersion} scheduled={job?.phase === 'scheduled'} facts={facts} onFinish={reset} code={receiptCode} printing={receiptId ? printing : null} />
        ) : null}
        {stage === 'declined' ? <DeclinedScreen version={oldVersion} onFinish={reset} /> : null}
        {stage === 'failed' ? <FailedScreen job={job} onFinish={reset} /> : null}
      </main>
      {idle.warning ? (
        <div className="idle-warning" role="alertdialog" aria-live="assertive" aria-label={t('customer.idle.stay')} data-testid="idle-warning">
          <p className="num">{t('customer.idle.warning', { seconds: idle.remaining })}</p>
          <button type="button" className="btn btn-primary" onClick={idle.poke} autoFocus>
            {t('customer.idle.stay')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** The record's receipt QR code, fetched once per record (none while there is no record). */
function useReceiptCode(id: string | null): ReceiptCode | null {
  const [code, setCode] = useState<ReceiptCode | null>(null);
  useEffect(() => {
    if (!id) return;
    let live = true;
    void kioskActions.receiptCode(id).then((r) => {
      if (live && r.ok) setCode(r.value);
    });
    return () => {
      live = false;
    };
  }, [id]);
  return code && code.id === id ? code : null;
}

/** Counts down from the last touch or key press; calls onTimeout once at zero. */
function useIdle(seconds: number, active: boolean, onTimeout: () => void): { warning: boolean; remaining: number; poke: () => void } {
  const last = useRef(0);
  const [remaining, setRemaining] = useState(seconds);
  const timeoutRef = useRef(onTimeout);
  useEffect(() => {
    timeoutRef.current = onTimeout;
  }, [onTimeout]);

  const poke = useCallback(() => {
    last.current = Date.now();
    setRemaining(seconds);
  }, [seconds]);

  useEffect(() => {
    const onInput = () => {
      last.current = Date.now();
    };
    const events = ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, onInput, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, onInput);
    };
  }, []);

  useEffect(() => {
    if (!active) return;
    last.current = Date.now();
    const timer = window.setInterval(() => {
      const left = Math.max(0, Math.ceil(seconds - (Date.now() - last.current) / 1000));
      setRemaining(left);
      if (left === 0) {
        last.current = Date.now();
        timeoutRef.current();
      }
    }, 500);
    return () => window.clearInterval(timer);
  }, [active, seconds]);

  return { warning: active && remaining <= Math.min(IDLE_WARNING_SECONDS, seconds / 2), remaining, poke };
}
