import type { ApiError } from '../../shared/api';
import type { ConnectionStatus } from '../bridge';

const TEXT: Record<Exclude<ConnectionStatus, 'connected'>, string> = {
  connecting: 'Connecting to the kiosk service…',
  disconnected: 'The connection to the kiosk service was lost. Reconnecting…',
  unauthorized:
    'This page was opened without a valid access link. Open the address the kiosk printed when it started.',
};

/** Shown only when the screen is not connected (or the first snapshot failed). */
export function ConnectionBanner({ status, error }: { status: ConnectionStatus; error: ApiError | null }) {
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
      {error && status === 'connected'
        ? error.message
        : TEXT[status as Exclude<ConnectionStatus, 'connected'>]}
    </div>
  );
}
