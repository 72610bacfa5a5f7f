import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsentRequest, DeviceView, JobView } from '../../shared/api';
import { devIdTail, formatEtaClock, formatSpeed, maskDevId } from '../i18n/format';
import { translateError } from '../i18n';
import { useProgressSamples } from '../store';
import { deviceCardModel, placeOf, type DeviceAction } from './device-model';
import { failureOf } from './failure';
import { ProgressBar } from './ProgressBar';
import { ProblemList } from './ProblemList';

export interface DeviceCardProps {
  device: DeviceView;
  job: JobView | undefined;
  pending: readonly ConsentRequest[];
  busy: boolean;
  /** The technician confirmed cancelling this job and it has not ended yet. */
  cancelling?: boolean;
  /** The catalogue holds no bundle at all. */
  catalogEmpty?: boolean;
  onAction: (
    action: DeviceAction,
    ids: { portId: string; jobId: string | null; requestId: string | null },
  ) => void;
}

const ACTION_CLASS: Record<DeviceAction, string> = {
  start: 'btn btn-primary',
  handToCustomer: 'btn btn-primary',
  cancel: 'btn btn-danger',
  retry: 'btn btn-secondary',
};

/**
 * One attached device on the bench: where it is, identity, versions, progress, one message, actions.
 * Every part has its place reserved, so nothing under the technician's finger moves when a job
 * starts, a notice appears or the actions change; the cancel confirmation lies over the card.
 */
