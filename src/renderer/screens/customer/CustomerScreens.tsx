import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsentRequest, DeviceView, JobView, ReceiptCode, Schedule } from '../../../shared/api';
import { PrintReceiptButton } from '../../components/PrintReceipt';
import type { PrintState } from '../../components/print-receipt';
import { ReceiptQr } from '../../components/ReceiptQr';
import { durationText } from './offer-duration';
import { placeOf } from '../../components/device-model';
import { ProgressBar } from '../../components/ProgressBar';
import { translateError } from '../../i18n';
import { devIdTail, formatDateTime, formatMegabytes, maskDevId, timeLeftWords } from '../../i18n/format';
import { useProgressView } from '../../store';
import { failureOf, type NextStep } from '../../components/failure';
import { consentTextsShown, pickTextWithLang } from './customer-flow';

/** Start: choose a language; the phone has not been handed over yet. */
export function WelcomeScreen({ picker }: { picker: ReactNode }) {
  const { t } = useTranslation();
  return (
    <section className="customer-center" aria-labelledby="welcome-title" data-testid="customer-welcome">
      <h1 id="welcome-title">{t('customer.welcome.title')}</h1>
      <p className="lead">{t('customer.welcome.chooseLanguage')}</p>
      {picker}
      <p className="muted" style={{ maxWidth: '36em' }}>
        {t('customer.welcome.waiting')}
      </p>
    </section>
  );
}

/** What will happen, in plain words, and the decision (requirements 12, 14, 17). */
export function OfferScreen({
  request,
  device,
  busy,
  onAnswer,
}: {
  request: ConsentRequest;
  /** The phone the request is for, to check against the one in the customer's hand. */
  device: DeviceView | undefined;
  busy: boolean;
  onAnswer: (decision: 'approve' | 'decline', schedule: Schedule) => void;
}) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  // Texts from the bundle and the service may lack the chosen language: mark what they are in.
  const notes = pickTextWithLang(request.releaseNotes, lng);
  // Privacy and warranty: the versioned texts the request carries, in the customer's language.
  const { privacy, warranty } = consentTextsShown(request, lng);
  const model = request.model ?? device?.model ?? t('common.unknown');
  // The customer display sees no device cards: the request names the phone's slot and masked id itself.
  const tail = devIdTail(request.devId ?? device?.devId);
  const place = placeOf(device ?? { portId: request.portId, slot: request.slot ?? null, portLabel: request.portLabel ?? null });
  const later = request.supportsSchedule;
  return (
    <section className="offer" aria-labelledby="offer-title" data-testid="customer-offer">
      <header className="offer-head">
        <h1 id="offer-title">{t('customer.offer.title')}</h1>
        <p className="offer-phone" data-testid="offer-phone">
          <span>{t('customer.offer.forPhone', { model })}</span>
          <span data-testid="offer-slot">{t('customer.offer.inSlot', { slot: place })}</span>
          {tail ? <span className="num" data-testid="offer-imei">{t('customer.offer.imeiTail', { tail })}</span> : null}
        </p>
      </header>
      {/* Focusable so the texts can be scrolled from the keyboard too. */}
      <div className="offer-body" tabIndex={0} role="region" aria-labelledby="offer-title">
        <div className="offer-column">
          <div className="offer-section">
            <h2>{t('customer.offer.whatChanges')}</h2>
            <p data-testid="offer-versions">
              {t('customer.offer.versionChange', { model, from: request.fromVersion ?? t('common.unknown'), to: request.targetVersion })}
            </p>
            <h3>{t('customer.offer.fixes')}</h3>
            <p className="notes" data-testid="offer-notes" lang={notes.text ? notes.lang : lng}>
              {notes.text || t('customer.offer.noNotes')}
            </p>
          </div>
          <div className="offer-section">
            <h2>{t('customer.offer.duration')}</h2>
            <p data-testid="offer-duration">
              {durationText(request, lng, t)}{' '}
              <span className="muted">{t('customer.offer.size', { size: formatMegabytes(request.imageBytes, lng) })}</span>
            </p>
            <h3>{t('customer.offer.connected')}</h3>
            <p>{t('customer.offer.connectedText')}</p>
          </div>
        </div>
        <div className="offer-column">
          <div className="offer-section">
            <h2>{t('customer.offer.privacy')}</h2>
            <p className="notes" data-testid="offer-privacy" lang={privacy.lang} data-version={privacy.version}>
              {privacy.text}
            </p>
          </div>
          <div className="offer-section">
            <h2>{t('customer.offer.warranty')}</h2>
            <p className="notes" data-testid="offer-warranty" lang={warranty.lang} data-version={warranty.version}>
              {warranty.text}
            </p>
          </div>
        </div>
      </div>
      <div className="offer-decide">
        <p className="lead" id="offer-question">
          {t('customer.offer.question')}
        </p>
        {later ? <p className="muted offer-later-hint">{t('customer.offer.installLaterHint')}</p> : null}
        <div className={later ? 'decision decision-3' : 'decision'} role="group" aria-labelledby="offer-question">
          <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => onAnswer('decline', 'now')} data-testid="decline">
            {t('customer.offer.decline')}
          </button>
          {later ? (
            <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => onAnswer('approve', 'later')} data-testid="approve-later">
              {t('customer.offer.installLater')}
            </button>
          ) : null}
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => onAnswer('approve', 'now')} data-testid="approve">
            {later ? t('customer.offer.installNow') : t('customer.offer.approve')}
          </button>
        </div>
      </div>
    </section>
  );
}

