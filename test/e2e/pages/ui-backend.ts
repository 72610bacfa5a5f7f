/**
 * The screen tests' sample data (test/e2e/web/ui-*.spec.ts) for the one scripted backend
 * (src/main/demo/shell-backend.ts): a technician and an administrator, a catalogue, a trust store
 * and the consent texts, so a started job waits for the customer and the test decides when each
 * step of the update happens.
 */
import { maskDevId, ok, type BundleView, type DeviceView, type TrustedKey } from '../../../src/shared/api';
import { describeError } from '../../../src/shared/errors';
import { ScriptedBackend, TECHNICIAN_PIN } from '../../../src/main/demo/shell-backend';

export const TECH_PIN = TECHNICIAN_PIN;
/** This file's own administrator, injected into the backend; no product PIN. */
export const ADMIN_PIN = '731904';
const T0 = Date.UTC(2026, 10, 26, 9, 30);

export function uiDevice(n: number, overrides: Partial<DeviceView> = {}): DeviceView {
  return {
    portId: `port-${n}`,
    linkKind: 'serial',
    simulated: true,
    devId: maskDevId(`IMEI:35693803564380${n}`),
    manufacturer: 'Fumo Devices',
    model: `Fumo FD-${200 + n}`,
    fwVersion: '2.3.0',
    targetVersion: '2.4.1',
    bundleId: 'fd-2.4.1',
    battery: 84,
    externalPower: true,
    supportsSchedule: false,
    state: 'update-available',
    phase: null,
    jobId: null,
    problems: [],
    attachedAt: T0 + n,
    slot: `Slot ${n}`,
    portLabel: `/dev/ttyACM${n - 1}`,
    ...overrides,
  };
}

export const LOW_BATTERY: Partial<DeviceView> = {
  battery: 12,
  externalPower: false,
  state: 'blocked',
  problems: [{ code: 'BATTERY_LOW', message: describeError('BATTERY_LOW', { measured: 12, required: 30 }), required: 30, measured: 12, blocking: true }],
};

export const UP_TO_DATE: Partial<DeviceView> = { fwVersion: '2.4.1', targetVersion: null, bundleId: null, state: 'up-to-date' };

const BUNDLES: BundleView[] = [
  {
    bundleId: 'fd-2.4.1',
    manufacturer: 'Fumo Devices',
    models: ['Fumo FD-201', 'Fumo FD-202', 'Fumo FD-203'],
    fromVersions: ['2.3.0'],
    targetVersion: '2.4.1',
    sizeBytes: 48_200_000,
    sha256: 'a'.repeat(64),
    signedBy: 'fumo-devices-2026',
    releaseNotes: { en: 'Fixes dropped calls.' },
    importedAt: T0 - 86_400_000,
    verdicts: {
      signature: { status: 'pass', code: null, message: 'Signed by Fumo Devices' },
      approval: { status: 'pass', code: null, message: 'Approved' },
      compatibility: { status: 'pass', code: null, message: 'Compatible' },
    },
  },
  {
    bundleId: 'fd-1.9.0',
    manufacturer: 'Fumo Devices',
    models: ['Fumo FD-100'],
    fromVersions: [],
    targetVersion: '1.9.0',
    sizeBytes: 22_000_000,
    sha256: 'b'.repeat(64),
    signedBy: 'fumo-devices-2026',
    releaseNotes: { en: 'Security fixes.' },
    importedAt: T0 - 2 * 86_400_000,
    verdicts: {
      signature: { status: 'pass', code: null, message: 'Signed by Fumo Devices' },
      approval: { status: 'fail', code: 'NOT_APPROVED', message: describeError('NOT_APPROVED') },
      compatibility: { status: 'warning', code: null, message: 'No attached phone matches this model' },
    },
  },
];

const KEYS: TrustedKey[] = [
  {
    keyId: 'fumo-devices-2026',
    name: 'Fumo Devices',
    algorithm: 'ed25519',
    fingerprint: '3f9a6c1e0b7d4a2e9c5f8b1d6e3a7c0f2b9d4e1a6c8f3b5d7e0a2c4f6b8d1e3a',
    publicKey: 'MCowBQYDK2VwAyEA',
    addedAt: T0 - 10 * 86_400_000,
  },
];

const PRIVACY = {
  version: 'privacy-2026-1',
  text: {
    en: 'The kiosk reads your phone’s model, device id, software version, battery level and free space. For the shop’s service history it keeps the model, the last 4 digits of the device id, the versions, the date, the result and your answer. It does not read or copy your contacts, messages, photos or apps.',
    de: 'Der Kiosk liest Modell, Gerätekennung, Softwareversion, Akkustand und freien Speicher Ihres Telefons. Für den Serviceverlauf des Geschäfts speichert er das Modell, die letzten 4 Ziffern der Gerätekennung, die Versionen, das Datum, das Ergebnis und Ihre Antwort. Kontakte, Nachrichten, Fotos oder Apps liest und kopiert er nicht.',
    es: 'El quiosco lee el modelo, el identificador, la versión de software, el nivel de batería y el espacio libre de su teléfono. Para el historial de servicio de la tienda guarda el modelo, los 4 últimos dígitos del identificador, las versiones, la fecha, el resultado y su respuesta. No lee ni copia sus contactos, mensajes, fotos ni aplicaciones.',
  },
};
const WARRANTY = {
  version: 'warranty-2026-1',
  text: {
    en: 'This is the manufacturer’s own software for your model, signed by the manufacturer and approved for use. Installing it here does not affect your warranty.',
    de: 'Dies ist die eigene Software des Herstellers für Ihr Modell, vom Hersteller signiert und zugelassen. Die Installation hier hat keinen Einfluss auf Ihre Garantie.',
    es: 'Este es el software del propio fabricante para su modelo, firmado por el fabricante y homologado. Instalarlo aquí no afecta a su garantía.',
  },
};
const NOTES = {
  en: 'Fixes calls that could drop when switching between mobile networks.\nImproves battery life on standby.\nIncludes the latest security fixes.',
  de: 'Behebt Gesprächsabbrüche beim Wechsel zwischen Mobilfunknetzen.\nVerlängert die Akkulaufzeit im Standby.\nEnthält die neuesten Sicherheitskorrekturen.',
  es: 'Corrige las llamadas que podían cortarse al cambiar de red móvil.\nMejora la duración de la batería en reposo.\nIncluye las últimas correcciones de seguridad.',
};

/** The scripted backend with this file's users, catalogue, trust store and consent texts. */
export class UiBackend extends ScriptedBackend {
  constructor() {
    let clock = T0 + 60_000;
    super({
      now: () => (clock += 1000),
      users: { [TECH_PIN]: { role: 'technician', name: 'Toni Tech' }, [ADMIN_PIN]: { role: 'admin', name: 'Alex Admin' } },
      catalog: BUNDLES,
      trust: KEYS,
      consent: { privacy: PRIVACY, warranty: WARRANTY, releaseNotes: NOTES, imageBytes: 48_200_000, estimatedSeconds: 260 },
      importBundle: () =>
        ok({
          bundle: {
            ...BUNDLES[0]!,
            bundleId: 'imported',
            verdicts: {
              signature: { status: 'fail', code: 'SIGNATURE_INVALID', message: describeError('SIGNATURE_INVALID', { detail: 'unknown key' }) },
              approval: { status: 'pass', code: null, message: 'Approved' },
              compatibility: { status: 'pass', code: null, message: 'Compatible' },
            },
          },
          accepted: false,
        }),
    });
  }
}
