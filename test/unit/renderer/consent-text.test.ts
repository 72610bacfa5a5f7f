/** The privacy and warranty texts the customer screen shows (src/core/fumo/consent-text.ts). */
import { describe, expect, it } from 'vitest';
import { CONSENT_LANGUAGES, CONSENT_TEXT_VERSION, buildConsentText, consentTexts } from '../../../src/core/fumo/consent-text';

// What the history keeps, as each language must name it (written here, not taken from the module).
const KEPT: Record<string, RegExp[]> = {
  en: [/model/, /last 4 digits of the device id/, /old and new software versions/, /date/, /result/, /answers/],
  de: [/Telefonmodell/, /letzten 4 Ziffern der Geräte-ID/, /alte und die neue Softwareversion/, /Datum/, /Ergebnis/, /Antworten/],
  es: [/modelo del teléfono/, /4 últimos dígitos del identificador/, /versión de software anterior y la nueva/, /fecha/, /resultado/, /respuestas/],
};

describe('consent texts', () => {
  it('exist in English, German and Spanish with one recorded version', () => {
    expect([...CONSENT_LANGUAGES].sort()).toEqual(['de', 'en', 'es']);
    for (const lng of CONSENT_LANGUAGES) {
      const t = consentTexts(lng);
      expect(t.language).toBe(lng);
      expect(t.version).toBe(CONSENT_TEXT_VERSION);
      expect(t.version).toMatch(/^consent-text\/\d+$/);
      expect(t.privacy.length).toBeGreaterThan(80);
      expect(t.warranty.length).toBeGreaterThan(40);
    }
    // Each language is its own text, not English shown again.
    expect(new Set(CONSENT_LANGUAGES.map((l) => consentTexts(l).privacy)).size).toBe(3);
    expect(new Set(CONSENT_LANGUAGES.map((l) => consentTexts(l).warranty)).size).toBe(3);
  });

  it('say what the history keeps and never claim that nothing is kept', () => {
    for (const lng of CONSENT_LANGUAGES) {
      const { privacy } = consentTexts(lng);
      for (const re of KEPT[lng] ?? []) expect(privacy, `${lng}: ${String(re)}`).toMatch(re);
    }
    expect(consentTexts('en').privacy).not.toMatch(/no personal data is read or kept|nothing is (read or )?kept/i);
    expect(buildConsentText({ model: 'M', fromVersion: '1', toVersion: '2', sizeBytes: 1_000_000 })).toContain('last 4 digits of the device id');
  });

  it('falls back by base tag, then to English', () => {
    expect(consentTexts('de-AT').language).toBe('de');
    expect(consentTexts('es_MX').language).toBe('es');
    expect(consentTexts('fr').language).toBe('en');
    expect(consentTexts(null).language).toBe('en');
  });
});
