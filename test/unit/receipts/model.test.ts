import { describe, expect, it } from 'vitest';
import { buildReceipt, deviceLast4 } from '../../../src/main/receipts/model';
import { RECEIPT_LANGUAGES, RECEIPT_TEXT } from '../../../src/main/receipts/text';
import { record } from './record';

const shop = { shopName: 'Handy-Service Müller', shopAddress: 'Königstraße 12\n\n70173 Stuttgart ' };
const chain = { seq: 7, hash: 'c'.repeat(64) };
const value = (m: ReturnType<typeof buildReceipt>, label: string) => m.rows.find((r) => r.label === label)?.value;

describe('receipt model', () => {
  it('is in the customer’s consent language unless another is asked for, English for unknown ones', () => {
    expect(buildReceipt(record({}, { language: 'de' }), { shop, chain }).title).toBe('Beleg über die Software-Aktualisierung');
    expect(buildReceipt(record({}, { language: 'es-MX' }), { shop, chain }).result).toBe('Actualizado correctamente');
    expect(buildReceipt(record({}, { language: 'de' }), { shop, chain, language: 'es' }).language).toBe('es');
    expect(buildReceipt(record({}, { language: 'fr' }), { shop, chain }).language).toBe('en');
    expect(buildReceipt(record({}, { language: null }), { shop, chain }).language).toBe('en');
  });

  it('has every string in every language, and German and Spanish are not English', () => {
    const keys = (o: object): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object).map((kk) => `${k}.${kk}`) : [k]));
    const en = keys(RECEIPT_TEXT.en).sort();
    for (const lang of RECEIPT_LANGUAGES) {
      expect(keys(RECEIPT_TEXT[lang]).sort()).toEqual(en);
      if (lang === 'en') continue;
      const flat = (o: object): string[] => Object.values(o).flatMap((v) => (typeof v === 'object' ? flat(v as object) : [String(v)]));
      const same = flat(RECEIPT_TEXT[lang]).filter((s, i) => s === flat(RECEIPT_TEXT.en)[i]);
      expect(same).toEqual([]);
    }
  });

  it('shows local time in the kiosk’s zone, with the zone named', () => {
    const r = record({ finishedAt: Date.UTC(2026, 6, 14, 22, 30) }, { language: 'de', customerAt: Date.UTC(2026, 6, 14, 21, 5) });
    const berlin = buildReceipt(r, { shop, chain, timeZone: 'Europe/Berlin' });
    expect(berlin.date).toMatch(/^15\. Juli 2026 um 00:30 MESZ$/);
    const madrid = buildReceipt(r, { shop, chain, timeZone: 'America/New_York', language: 'es' });
    expect(madrid.date).toMatch(/^14 de julio de 2026.*18:30/);
    // An answer on the receipt's day shows its time only; another day shows the date too.
    expect(value(berlin, 'Zustimmung')).toBe('Von Ihnen am Kiosk zugestimmt (14. Juli 2026 um 23:05 MESZ)');
    const sameDay = buildReceipt(record({}, { language: 'de' }), { shop, chain, timeZone: 'Europe/Berlin' });
    expect(value(sameDay, 'Zustimmung')).toBe('Von Ihnen am Kiosk zugestimmt (14:05 MESZ)');
  });

  it('says an operator-consent run was approved by the technician, not by the customer', () => {
    const m = buildReceipt(record({}, { mode: 'operator', customer: 'approved' }), { shop, chain, timeZone: 'UTC' });
    const approval = value(m, 'Approval')!;
    expect(approval).toMatch(/^Approved by the technician \(no customer present\)/);
    expect(approval).not.toMatch(/by you|Customer approval/i);
    expect(value(buildReceipt(record({}, { mode: 'operator', language: 'de' }), { shop, chain }), 'Zustimmung')).toMatch(/^Vom Techniker freigegeben/);
    expect(value(buildReceipt(record({}, { mode: 'customer', customer: 'declined' }), { shop, chain }), 'Approval')).toMatch(/^Declined by you at the kiosk/);
    expect(value(buildReceipt(record({}, { device: 'timeout', deviceAt: null }), { shop, chain }), 'Approval on the phone')).toBe('No answer in time');
  });

  it('masks the device id to its last 4 digits', () => {
    const m = buildReceipt(record(), { shop, chain });
    const all = JSON.stringify(m);
    expect(all).not.toContain('49300510059');
    expect(m.maskedDeviceId).toMatch(/^IMEI:•+2800$/);
    expect(m.deviceLast4).toBe('2800');
    expect(deviceLast4('SN:AB12')).toBe('AB12');
  });

  it('names the manufacturer as the catalogue does, keeps the shop, the record and the chain entry', () => {
    const m = buildReceipt(record(), { shop, chain, catalogueManufacturer: 'Demo Manufacturer', timeZone: 'UTC' });
    expect(value(m, 'Phone')).toBe('Demo Manufacturer FK-Phone 1');
    expect(value(buildReceipt(record(), { shop, chain }), 'Phone')).toBe('Reference Devices FK-Phone 1');
    expect(m.shopName).toBe('Handy-Service Müller');
    expect(m.shopAddress).toEqual(['Königstraße 12', '70173 Stuttgart']);
    expect(value(m, 'Record number')).toBe('h-test-1');
    expect(value(m, 'History check')).toBe(`entry 7: ${'c'.repeat(64)}`);
    expect(buildReceipt(record(), { shop: { shopName: ' ', shopAddress: '' }, chain: null }).shopName).toBe('Phone software update service');
  });

  it('puts the result in plain words with what it means for the phone', () => {
    const failed = buildReceipt(record({ result: 'failed', outcomeCode: 'INSTALL_FAILED', fumoResultCode: 410 }, { language: 'es' }), { shop, chain });
    expect(failed.result).toBe('No actualizado');
    expect(failed.resultNote).toMatch(/sigue con la versión anterior/);
    expect(JSON.stringify(failed)).not.toMatch(/410|INSTALL_FAILED/);
    expect(buildReceipt(record({ result: null, status: 'open', finishedAt: null }), { shop, chain }).result).toBe('Still in progress');
  });
});
