import { useTranslation } from 'react-i18next';
import type { ApiError } from '../../shared/api';
import type { ConnectionStatus } from '../bridge';

const KEY: Record<Exclude<ConnectionStatus, 'connected'>, string> = {
  connecting: 'connection.connecting',
  disconnected: 'connection.disconnected',
  unauthorized: 'connection.unauthorized',
};

/** Shown only when the screen is not connected (or the first snapshot failed). */
export function ConnectionBanner({ status, error }: { status: ConnectionStatus; error: ApiError | null }) {
  const { t } = useTranslation();
  if (status === 'connected' && !error)
    return <span hidden data-testid="connection-status" data-status={status} />;
  const danger = status === 'unauthorized' || error !== null;
  return (
    <div
      role={danger ? 'alert' : 'status'}
      className={`notice ${danger ? 'notice-danger' : 'notice-info'}`}
      data-testid="connection-status"
      data-status={status}
    >
      {error && status === 'connected' ? error.message : t(KEY[status as Exclude<ConnectionStatus, 'connected'>])}
    </div>
  );
}
