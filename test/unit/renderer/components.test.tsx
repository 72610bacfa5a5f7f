import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import type { ReactElement } from 'react';
import type { DeviceView, JobView } from '../../../src/shared/api';
import { DeviceCard } from '../../../src/renderer/components/DeviceCard';
import { createCustomerI18n, type Language } from '../../../src/renderer/i18n';

function render(el: ReactElement, lng: Language = 'en'): string {
  const i18n = createCustomerI18n(lng);
  return renderToStaticMarkup(<I18nextProvider i18n={i18n}>{el}</I18nextProvider>)
    .replace(/<[^>]+>/g, ' ')
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/\s+/g, ' ');
}

const device: DeviceView = {
  portId: 'p1',
  linkKind: 'serial',
  simulated: false,
  devId: 'IMEI:356938035643809',
  manufacturer: 'M',
  model: 'Model Z',
  fwVersion: '3.0',
  targetVersion: '3.1',
  bundleId: 'b',
  battery: 12,
  externalPower: false,
  supportsSchedule: false,
  state: 'blocked',
  phase: null,
  jobId: null,
  problems: [{ code: 'BATTERY_LOW', message: 'x', required: 30, measured: 12, blocking: true }],
  attachedAt: 1,
};

const noop = () => undefined;

describe('DeviceCard', () => {
  it('while a job waits for a phone the kiosk cannot call: "waiting for the phone to connect" and the profile instruction, in the bench language', () => {
    const instruction = { en: 'Tap Check for update on the phone.', de: 'Tippen Sie am Telefon auf Nach Updates suchen.', es: 'Toque Buscar actualizaciones en el teléfono.' };
    const waiting: DeviceView = { ...device, linkKind: 'http', problems: [], state: 'updating', jobId: 'j', waitingForConnect: { instruction } };
    const card = (lng: Language) => render(<DeviceCard device={waiting} job={undefined} pending={[]} busy={false} onAction={noop} />, lng);
    expect(card('en')).toContain('Waiting for the phone to connect. Tap Check for update on the phone.');
    expect(card('de')).toContain('Warten, bis sich das Telefon verbindet. Tippen Sie am Telefon auf Nach Updates suchen.');
    expect(card('es')).toContain('Esperando a que el teléfono se conecte. Toque Buscar actualizaciones en el teléfono.');
    // Without an instruction in the profile the wait is still named; with no wait, nothing is said.
    expect(render(<DeviceCard device={{ ...waiting, waitingForConnect: { instruction: null } }} job={undefined} pending={[]} busy={false} onAction={noop} />)).toContain('Waiting for the phone to connect.');
    expect(render(<DeviceCard device={{ ...waiting, waitingForConnect: null }} job={undefined} pending={[]} busy={false} onAction={noop} />)).not.toContain('Waiting for the phone to connect');
  });

  it('shows the model, a masked id, versions, battery and the problem with its next step', () => {
    const text = render(<DeviceCard device={device} job={undefined} pending={[]} busy={false} onAction={noop} />);
    expect(text).toContain('Model Z');
    expect(text).toContain('IMEI ••••3809');
    expect(text).not.toContain('356938035643809');
    expect(text).toContain('3.0 → 3.1');
    expect(text).toContain('12% · no external power');
    expect(text).toContain('Battery at 12%, needs 30%: charge the phone or connect power.');
    expect(text).toContain('Required: 30 · Measured: 12');
    expect(text).not.toContain('Start update');
  });

  it('speaks the language of its area, numbers included', () => {
    const job: JobView = {
      jobId: 'j',
      portId: 'p1',
      devId: null,
      model: 'Model Z',
      bundleId: 'b',
      fromVersion: '3.0',
      targetVersion: '3.1',
      schedule: 'now',
      consentMode: 'customer',
      phase: 'downloading',
      bytesSent: 12_500_000,
      bytesTotal: 50_000_000,
      speedBps: 2_250_000,
      etaSeconds: 17,
      result: null,
      error: null,
      retryOf: null,
      historyId: null,
      startedAt: 1,
      updatedAt: 1,
      finishedAt: null,
    };
    const text = render(<DeviceCard device={{ ...device, problems: [], state: 'updating', jobId: 'j' }} job={job} pending={[]} busy={false} onAction={noop} />, 'de');
    expect(text).toContain('Update wird übertragen');
    expect(text).toContain('25 %');
    expect(text).toContain('2,3 MB/s');
    expect(text).toContain('0:17');
    expect(text).toContain('Update abbrechen');
  });
});
