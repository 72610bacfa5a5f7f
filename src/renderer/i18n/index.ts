/**
 * i18next set-up for the renderer: English, German and Spanish, bundled (no loading at run time).
 * The technician area uses the main instance; the customer area gets its own clone so a customer
 * choosing a language never changes the bench (see `createCustomerI18n`).
 */
import i18next, { type i18n as I18n, type TFunction } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { de } from './locales/de';
import { es } from './locales/es';

export const SUPPORTED_LANGUAGES = ['en', 'de', 'es'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];

export const RESOURCES = { en, de, es } as const;

export function isSupportedLanguage(lng: unknown): lng is Language {
  return typeof lng === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(lng);
}

/** The best supported language for a tag like "de-AT"; English otherwise. */
export function pickLanguage(tag: string | null | undefined): Language {
  const base = (tag ?? '').toLowerCase().split(/[-_]/)[0];
  return isSupportedLanguage(base) ? base : 'en';
}

export const i18n: I18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources: {
    en: { translation: en },
    de: { translation: de },
    es: { translation: es },
  },
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...SUPPORTED_LANGUAGES],
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  showSupportNotice: false, // no advertisement in the console on every load
  initAsync: false,
});

/** A separate instance sharing the resources, for the customer display. */
export function createCustomerI18n(lng: Language = 'en'): I18n {
  const clone = i18n.cloneInstance({ lng, initAsync: false });
  return clone;
}

export function setDocumentLanguage(lng: string): void {
  if (typeof document !== 'undefined') document.documentElement.lang = lng;
}

/** Placeholder names of an English template, e.g. "Battery at {{measured}}%" -> ["measured"]. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!).sort();
}

/** Marks a missing detail while the text is filled (an invisible separator, never in a translation). */
const MISSING = '\u2063';

/** The minimal shape of an error or problem the renderer translates. */
export interface CodedMessage {
  code: string;
  message?: string;
  details?: Record<string, string | number | undefined> | undefined;
}

/**
 * Translate an error by its stable code, filling details; placeholders without a value are
 * removed (with empty brackets) like describeError does. Unknown codes fall back to the message
 * the Node side sent, else a generic text naming the code.
 */
export function translateError(t: TFunction, lngI18n: I18n, err: CodedMessage): string {
  const key = `errors.${err.code}`;
  if (!lngI18n.exists(key)) return err.message ?? t('errors.fallback', { code: err.code });
  const template = (en.errors as Record<string, string>)[err.code] ?? '';
  const values: Record<string, string> = {};
  for (const name of placeholdersOf(template)) {
    const v = err.details?.[name];
    values[name] = v === undefined || v === null || v === '' ? MISSING : String(v);
  }
  const text = t(key, values);
  return text
    // A bracket whose detail is missing goes as a whole: "(result )" never reaches a person.
    .replace(/\s*\([^()]*\u2063[^()]*\)/g, '')
    .replace(/\u2063/g, '')
    .replace(/\s\(\)/g, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

export { en, de, es };