/** The phone shows its own prompt (Alert 1101): tell the customer to answer it there. */
export function DeviceConfirmScreen() {
  const { t } = useTranslation();
  return (
    <section className="customer-center" aria-labelledby="device-title" data-testid="customer-device">
      <svg className="phone-icon" viewBox="0 0 64 96" width="64" height="96" aria-hidden="true" focusable="false">
        <rect x="4" y="4" width="56" height="88" rx="9" fill="none" stroke="currentColor" strokeWidth="5" />
        <rect x="14" y="26" width="36" height="22" rx="4" fill="currentColor" />
        <circle cx="32" cy="78" r="5" fill="currentColor" />
      </svg>
      <h1 id="device-title">{t('customer.device.title')}</h1>
      <p className="lead" style={{ maxWidth: '30em' }}>
        {t('customer.device.text')}
      </p>
      <p className="muted">{t('customer.device.hint')}</p>
    </section>
  );
}

/** Sending and installing; nothing on this screen moves except the bar and its figures. */
export function ProgressScreen({ job, cableOut }: { job: JobView | undefined; cableOut: boolean }) {
  const { t, i18n } = useTranslation();
  const view = useProgressView(job);
  const line =
    view.stage === 'installing'
      ? t('customer.progress.installing')
      : view.stage === 'verifying'
        ? t('customer.progress.verifying')
        : t('customer.progress.sending');
  let eta = '\u00a0';
  if (view.stage === 'estimating') eta = t('customer.progress.leftUnknown');
  else if (view.stage === 'sending' && view.etaSeconds !== null) {
    const words = timeLeftWords(view.etaSeconds, i18n.language);
    eta = words ? t('customer.progress.left', { duration: words }) : t('customer.progress.leftUnderMinute');
  }
  return (
    <section className="customer-center" aria-labelledby="progress-title" data-testid="customer-progress" data-progress-stage={view.stage}>
      <h1 id="progress-title">{t('customer.progress.title')}</h1>
      <p className="lead" aria-live="polite" data-testid="progress-phase">
        {line}
      </p>
      <ProgressBar percent={view.percent ?? 0} tone={view.tone} label={t('customer.progress.title')} size="large" />
      <p className="reserved-line num" data-testid="progress-eta">
        {eta}
      </p>
      {cableOut ? (
        <p className="notice notice-danger" role="alert" data-testid="cable-out">
          {t('customer.progress.paused')}
        </p>
      ) : (
        <p className="notice notice-info">{t('customer.progress.keepConnected')}</p>
      )}
    </section>
  );
}

export interface ReceiptFacts {
  reference: string;
  at: number;
  model: string | null;
  devId: string | null;
  from: string | null;
  to: string | null;
}

function ReceiptCard({ facts, resultText }: { facts: ReceiptFacts; resultText: string }) {
  const { t, i18n } = useTranslation();
  return (
    <section className="receipt-card" aria-labelledby="receipt-title" data-testid="customer-receipt">
      <h2 id="receipt-title">{t('receipt.title')}</h2>
      <dl className="facts">
        <dt>{t('receipt.date')}</dt>
        <dd className="num">{formatDateTime(facts.at, i18n.language)}</dd>
        <dt>{t('receipt.model')}</dt>
        <dd>{facts.model ?? t('common.unknown')}</dd>
        <dt>{t('receipt.devId')}</dt>
        <dd className="num">{maskDevId(facts.devId)}</dd>
        <dt>{t('receipt.from')}</dt>
        <dd className="num">{facts.from ?? t('common.unknown')}</dd>
        <dt>{t('receipt.to')}</dt>
        <dd className="num">{facts.to ?? t('common.unknown')}</dd>
        <dt>{t('receipt.result')}</dt>
        <dd>{resultText}</dd>
        <dt>{t('receipt.reference')}</dt>
        <dd className="num">{facts.reference}</dd>
      </dl>
    </section>
  );
}

