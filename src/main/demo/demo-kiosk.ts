/**
 * The kiosk on its embedded defaults for a first look without hardware: the service under the
 * demo's trust policy, the demo catalogue (signed with the demo key), the demo PIN and three
 * simulated phones of its own (one up to date, one ready to update, one with a low battery).
 */
import path from 'node:path';
import { KioskService, type KioskServiceOptions } from '../services/kiosk-service';
import { importDemoCatalog } from './demo-catalog';
import { startDemoPhones } from './demo-phones';
import { demoTrust } from './demo-trust';

/** The demo technician's login PIN. */
export const DEMO_PIN = '1234';
/** The demo administrator's login PIN (administrator PINs have at least 6 digits). */
export const DEMO_ADMIN_PIN = '246810';

export async function createDemoKiosk(options: Omit<KioskServiceOptions, 'demo' | 'trust'>): Promise<KioskService> {
  const service = new KioskService({ ...options, demo: true, trust: demoTrust() });
  try {
    await importDemoCatalog(service.store);
    await service.ensurePin('demo', 'technician', DEMO_PIN);
    await service.ensurePin('demo-admin', 'admin', DEMO_ADMIN_PIN);
    await startDemoPhones(service, options.demoStateDir ?? path.join(options.dataDir, 'demo-phones'));
    await service.start();
  } catch (e) {
    await service.close();
    throw e;
  }
  return service;
}
