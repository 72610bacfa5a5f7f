import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../../shared/api';
import { DeviceCard } from '../../components/DeviceCard';
import { sortDevices, type DeviceAction } from '../../components/device-model';
import { ErrorNotice } from '../../components/ErrorText';
import { kioskActions, useCatalog, useDevices, useJobs, usePendingConsent } from '../kiosk-hooks';

/**
 * The technician's bench: one card per attached device, in the order they were plugged in.
 * `onHandedOver` hears of every successful hand-over (the one-screen handover takes the screen).
 */
export function BenchScreen({ onHandedOver }: { onHandedOver?: (requestId: string) => void } = {}) {
  const { t } = useTranslation();
  const devices = useDevices();
  const jobs = useJobs();
  const pending = usePendingConsent();
  const ordered = useMemo(() => sortDevices(devices), [devices]);
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [errors, setErrors] = useState<Record<string, ApiError | null>>({});
  // Jobs whose cancel the technician confirmed: "Cancelling…" shows at once and until the job ends.
  const [cancelling, setCancelling] = useState<ReadonlySet<string>>(() => new Set());
  const catalogEmpty = useCatalog().length === 0;

  const act = async (action: DeviceAction, ids: { portId: string; jobId: string | null; requestId: string | null }) => {
    setBusy((b) => ({ ...b, [ids.portId]: true }));
    setErrors((e) => ({ ...e, [ids.portId]: null }));
    let r: { ok: true } | { ok: false; error: ApiError };
    switch (action) {
      case 'start':
        r = await kioskActions.startJob(ids.portId);
        break;
      case 'handToCustomer':
        r = ids.requestId ? await kioskActions.handover(ids.requestId) : { ok: true };
        break;
      case 'cancel': {
        const jobId = ids.jobId;
        if (!jobId) {
          r = { ok: true };
          break;
        }
        setCancelling((s) => new Set(s).add(jobId));
        r = await kioskActions.cancelJob(jobId);
        if (!r.ok)
          setCancelling((s) => {
            const next = new Set(s);
            next.delete(jobId);
            return next;
          });
        break;
      }
      case 'retry':
        r = ids.jobId ? await kioskActions.retryJob(ids.jobId) : { ok: true };
        break;
    }
    setBusy((b) => ({ ...b, [ids.portId]: false }));
    if (!r.ok) setErrors((e) => ({ ...e, [ids.portId]: r.error }));
    else if (action === 'handToCustomer' && ids.requestId) onHandedOver?.(ids.requestId);
  };

  return (
    <section className="stack" aria-labelledby="bench-title" data-testid="screen-bench">
      <div className="screen-head">
        <h1 id="bench-title">{t('bench.devices')}</h1>
        <p className="muted num" aria-live="polite">
          {t('bench.count', { count: ordered.length })}
        </p>
      </div>
      {ordered.length === 0 ? (
        <div className="card empty-state" data-testid="bench-empty">
          <p>{t('bench.empty')}</p>
          <p className="muted">{t('bench.emptyHint')}</p>
        </div>
      ) : (
        <ul className="device-grid">
          {ordered.map((d) => (
            <li key={d.portId} className="stack" style={{ gap: 'var(--sp-2)' }}>
              <DeviceCard
                device={d}
                job={d.jobId ? jobs[d.jobId] : undefined}
                pending={pending}
                busy={busy[d.portId] ?? false}
                cancelling={d.jobId ? cancelling.has(d.jobId) : false}
                catalogEmpty={catalogEmpty}
                onAction={(a, ids) => void act(a, ids)}
              />
              <ErrorNotice error={errors[d.portId]} title={t('bench.actionFailed')} testId="action-error" />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
