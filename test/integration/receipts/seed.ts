import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../../src/main/store';

// import.meta.url, not __dirname: the e2e tests load this file as an ES module too.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const demoBundle = path.join(root, 'resources/catalog/fk-demo-phone-1.0.0-to-1.1.0.fumo');
const demoPub = path.join(root, 'resources/keys/demo-manufacturer.pub.pem');
const admin = { name: 'anna', role: 'admin' as const };

/**
 * A data folder as after one update: the demo catalogue imported (its manifest names the
 * manufacturer "Demo Manufacturer", the phone says "Reference Devices"), the shop set, and a
 * completed record h1 for a German customer.
 */
export async function seedKiosk(data: string, consent: { mode?: 'customer' | 'operator'; language?: string } = {}): Promise<void> {
  const s = openStore(data);
  try {
    s.trust.add('Demo Manufacturer', readFileSync(demoPub, 'utf8'), admin);
    await s.catalog.import(demoBundle, { actor: admin });
    s.settings.patch({ shopName: 'Handy-Service Müller', shopAddress: 'Königstraße 12\n70173 Stuttgart' });
    const t = Date.UTC(2026, 6, 14, 12, 0);
    s.audit.begin({
      id: 'h1',
      jobId: 'j1',
      portId: 'usb:1-2',
      devId: 'IMEI:493005100592800',
      manufacturer: 'Reference Devices',
      model: 'FK-Demo Phone',
      fromVersion: '1.0.0',
      targetVersion: '1.1.0',
      bundleId: 'fk-demo-phone-1.0.0-to-1.1.0',
      bundleSha256: 'cd'.repeat(32),
      technician: 'tom',
      linkKind: 'usb',
      startedAt: t,
      consent: {
        mode: consent.mode ?? 'customer',
        customer: 'approved',
        customerAt: t + 60_000,
        device: 'approved',
        deviceAt: t + 90_000,
        schedule: 'now',
        language: consent.language ?? 'de',
        textVersion: '3',
        privacyVersion: '3',
        warrantyVersion: '3',
      },
    });
    s.audit.complete('h1', { result: 'success', outcomeCode: 'OK', outcomeText: 'Updated to 1.1.0.', finalVersion: '1.1.0', finishedAt: t + 600_000 });
  } finally {
    s.close();
  }
}
