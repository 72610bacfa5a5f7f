import { useEffect } from 'react';
import type { RendererBridge } from '../bridge';
import { useConnection } from '../store';
import { ConnectionBanner } from '../shell/ConnectionBanner';
import { CustomerApp as CustomerArea } from '../screens/customer/CustomerApp';
import { TechApp as TechnicianArea } from '../screens/tech/TechApp';
import { areaOf, useRoutePath } from './router';

/**
 * The two areas: the technician bench (#/tech, default) and the customer touchscreen
 * (#/customer). Each area owns its sub-routes below its prefix.
 */
export function App({ bridge }: { bridge: RendererBridge }) {
  const path = useRoutePath();
  const connection = useConnection();
  const area = areaOf(path);

  // Readiness flag for tests and the Electron host: set once the first snapshot is shown.
  useEffect(() => {
    if (!connection.ready) return;
    document.documentElement.dataset.ready = 'true';
    bridge.signalReady();
  }, [connection.ready, bridge]);

  useEffect(() => {
    document.documentElement.dataset.area = area;
  }, [area]);

  return (
    <>
      <ConnectionBanner status={connection.status} error={connection.error} />
      {area === 'customer' ? <CustomerArea path={path} /> : <TechnicianArea path={path} />}
    </>
  );
}
