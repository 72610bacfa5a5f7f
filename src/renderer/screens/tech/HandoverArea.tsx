import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PinPad } from '../../components/PinPad';
import { CustomerApp } from '../customer/CustomerApp';
import { kioskActions } from '../kiosk-hooks';
import type { HandoverState } from './handover';

/**
 * This screen while it belongs to the customer (one-screen handover): the customer area with no
 * technician controls, or after the customer finished the neutral "hand the screen back" state.
 * The only way back is the Staff control, which asks for a technician PIN; `onUnlocked` is called
 * only after auth.login accepted it.
 */
export function HandoverArea({
  state,
  onCustomerFinished,
  onUnlocked,
}: {
  state: HandoverState;
  onCustomerFinished: () => void;
  onUnlocked: () => void;
}) {
  const { t } = useTranslation();
  const [asking, setAsking] = useState(false);
  const staffButton = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    // Focus back on the Staff control when the PIN dialog closes without unlocking.
    if (wasAsking.current && !asking) staffButton.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  const staff = (
    <button
      ref={staffButton}
      type="button"
      className="btn btn-secondary"
      onClick={() => setAsking(true)}
      aria-label={t('handover.staffLabel')}
      data-testid="staff-control"
      style={{ minHeight: 48, minWidth: 96 }}
    >
      {t('handover.staff')}
    </button>
  );

  return (
    <div className="fill" data-testid="handover-area" data-mode={state.mode}>
      <div inert={asking}>
        {state.mode === 'customer' ? (
          <CustomerApp embedded onFinished={onCustomerFinished} headerControl={staff} />
        ) : (
          <HandBackScreen staff={staff} />
        )}
      </div>
      {asking ? <StaffPinDialog onCancel={() => setAsking(false)} onUnlocked={onUnlocked} /> : null}
    </div>
  );
}

/** After the customer finished: nothing personal left on screen, still PIN-guarded. */
function HandBackScreen({ staff }: { staff: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="customer">
      <header className="customer-top">
        <span className="brand">{t('app.name')}</span>
        {staff}
      </header>
      <main className="customer-main" id="main">
        <section className="customer-center" aria-labelledby="handback-title" data-testid="handback-screen">
          <h1 id="handback-title">{t('handover.handBackTitle')}</h1>
          <p className="lead">{t('handover.handBackText')}</p>
        </section>
      </main>
    </div>
  );
}

function StaffPinDialog({ onCancel, onUnlocked }: { onCancel: () => void; onUnlocked: () => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onCancel]);

  const submit = async (pin: string) => {
    setBusy(true);
    setError(null);
    const r = await kioskActions.login(pin);
    setBusy(false);
    if (r.ok) onUnlocked();
    else setError(t('handover.pinFailed'));
  };

  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-labelledby="staff-pin-title"
      data-testid="staff-pin-dialog"
      style={{
        position: 'fixed',
        inset: 0,
        display: 'grid',
        placeItems: 'center',
        background: 'rgba(0, 0, 0, 0.45)',
        overflow: 'auto',
        padding: 16,
      }}
    >
      <div className="card stack" style={{ maxWidth: 420, width: '100%' }}>
        <h2 id="staff-pin-title">{t('handover.pinTitle')}</h2>
        <p className="muted">{t('handover.pinIntro')}</p>
        <PinPad onSubmit={(pin) => void submit(pin)} busy={busy} error={error} />
        <button type="button" className="btn btn-secondary btn-block" onClick={onCancel} data-testid="staff-pin-cancel">
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
