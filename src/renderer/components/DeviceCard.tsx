import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConsentRequest, DeviceView, JobView } from '../../shared/api';
import { devIdTail, formatEtaClock, formatSpeed, maskDevId } from '../i18n/format';
import { translateError } from '../i18n';
import { deviceCardModel, type DeviceAction } from './device-model';
import { ProgressBar } from './ProgressBar';
import { ProblemList } from './ProblemList';

export interface DeviceCardProps {
  device: DeviceView;
  job: JobView | undefined;
  pending: readonly ConsentRequest[];
  busy: boolean;
  onAction: (action: DeviceAction, ids: { portId: string; jobId: string | null; requestId: string | null }) => void;
}

const ACTION_CLASS: Record<DeviceAction, string> = {
  start: 'btn btn-primary',
  handToCustomer: 'btn btn-primary',
  cancel: 'btn btn-danger',
  retry: 'btn btn-secondary',
};

/** One attached device on the bench: identity, versions, progress, power, problems, actions. */
export function DeviceCard({ device, job, pending, busy, onAction }: DeviceCardProps) {
  const { t, i18n } = useTranslation();
  const m = deviceCardModel(device, job, pending);
  // Cancelling a running update takes a second, deliberate press.
  const [confirmCancel, setConfirmCancel] = useState(false);
  const ids = { portId: device.portId, jobId: job?.jobId ?? null, requestId: m.requestId };
  const lng = i18n.language;
  const title = device.model ?? t('state.identifying');
  const kind = device.devId?.includes(':') ? device.devId.slice(0, device.devId.indexOf(':')).toUpperCase() : t('bench.devId');
  const headingId = `device-${device.portId}-title`;
  const fromV = job?.fromVersion ?? device.fwVersion;
  const toV = job?.targetVersion ?? device.targetVersion;

  return (
    <article className={`card device-card tone-${m.tone}`} aria-labelledby={headingId} data-testid="device-card" data-port-id={device.portId}>
      <header className="device-card-head">
        <div>
          <h3 id={headingId}>{title}</h3>
          <p className="muted num" data-testid="devid">
            {device.devId ? (
              <span aria-label={t('bench.devIdSpoken', { kind, tail: devIdTail(device.devId) })}>{maskDevId(device.devId)}</span>
            ) : (
              '\u00a0'
            )}
          </p>
        </div>
        <span className={`badge badge-${m.tone}`} data-testid="device-status" data-phase={job?.phase ?? ""} data-state={device.state}>
          {t(m.statusKey)}
        </span>
      </header>

      <dl className="facts device-facts">
        <dt>{t('bench.version')}</dt>
        <dd className="num" data-testid="versions">
          {toV && fromV !== toV ? t('bench.versionChange', { from: fromV ?? t('common.unknown'), to: toV }) : (fromV ?? t('common.unknown'))}
          {!toV && device.state === 'no-update' ? <span className="muted"> · {t('bench.noTarget')}</span> : null}
        </dd>
        <dt>{t('bench.battery')}</dt>
        <dd className="num" data-testid="battery">
          {device.battery === null ? t('common.unknown') : new Intl.NumberFormat(lng, { style: 'percent' }).format(device.battery / 100)}
          {' · '}
          {t('bench.power')}: {device.externalPower === null ? t('common.unknown') : device.externalPower ? t('bench.powerOn') : t('bench.powerOff')}
        </dd>
      </dl>

      <div className="device-progress">
        <ProgressBar percent={m.percent} idle={m.percent === null} label={t('bench.progress')} />
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
      </div>

      {job?.phase === 'awaiting-consent' && !m.actions.includes('handToCustomer') ? <p className="muted">{t('bench.waitingCustomer')}</p> : null}
      {job?.phase === 'awaiting-device-consent' ? <p className="muted">{t('bench.waitingDevice')}</p> : null}

      <ProblemList problems={device.problems} />
      {job?.error && job.phase !== 'declined' ? (
        <div className="notice notice-danger" role="alert" data-testid="job-error">
          <p>{translateError(t, i18n, job.error)}</p>
        </div>
      ) : null}
      {job?.error && job.phase === 'declined' ? (
        <p className="muted" data-testid="job-declined">
          {translateError(t, i18n, job.error)}
        </p>
      ) : null}

      {confirmCancel && m.actions.includes('cancel') ? (
        <div className="device-actions row" role="group" aria-label={t('bench.actions.confirmCancel')}>
          <span className="confirm-text">{t('bench.actions.confirmCancel')}</span>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            data-testid="action-cancel-confirm"
            onClick={() => {
              setConfirmCancel(false);
              onAction('cancel', ids);
            }}
          >
            {t('common.yes')}
          </button>
          <button type="button" className="btn btn-secondary" onClick={() => setConfirmCancel(false)} data-testid="action-cancel-keep">
            {t('common.no')}
          </button>
        </div>
      ) : (
        <div className="device-actions row">
          {m.actions.map((a) => (
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
          ))}
        </div>
      )}
    </article>
  );
}