/** The receipt's print button as the done screen gets it (none while the record has no id yet). */
export interface DonePrinting {
  state: PrintState;
  onPrint: () => void;
}

/**
 * Requirement 15: the customer is told the update is complete, with the version now running;
 * the receipt to take away: on paper from the kiosk's printer, or its signed QR code with a phone.
 */
export function DoneScreen({
  version,
  scheduled,
  facts,
  onFinish,
  code = null,
  printing = null,
}: {
  version: string;
  scheduled: boolean;
  facts: ReceiptFacts;
  onFinish: () => void;
  code?: ReceiptCode | null;
  printing?: DonePrinting | null;
}) {
  const { t } = useTranslation();
  return (
    <section className="customer-center" aria-labelledby="done-title" data-testid="customer-done">
      <div className="result-icon ok" aria-hidden="true">
        ✓
      </div>
      <h1 id="done-title">{t('customer.done.title')}</h1>
      <p className="lead" data-testid="done-version">
        {scheduled ? t('customer.done.scheduled') : t('customer.done.text', { version })}
      </p>
      <p>{t('customer.done.unplug')}</p>
      <div className="receipt-row">
        <ReceiptCard facts={facts} resultText={t(scheduled ? 'phase.scheduled' : 'history.result.success')} />
        {code ? (
          <figure className="receipt-qr">
            <ReceiptQr code={code} label={t('receipt.qrLabel')} sizePx={240} />
            <figcaption>{t('receipt.qrCaption')}</figcaption>
          </figure>
        ) : null}
      </div>
      <div className="done-actions">
        {printing ? <PrintReceiptButton state={printing.state} onPrint={printing.onPrint} large failedHint={t('receipt.askStaff')} /> : null}
        <button type="button" className="btn btn-primary btn-finish" onClick={onFinish} data-testid="finish">
          {t('customer.done.finish')}
        </button>
      </div>
    </section>
  );
}

/** Declined on the kiosk or on the phone: nothing was changed. */
export function DeclinedScreen({ version, onFinish }: { version: string; onFinish: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="customer-center" aria-labelledby="declined-title" data-testid="customer-declined">
      <div className="result-icon neutral" aria-hidden="true">
        ✓
      </div>
      <h1 id="declined-title">{t('customer.declined.title')}</h1>
      <p className="lead" style={{ maxWidth: '32em' }}>
        {t('customer.declined.text', { version })}
      </p>
      <button type="button" className="btn btn-primary btn-finish" onClick={onFinish} data-testid="finish">
        {t('customer.declined.finish')}
      </button>
    </section>
  );
}

const CUSTOMER_NEXT: Record<NextStep, string> = {
  retry: 'customer.failed.nextRetry',
  charge: 'customer.failed.nextCharge',
  space: 'customer.failed.nextSpace',
  reconnect: 'customer.failed.nextReconnect',
  manufacturer: 'customer.failed.nextManufacturer',
};

/**
 * The update stopped: say once, in plain words, what happened and what comes next. No result
 * codes or technical details here; the technician sees those on the bench.
 */
export function FailedScreen({ job, onFinish }: { job: JobView | undefined; onFinish: () => void }) {
  const { t, i18n } = useTranslation();
  const failure = job?.error ? failureOf(job.error) : null;
  return (
    <section className="customer-center" aria-labelledby="failed-title" data-testid="customer-failed">
      <div className="result-icon bad" aria-hidden="true">
        !
      </div>
      <h1 id="failed-title">{t('customer.failed.title')}</h1>
      {failure ? (
        <p className="lead failed-reason" data-testid="failed-reason">
          {translateError(t, i18n, failure.plain)}
        </p>
      ) : null}
      <p className="lead" data-testid="failed-next">
        {failure ? t(CUSTOMER_NEXT[failure.next]) : t('customer.failed.ask')}
      </p>
      <button type="button" className="btn btn-primary btn-finish" onClick={onFinish} data-testid="finish">
        {t('customer.failed.finish')}
      </button>
    </section>
  );
}
