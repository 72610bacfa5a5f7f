import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE_EXTENSION } from '../../core/catalog/bundle';
import { KioskError } from '../../core/errors';
import type { ImportResult } from '../store/catalog';
import type { Actor } from '../store/context';
import type { KioskStore } from '../store/index';

/** The actor recorded for the demo catalogue the kiosk installs itself on embedded defaults. */
export const DEMO_IMPORT_ACTOR: Actor = { name: 'fumo-kiosk (demo defaults)', role: 'admin' };

interface TrustFile {
  keys: { name: string; publicKey: string }[];
}

function moduleDir(): string {
  return typeof __dirname !== 'undefined' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
}

/**
 * Where the demo catalogue is: $FUMO_KIOSK_RESOURCES/catalog, else the first `resources/catalog`
 * with a trust.json found walking up from this module (source tree and dist builds alike).
 */
export function demoCatalogDir(): string | undefined {
  const env = process.env.FUMO_KIOSK_RESOURCES;
  if (env && existsSync(path.join(env, 'catalog', 'trust.json'))) return path.join(env, 'catalog');
  let dir = moduleDir();
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'resources', 'catalog');
    if (existsSync(path.join(candidate, 'trust.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/**
 * Trust the demo key(s) of `<dir>/trust.json` and import every `<dir>/*.fumo`. Idempotent: keys
 * and bundles already present are left as they are.
 */
export async function importDemoCatalog(store: KioskStore, options: { dir?: string; actor?: Actor } = {}): Promise<ImportResult[]> {
  const dir = options.dir ?? demoCatalogDir();
  if (!dir) throw new KioskError('STORE_ERROR', { detail: 'the demo catalogue (resources/catalog) was not found' });
  const actor = options.actor ?? DEMO_IMPORT_ACTOR;
  const trust = JSON.parse(readFileSync(path.join(dir, 'trust.json'), 'utf8')) as TrustFile;
  for (const k of trust.keys) {
    const existing = store.trust.get(k.name);
    if (!existing) store.trust.add(k.name, k.publicKey, actor);
  }
  const out: ImportResult[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(BUNDLE_FILE_EXTENSION)).sort()) {
    out.push(await store.catalog.import(path.join(dir, f), { actor }));
  }
  return out;
}
