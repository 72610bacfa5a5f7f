import type { AuditRecord } from '../../../src/main/store/audit';

/** A completed history record as the service writes it; override what a test is about. */
export function record(over: Partial<AuditRecord> = {}, consent: Partial<AuditRecord['consent']> = {}): AuditRecord {
  return {
    id: 'h-test-1',
    status: 'complete',
    jobId: 'j1',
    portId: 'usb:1-2',
    devId: 'IMEI:493005100592800',
    manufacturer: 'Reference Devices',
    model: 'FK-Phone 1',
    fromVersion: '1.0.0',
    targetVersion: '1.1.0',
    bundleId: 'fk-demo-phone-1.0.0-to-1.1.0',
    bundleSha256: 'ab'.repeat(32),
    technician: 'tom',
    linkKind: 'usb',
    consent: {
      mode: 'customer',
      customer: 'approved',
      customerAt: Date.UTC(2026, 6, 14, 12, 5),
      device: 'approved',
      deviceAt: Date.UTC(2026, 6, 14, 12, 6),
      schedule: 'now',
      language: 'en',
      textVersion: '3',
      privacyVersion: '3',
      warrantyVersion: '3',
      ...consent,
    },
    phases: {},
    bytesSent: 1000,
    fumoResultCode: 200,
    finalVersion: '1.1.0',
    result: 'success',
    outcomeCode: 'OK',
    outcomeText: 'Updated to 1.1.0.',
    error: null,
    startedAt: Date.UTC(2026, 6, 14, 12, 0),
    finishedAt: Date.UTC(2026, 6, 14, 12, 9),
    ...over,
  };
}