export function DeviceCard({
  device,
  job,
  pending,
  busy,
  cancelling = false,
  catalogEmpty = false,
  onAction,
}: DeviceCardProps) {
  const { t, i18n } = useTranslation();
  const samples = useProgressSamples(job?.jobId);
  const m = deviceCardModel(device, job, pending, { samples, cancelling, catalogEmpty });
  // Cancelling a running update takes a second, deliberate press.
  const [confirmCancel, setConfirmCancel] = useState(false);
  const keepButton = useRef<HTMLButtonElement>(null);
  const ids = { portId: device.portId, jobId: job?.jobId ?? null, requestId: m.requestId };
  const lng = i18n.language;
  const title = device.model ?? t('state.identifying');
  const kind = device.devId?.includes(':')
    ? device.devId.slice(0, device.devId.indexOf(':')).toUpperCase()
    : t('bench.devId');
  const headingId = `device-${device.portId}-title`;
  const fromV = job?.fromVersion ?? device.fwVersion;
  const toV = job?.targetVersion ?? device.targetVersion;
  const confirming = confirmCancel && m.actions.includes('cancel');
  useEffect(() => {
    if (confirming) keepButton.current?.focus();
  }, [confirming]);
  const failure = m.error ? failureOf(m.error) : null;
  const estimating = m.progress.stage === 'estimating';

  return (
    <article
      className={`card device-card tone-${m.tone}`}
      aria-labelledby={headingId}
      data-testid="device-card"
      data-port-id={device.portId}
      data-cancelling={m.cancelling ? 'true' : undefined}
    >
      <header className="device-card-head">
        <h3 id={headingId}>{title}</h3>
        <span
          className={`badge badge-${m.tone}`}
          data-testid="device-status"
          data-phase={job?.phase ?? ''}
          data-state={device.state}
        >
          {t(m.statusKey)}
        </span>
        <p className="muted num device-where">
          <span
            className="slot-chip"
            data-testid="slot"
            aria-label={`${t('bench.slot')}: ${placeOf(device)}`}
          >
            {placeOf(device)}
          </span>
          <span data-testid="devid">
            {device.devId ? (
              <span aria-label={t('bench.devIdSpoken', { kind, tail: devIdTail(device.devId) })}>
                {maskDevId(device.devId)}
              </span>
            ) : (
              '\u00a0'
            )}
          </span>
        </p>
      </header>

      <dl className="facts device-facts">
        <dt>{t('bench.version')}</dt>
        <dd className="num" data-testid="versions">
          {toV && fromV !== toV
            ? t('bench.versionChange', { from: fromV ?? t('common.unknown'), to: toV })
            : (fromV ?? t('common.unknown'))}
          {!toV && device.state === 'no-update' && !m.catalogEmpty ? (
            <span className="muted"> · {t('bench.noTarget')}</span>
          ) : null}
        </dd>
        <dt>{t('bench.battery')}</dt>
        <dd className="num" data-testid="battery">
          {device.battery === null
            ? t('common.unknown')
            : new Intl.NumberFormat(lng, { style: 'percent' }).format(device.battery / 100)}
          {device.externalPower === null
            ? null
            : ` · ${device.externalPower ? t('bench.powerShortOn') : t('bench.powerShortOff')}`}
        </dd>
      </dl>

      <div className="device-progress">
        <ProgressBar percent={job ? m.percent : null} tone={m.progress.tone} label={t('bench.progress')} />
        {estimating ? (
          // One line across both figures: two "working out" labels side by side do not fit a card at 1280 px.
          <p className="device-rates device-rates-estimating" data-testid="rates-estimating">
            {t('bench.estimating')}
          </p>
        ) : (
          <dl className="device-rates">
            <div>
              <dt>{t('bench.speed')}</dt>
              <dd className="speed" data-testid="speed">
                {formatSpeed(m.speedBps, lng)}
              </dd>
            </div>
            <div>
              <dt>{t('bench.eta')}</dt>
              <dd className="eta" data-testid="eta">
                {formatEtaClock(m.etaSeconds)}
              </dd>
            </div>
          </dl>
        )}
      </div>

      <div className="device-message" data-testid="device-message">
        {m.cancelling ? (
          <p className="muted" data-testid="cancelling-hint" role="status">
            {t('bench.cancellingHint')}
          </p>
        ) : null}
        {!m.cancelling && job?.phase === 'awaiting-consent' && !m.actions.includes('handToCustomer') ? (
          <p className="muted">{t('bench.waitingCustomer')}</p>
        ) : null}
        {!m.cancelling && job?.phase === 'awaiting-device-consent' ? (
          <p className="muted">{t('bench.waitingDevice')}</p>
        ) : null}
        {device.waitingForConnect ? (
          <p className="muted" data-testid="waiting-for-connect" role="status">
            {t('bench.waitingForConnect')}
            {device.waitingForConnect.instruction ? ` ${device.waitingForConnect.instruction[instructionLanguage(lng)]}` : ''}
          </p>
        ) : null}
        {m.catalogEmpty ? (
          <p className="muted" data-testid="catalog-empty">
            {t('bench.catalogEmpty')}
          </p>
        ) : null}
        <ProblemList problems={m.problems} />
        {failure ? (
          <div className="notice notice-danger job-error" role="alert" data-testid="job-error">
            <div className="stack" style={{ gap: 'var(--sp-1)' }}>
              <p data-testid="job-error-text">{translateError(t, i18n, failure.plain)}</p>
              {job?.phase === 'failed' ? (
                <p data-testid="job-error-next">{t(`failure.${failure.next}`)}</p>
              ) : null}
              {job?.phase === 'failed' ? (
                <details className="tech-details" data-testid="job-error-details">
                  <summary>{t('bench.technicalDetails')}</summary>
                  <p className="num">
                    {t('bench.errorCode')}: <code>{failure.code}</code>
                    {failure.detail ? (
                      <>
                        {' · '}
                        {t('bench.errorDetail')}: <code>{failure.detail}</code>
                      </>
                    ) : null}
                  </p>
                </details>
              ) : null}
            </div>
          </div>
        ) : null}
        {job?.error && job.phase === 'declined' ? (
          <p className="muted" data-testid="job-declined">
            {translateError(t, i18n, job.error)}
          </p>
        ) : null}
      </div>

      <div className="device-actions row">
        {m.cancelling ? (
          <button
            type="button"
            className="btn btn-danger"
            disabled
            aria-disabled="true"
            data-testid="action-cancelling"
          >
            {t('bench.cancelling')}
          </button>
        ) : (
          m.actions.map((a) => (
            <button
              key={a}
              type="button"
              className={ACTION_CLASS[a]}
              disabled={busy}
              data-testid={`action-${a}`}
              onClick={() => (a === 'cancel' ? setConfirmCancel(true) : onAction(a, ids))}
            >
              {t(`bench.actions.${a}`)}
            </button>
          ))
        )}
      </div>

      {confirming ? (
        <div
          className="device-confirm"
          role="group"
          aria-labelledby={`${headingId}-confirm`}
          data-testid="cancel-confirm"
        >
          <p id={`${headingId}-confirm`} className="confirm-text">
            {t('bench.actions.confirmCancel')}
          </p>
          <button
            type="button"
            className="btn btn-danger btn-large"
            disabled={busy}
            data-testid="action-cancel-confirm"
            onClick={() => {
              setConfirmCancel(false);
              onAction('cancel', ids);
            }}
          >
            {t('bench.actions.cancelConfirm')}
          </button>
          <button
            ref={keepButton}
            type="button"
            className="btn btn-secondary btn-large"
            onClick={() => setConfirmCancel(false)}
            data-testid="action-cancel-keep"
          >
            {t('bench.actions.cancelKeep')}
          </button>
        </div>
      ) : null}
    </article>
  );
}

/** The language of a profile's instruction for the screen's language (English where it has none). */
function instructionLanguage(lng: string): 'en' | 'de' | 'es' {
  const base = lng.slice(0, 2);
  return base === 'de' || base === 'es' ? base : 'en';
}
