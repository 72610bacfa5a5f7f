import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, PortList, PortView, ProfileChoice, Result } from '../../../shared/api';
import { SLOT_NAME_MAX_LENGTH } from '../../../shared/bench-ports';
import { ErrorNotice } from '../../components/ErrorText';
import { Notice } from '../../components/Notice';
import { kioskActions, useDevices } from '../kiosk-hooks';

/**
 * Administrator: the bench's ports. Each gets a slot name people read on the phone's card and
 * the customer's offer ("Slot 3"), and the device profile a phone on it is opened with; a port
 * without a profile is never opened (a receipt printer or payment terminal stays untouched).
 */
export function BenchSlotsScreen() {
  const { t } = useTranslation();
  const [list, setList] = useState<PortList | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const devices = useDevices();
  // Phones coming and going change what is attached: list the ports again then.
  const attachedKey = devices.map((d) => d.portId).join('|');

  const load = useCallback(async () => {
    const r = await kioskActions.listPorts();
    if (r.ok) {
      setList(r.value);
      setError(null);
    } else setError(r.error);
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading from the Node side is what this effect is for
    void load();
  }, [load, attachedKey]);

  const saved = (r: Result<PortList>): ApiError | null => {
    if (!r.ok) return r.error;
    setList(r.value);
    return null;
  };

  return (
    <section className="stack" aria-labelledby="slots-title" data-testid="screen-slots">
      <h1 id="slots-title">{t('slots.title')}</h1>
      <p className="muted">{t('slots.intro')}</p>
      <ul className="muted slot-hints">
        <li id="slots-name-hint">{t('slots.slotHint', { max: SLOT_NAME_MAX_LENGTH })}</li>
        <li id="slots-profile-hint">{t('slots.profileHint')}</li>
      </ul>
      <ErrorNotice error={error} />
      {list === null ? (
        <p>{t('common.loading')}</p>
      ) : list.ports.length === 0 ? (
        <p className="card empty-state" data-testid="slots-empty">
          {t('slots.empty')}
        </p>
      ) : (
        <ul className="slot-list" aria-label={t('slots.title')}>
          {list.ports.map((port) => (
            <PortRow key={port.port} port={port} profiles={list.profiles} onSaved={saved} />
          ))}
        </ul>
      )}
    </section>
  );
}

function PortRow({ port, profiles, onSaved }: { port: PortView; profiles: ProfileChoice[]; onSaved: (r: Result<PortList>) => ApiError | null }) {
  const { t } = useTranslation();
  const [slot, setSlot] = useState(port.slot ?? '');
  const [profileId, setProfileId] = useState(port.assignedProfileId ?? '');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<'saved' | 'removed' | null>(null);
  const id = `port-${port.port.replace(/[^\w-]/g, '_')}`;
  const choices = profiles.filter((p) => port.linkKind === null || p.linkKind === port.linkKind);
  const changed = slot.trim() !== (port.slot ?? '') || profileId !== (port.assignedProfileId ?? '');
  const assigned = port.slot !== null || port.assignedProfileId !== null;
  const facts = [port.path && port.path !== port.port ? port.path : null, port.vidPid, port.serialNumber ? t('slots.serialNumber', { sn: port.serialNumber }) : null].filter(
    (f): f is string => Boolean(f),
  );

  const run = async (call: () => Promise<Result<PortList>>, outcome: 'saved' | 'removed') => {
    setBusy(true);
    setError(null);
    setDone(null);
    const problem = onSaved(await call());
    setBusy(false);
    if (problem) setError(problem);
    else setDone(outcome);
  };
  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(() => kioskActions.assignPort(port.port, profileId || null, slot.trim() || null), 'saved');
  };

  return (
    <li className="card slot-row" data-testid="slot-row" data-port={port.port} data-port-id={port.portId ?? undefined}>
      <div className="slot-port">
        <h2 className="code" id={`${id}-name`}>
          {port.port}
        </h2>
        {facts.length > 0 ? <p className="muted slot-facts">{facts.join(' · ')}</p> : null}
        <p className="slot-status" data-testid="slot-status">
          {statusText(port, profiles, t)}
        </p>
      </div>
      <form className="slot-form" onSubmit={save} aria-labelledby={`${id}-name`}>
        <div className="field">
          <label htmlFor={`${id}-slot`}>{t('slots.slotName')}</label>
          <input
            id={`${id}-slot`}
            type="text"
            value={slot}
            maxLength={SLOT_NAME_MAX_LENGTH}
            placeholder={t('slots.slotPlaceholder')}
            onChange={(e) => {
              setSlot(e.target.value);
              setDone(null);
            }}
            aria-describedby="slots-name-hint"
            data-testid="slot-name"
          />
        </div>
        {/* A simulated phone brings its own profile: there is nothing to choose. */}
        {port.profileSource === 'simulated' ? null : (
          <div className="field">
            <label htmlFor={`${id}-profile`}>{t('slots.profile')}</label>
            <select
              id={`${id}-profile`}
              value={profileId}
              onChange={(e) => {
                setProfileId(e.target.value);
                setDone(null);
              }}
              aria-describedby="slots-profile-hint"
              data-testid="slot-profile"
            >
              <option value="">{t('slots.profileAuto')}</option>
              {choices.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="row slot-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !changed} data-testid="slot-save">
            {t('common.save')}
          </button>
          {assigned ? (
            <button
              type="button"
              className="btn btn-secondary"
              disabled={busy}
              onClick={() => void run(() => kioskActions.unassignPort(port.port), 'removed')}
              aria-label={`${t('slots.unassign')}: ${port.port}`}
              data-testid="slot-unassign"
            >
              {t('slots.unassign')}
            </button>
          ) : null}
        </div>
        {done ? (
          <Notice tone="success" testId="slot-saved">
            {t(done === 'saved' ? 'slots.saved' : 'slots.removed')}
          </Notice>
        ) : null}
        <ErrorNotice error={error} />
      </form>
    </li>
  );
}

/** What the kiosk does with a port now, in words. */
function statusText(port: PortView, profiles: ProfileChoice[], t: (key: string, o?: Record<string, unknown>) => string): string {
  const name = (id: string | null) => profiles.find((p) => p.id === id)?.name ?? id ?? '';
  if (!port.attached) return port.profileId ? t('slots.statusAway', { profile: name(port.profileId) }) : t('slots.statusAwayNoProfile');
  if (port.profileId === null) return t('slots.statusLeftAlone');
  if (!port.onBench) return t('slots.statusOpening', { profile: name(port.profileId) });
  const phone = port.model ?? t('slots.phone');
  switch (port.profileSource) {
    case 'flag':
      return t('slots.statusFlag', { phone, profile: name(port.profileId) });
    case 'assigned':
      return t('slots.statusAssigned', { phone, profile: name(port.profileId) });
    case 'simulated':
      return t('slots.statusSimulated', { phone });
    default:
      return t('slots.statusVidPid', { phone, profile: name(port.profileId) });
  }
}
