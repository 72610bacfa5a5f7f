import { describe, expect, it } from 'vitest';
import { en } from '../../../src/renderer/i18n/locales/en';
import { de } from '../../../src/renderer/i18n/locales/de';
import { es } from '../../../src/renderer/i18n/locales/es';
import { ERROR_MESSAGES } from '../../../src/shared/errors';
import { createCustomerI18n, i18n, translateError } from '../../../src/renderer/i18n';

type Tree = { [k: string]: string | Tree };

/** Every leaf as "a.b.c" -> text. */
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
const singleBrace = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const EN = flatten(en as unknown as Tree);
const OTHERS = { de: flatten(de as unknown as Tree), es: flatten(es as unknown as Tree) };

describe('i18n resources', () => {
  for (const [lng, other] of Object.entries(OTHERS)) {
    it(`${lng} has every English key and no extra ones`, () => {
      const missing = [...EN.keys()].filter((k) => !other.has(k));
      const extra = [...other.keys()].filter((k) => !EN.has(k));
      expect(missing).toEqual([]);
      expect(extra).toEqual([]);
    });

    it(`${lng} uses the same placeholders as English in every string`, () => {
      const mismatched: string[] = [];
      for (const [key, text] of EN) {
        const t = other.get(key);
        if (t !== undefined && placeholders(t).join(',') !== placeholders(text).join(',')) mismatched.push(key);
      }
      expect(mismatched).toEqual([]);
    });

    it(`${lng} has no empty strings and no stray single-brace placeholders`, () => {
      const bad = [...other].filter(([, t]) => t.trim() === '' || singleBrace(t.replace(/\{\{\w+\}\}/g, '')).length > 0).map(([k]) => k);
      expect(bad).toEqual([]);
    });
  }

  it('translates more than a handful of strings (the translation is not a copy of English)', () => {
    for (const other of Object.values(OTHERS)) {
      let same = 0;
      for (const [key, text] of EN) if (other.get(key) === text) same += 1;
      // Language names, arrows and a few technical labels (PIN, Version, Status) may be identical.
      expect(same).toBeLessThan(EN.size * 0.05);
    }
  });

  it('has a translated message for every shared error code, with the same details', () => {
    const missing: string[] = [];
    const mismatched: string[] = [];
    for (const [code, template] of Object.entries(ERROR_MESSAGES)) {
      const text = EN.get(`errors.${code}`);
      if (text === undefined) missing.push(code);
      else if (placeholders(text).join(',') !== singleBrace(template).join(',')) mismatched.push(code);
    }
    expect(missing).toEqual([]);
    expect(mismatched).toEqual([]);
  });
});

describe('translateError', () => {
  it('fills details by code in the chosen language', () => {
    const err = { code: 'BATTERY_LOW', message: 'x', details: { measured: 12, required: 30 } };
    expect(translateError(i18n.t, i18n, err)).toBe('Battery at 12%, needs 30%: charge the phone or connect power.');
    const deI18n = createCustomerI18n('de');
    expect(translateError(deI18n.t, deI18n, err)).toBe(
      'Akku bei 12 %, benötigt werden 30 %: Telefon laden oder an den Strom anschließen.',
    );
  });
  it('drops empty brackets when a detail is missing', () => {
    const text = translateError(i18n.t, i18n, { code: 'SESSION_ABORTED', details: {} });
    expect(text).toBe('The phone ended the session. Retry the update.');
  });
  it('falls back to the message sent for unknown codes', () => {
    expect(translateError(i18n.t, i18n, { code: 'NOT_A_CODE', message: 'sent text' })).toBe('sent text');
  });
  it('the customer instance switches language without touching the main one', () => {
    const c = createCustomerI18n('en');
    void c.changeLanguage('es');
    expect(c.t('customer.declined.title')).toBe('No se ha cambiado nada');
    expect(i18n.t('customer.declined.title')).toBe('Nothing was changed');
  });
});
