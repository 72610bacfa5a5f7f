import { z } from 'zod';
import { KioskError } from '../../core/errors';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from '../../shared/schemas';
import { dbError, type StoreContext } from './context';

/**
 * The kiosk's settings: those of the KioskApi (src/shared/schemas.ts) and the store's own PIN
 * guard settings. (The consent texts' version is not a setting: it names the texts in
 * src/core/fumo/consent-text.ts and changes only with them.)
 */
/** What the customer's receipt needs of the settings: the shop printed on it, the printer queue and paper. */
export type ReceiptSettings = Pick<Settings, 'shopName' | 'shopAddress' | 'receiptPrinter' | 'receiptPaper'>;

const KioskSettingsSchema = SettingsSchema.extend({
  /** Wrong PINs in a row that lock logging in. */
  pinMaxFailures: z.number().int().min(1).max(100),
  /** How long logging in stays locked after pinMaxFailures wrong PINs. */
  pinLockoutMs: z.number().int().min(1000).max(24 * 3_600_000),
  /** The wait after the first wrong PIN; it doubles with each further one. */
  pinBaseDelayMs: z.number().int().min(0).max(600_000),
});

export type KioskSettings = z.infer<typeof KioskSettingsSchema>;

export const DEFAULT_KIOSK_SETTINGS: KioskSettings = {
  ...DEFAULT_SETTINGS,
  pinMaxFailures: 5,
  pinLockoutMs: 300_000,
  pinBaseDelayMs: 1000,
};

export class SettingsStore {
  constructor(private readonly ctx: StoreContext) {}

  /** All settings: stored values over the defaults (unknown or invalid stored values are ignored). */
  getAll(): KioskSettings {
    const rows = this.ctx.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const out: Record<string, unknown> = { ...DEFAULT_KIOSK_SETTINGS };
    for (const r of rows) {
      if (!(r.key in DEFAULT_KIOSK_SETTINGS)) continue;
      try {
        const v: unknown = JSON.parse(r.value);
        const one = KioskSettingsSchema.shape[r.key as keyof KioskSettings].safeParse(v);
        if (one.success) out[r.key] = one.data;
      } catch {
        // A damaged value falls back to its default.
      }
    }
    return out as unknown as KioskSettings;
  }

  get<K extends keyof KioskSettings>(key: K): KioskSettings[K] {
    return this.getAll()[key];
  }

  set<K extends keyof KioskSettings>(key: K, value: KioskSettings[K]): KioskSettings {
    return this.patch({ [key]: value } as Partial<KioskSettings>);
  }

  /** The patch as its schema reads it, or INVALID_REQUEST naming the setting and what is wrong. */
  validate(patch: Partial<KioskSettings>): Partial<KioskSettings> {
    const parsed = KioskSettingsSchema.partial().strict().safeParse(patch);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue?.path[0] ?? '?');
      throw new KioskError('INVALID_REQUEST', { detail: `setting ${key}: ${issue?.code === 'unrecognized_keys' ? 'there is no such setting' : (issue?.message ?? 'invalid')}` });
    }
    return parsed.data;
  }

  /** Validate and store several settings in one transaction; returns the new settings. */
  patch(patch: Partial<KioskSettings>): KioskSettings {
    const data = this.validate(patch);
    const stmt = this.ctx.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    try {
      this.ctx.db.transaction(() => {
        for (const [k, v] of Object.entries(data)) if (v !== undefined) stmt.run(k, JSON.stringify(v));
      })();
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    return this.getAll();
  }

  /** Back to the default for one setting. */
  reset(key: keyof KioskSettings): KioskSettings {
    this.ctx.db.prepare('DELETE FROM settings WHERE key = ?').run(key);
    return this.getAll();
  }
}
