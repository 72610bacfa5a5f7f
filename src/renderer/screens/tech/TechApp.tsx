import { useCallback, useEffect, useReducer, useState } from 'react';
import { useTranslation } from 'react-i18next';
import '../../styles/tokens.css';
import '../../styles/base.css';
import '../../styles/tech.css';
import { LanguagePicker } from '../../components/LanguagePicker';
import { setDocumentLanguage, SUPPORTED_LANGUAGES } from '../../i18n';
import { BenchSlotsScreen } from '../admin/BenchSlotsScreen';
import { CatalogScreen } from '../admin/CatalogScreen';
import { HistoryScreen } from '../admin/HistoryScreen';
import { PeopleScreen } from '../admin/PeopleScreen';
import { SettingsScreen } from '../admin/SettingsScreen';
import { TrustScreen } from '../admin/TrustScreen';
import { kioskActions, useSession } from '../kiosk-hooks';
import { BenchScreen } from './BenchScreen';
import { useCustomerDisplayElsewhere } from './displays';
import { HandoverArea } from './HandoverArea';
import {
  HANDOVER_STORAGE_KEY,
  handoverReducer,
  parseHandover,
  serializeHandover,
  takesThisScreen,
} from './handover';
import { LoginScreen } from './LoginScreen';

type View = 'bench' | 'catalog' | 'trust' | 'slots' | 'people' | 'settings' | 'history';
/** An administrator's screens: one "Administration" entry in the menu, then a tab for each. */
const ADMIN_VIEWS: View[] = ['catalog', 'trust', 'slots', 'people', 'settings'];
type MenuEntry = View | 'admin';

/** The technician area (route /tech): login, then the bench; administrators also see the admin screens. */
export function TechApp(_props: { path?: string }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const [view, setView] = useState<View>('bench');
  useEffect(() => setDocumentLanguage(i18n.language), [i18n.language]);

  // One-screen handover (see ./handover): kept in sessionStorage so a reload cannot unlock the bench.
  const [handover, dispatch] = useReducer(handoverReducer, null, () => parseHandover(readStored()));
  useEffect(() => writeStored(serializeHandover(handover)), [handover]);
  const customerDisplayElsewhere = useCustomerDisplayElsewhere();
  const onHandedOver = useCallback(
    (requestId: string) => {
      if (takesThisScreen(customerDisplayElsewhere)) dispatch({ type: 'handedOver', requestId });
    },
    [customerDisplayElsewhere],
  );
  const onCustomerFinished = useCallback(() => dispatch({ type: 'customerFinished' }), []);
  const onUnlocked = useCallback(() => dispatch({ type: 'pinAccepted' }), []);

  if (handover.mode !== 'bench')
    return <HandoverArea state={handover} onCustomerFinished={onCustomerFinished} onUnlocked={onUnlocked} />;

  if (!session)
    return (
      <div className="fill" data-testid="tech-area">
        <LoginScreen />
      </div>
    );
  const isAdmin = session.user.role === 'admin';
  // A technician may look at the history; catalogue, trust, bench slots and settings are an administrator's.
  const views: View[] = isAdmin ? ['bench', 'history', ...ADMIN_VIEWS] : ['bench', 'history'];
  const current = views.includes(view) ? view : 'bench';
  const inAdmin = ADMIN_VIEWS.includes(current);
  const menu: MenuEntry[] = isAdmin ? ['bench', 'history', 'admin'] : ['bench', 'history'];
  const menuCurrent: MenuEntry = inAdmin ? 'admin' : current;
  const open = (entry: MenuEntry): void => setView(entry === 'admin' ? (inAdmin ? current : ADMIN_VIEWS[0]!) : entry);

  return (
    <div className="tech" data-testid="tech-area">
      <a href="#main" className="skip-link">
        {t('app.skip')}
      </a>
      <header className="tech-header">
        <span className="brand">{t('app.name')}</span>
        <nav className="tech-nav" aria-label={t('nav.mainMenu')}>
          <ViewButtons entries={menu} current={menuCurrent} onOpen={open} />
        </nav>
        <span className="spacer" />
        <LanguagePicker
          languages={SUPPORTED_LANGUAGES}
          value={i18n.language}
          onChange={(lng) => void i18n.changeLanguage(lng)}
          label={t('common.language')}
          compact
        />
        <span className="who" data-testid="signed-in-as" title={t('nav.signedInAs', { role: t(`roles.${session.user.role}`) })}>
          <strong>{session.user.name}</strong>
          <small className="muted">{t(`roles.${session.user.role}`)}</small>
        </span>
        <button type="button" className="btn btn-secondary" onClick={() => void kioskActions.logout()} data-testid="logout">
          {t('nav.logout')}
        </button>
      </header>
      <main className="tech-main" id="main">
        {inAdmin ? (
          <nav className="admin-tabs" aria-label={t('nav.admin')}>
            <ViewButtons entries={ADMIN_VIEWS} current={current} onOpen={setView} />
          </nav>
        ) : null}
        {current === 'bench' ? <BenchScreen onHandedOver={onHandedOver} /> : null}
        {current === 'catalog' ? <CatalogScreen /> : null}
        {current === 'trust' ? <TrustScreen /> : null}
        {current === 'slots' ? <BenchSlotsScreen /> : null}
        {current === 'people' ? <PeopleScreen /> : null}
        {current === 'settings' ? <SettingsScreen /> : null}
        {current === 'history' ? <HistoryScreen /> : null}
      </main>
    </div>
  );
}

/** A row of screen buttons (the menu, the admin tabs); the current one is marked for screen readers too. */
function ViewButtons<E extends MenuEntry>({ entries, current, onOpen }: { entries: readonly E[]; current: E; onOpen: (entry: E) => void }) {
  const { t } = useTranslation();
  return (
    <ul>
      {entries.map((v) => (
        <li key={v}>
          <button
            type="button"
            className="btn btn-quiet"
            aria-current={current === v ? 'page' : undefined}
            onClick={() => onOpen(v)}
            data-testid={`nav-${v}`}
          >
            {t(`nav.${v}`)}
          </button>
        </li>
      ))}
    </ul>
  );
}

function readStored(): string | null {
  try {
    return window.sessionStorage.getItem(HANDOVER_STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeStored(value: string | null): void {
  try {
    if (value === null) window.sessionStorage.removeItem(HANDOVER_STORAGE_KEY);
    else window.sessionStorage.setItem(HANDOVER_STORAGE_KEY, value);
  } catch {
    // Storage unavailable: the handover still holds for the life of the page.
  }
}
