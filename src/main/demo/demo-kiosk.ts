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

/** The demo's login PIN. */
export const DEMO_PIN = '1234';

export async function createDemoKiosk(options: Omit<KioskServiceOptions, 'demo' | 'trust'>): Promise<KioskService> {
  const service = new KioskService({ ...options, demo: true, trust: demoTrust() });
  try {
    await importDemoCatalog(service.store);
    service.ensurePin('demo', 'admin', DEMO_PIN);
    await startDemoPhones(service, options.demoStateDir ?? path.join(options.dataDir, 'demo-phones'));
    await service.start();
  } catch (e) {
    await service.close();
    throw e;
  }
  return service;
}
