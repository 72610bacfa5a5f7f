/**
 * The text the customer reads before approving (requirements 9, 12, 14, 17): what will happen,
 * what the kiosk reads from the phone and what it keeps (privacy), warranty, time and risk, in
 * English, German and Spanish. Its version is recorded with the answer so the audit shows
 * exactly what was shown; change the version whenever a text changes.
 */
import { formatMB } from './progress';

/** Version of the privacy and warranty texts below (all languages together). */
export const CONSENT_TEXT_VERSION = 'consent-text/2';

export const CONSENT_LANGUAGES = ['en', 'de', 'es'] as const;
export type ConsentLanguage = (typeof CONSENT_LANGUAGES)[number];

export interface ConsentTexts {
  version: string;
  language: ConsentLanguage;
  privacy: string;
  warranty: string;
}

/**
 * What is read and what is kept. The history keeps the phone model, the last 4 digits of the
 * device id, the old and new versions, the date, the result and the answers given: say exactly that.
 */
const PRIVACY: Record<ConsentLanguage, string> = {
  en:
    'The kiosk reads from the phone its model, device id, software version, battery level and free space. ' +
    'It keeps a record of this update: the phone model, the last 4 digits of the device id, the old and new software versions, ' +
    'the date, the result and your answers. It does not read or keep your photos, contacts, messages or other personal content.',
  de:
    'Der Kiosk liest vom Telefon Modell, Geräte-ID, Softwareversion, Akkustand und freien Speicher. ' +
    'Er speichert einen Eintrag zu diesem Update: das Telefonmodell, die letzten 4 Ziffern der Geräte-ID, die alte und die neue Softwareversion, ' +
    'das Datum, das Ergebnis und Ihre Antworten. Ihre Fotos, Kontakte, Nachrichten und andere persönliche Inhalte werden weder gelesen noch gespeichert.',
  es:
    'El quiosco lee del teléfono el modelo, el identificador del dispositivo, la versión del software, el nivel de batería y el espacio libre. ' +
    'Guarda un registro de esta actualización: el modelo del teléfono, los 4 últimos dígitos del identificador, la versión de software anterior y la nueva, ' +
    'la fecha, el resultado y sus respuestas. No lee ni guarda sus fotos, contactos, mensajes ni otro contenido personal.',
};

const WARRANTY: Record<ConsentLanguage, string> = {
  en: "This is the manufacturer's signed software, approved for this phone model. Installing it here does not affect your warranty.",
  de: 'Dies ist die signierte Software des Herstellers, freigegeben für dieses Telefonmodell. Die Installation hier beeinträchtigt Ihre Garantie nicht.',
  es: 'Este es el software firmado del fabricante, aprobado para este modelo de teléfono. Instalarlo aquí no afecta a su garantía.',
};

export function isConsentLanguage(lng: unknown): lng is ConsentLanguage {
  return typeof lng === 'string' && (CONSENT_LANGUAGES as readonly string[]).includes(lng);
}

/** The privacy and warranty texts in a language (base tag, e.g. "de-AT" -> de); English otherwise. */
export function consentTexts(lng: string | null | undefined = 'en'): ConsentTexts {
  const base = (lng ?? '').toLowerCase().split(/[-_]/)[0];
  const language: ConsentLanguage = isConsentLanguage(base) ? base : 'en';
  return { version: CONSENT_TEXT_VERSION, language, privacy: PRIVACY[language], warranty: WARRANTY[language] };
}

/** Every language's privacy text, keyed by language (the shape of a LocalizedText). */
export function privacyTexts(): Record<ConsentLanguage, string> {
  return { ...PRIVACY };
}

/** Every language's warranty text, keyed by language. */
export function warrantyTexts(): Record<ConsentLanguage, string> {
  return { ...WARRANTY };
}

export interface ConsentTextInput {
  model: string;
  fromVersion: string;
  toVersion: string;
  sizeBytes: number;
  estimatedSeconds?: number;
  releaseNotes?: string;
}

/** The consent text in English as one block (the audit and the CLI). */
export function buildConsentText(input: ConsentTextInput): string {
  const minutes = input.estimatedSeconds === undefined ? undefined : Math.max(1, Math.ceil(input.estimatedSeconds / 60));
  const texts = consentTexts('en');
  return [
    `Update ${input.model} from version ${input.fromVersion} to ${input.toVersion} (${formatMB(input.sizeBytes)}).`,
    minutes === undefined ? 'The phone restarts once during the update.' : `This takes about ${minutes} min; the phone restarts once.`,
    `Privacy: ${texts.privacy}`,
    `Warranty: ${texts.warranty}`,
    'Keep the phone connected until it says the update is complete. Your data stays on the phone.',
    input.releaseNotes ? `What is new: ${input.releaseNotes}` : '',
  ]
    .filter((s) => s.length > 0)
    .join('\n');
}

export function buildDeviceConfirmText(toVersion: string): string {
  return `Install software version ${toVersion} now? The phone will restart.`;
}

export function buildCompletionText(toVersion: string): string {
  return `Your phone has been updated to version ${toVersion}.`;
}
