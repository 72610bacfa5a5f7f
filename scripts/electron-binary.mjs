// Where the Electron binary is, without triggering the electron package's own download
// (requiring 'electron' when its binary is missing tries to fetch it from the internet).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @returns {{ path: string } | { missing: string }} */
export function findElectronBinary() {
  const pkgDir = join(root, 'node_modules', 'electron');
  if (!existsSync(join(pkgDir, 'package.json')))
    return { missing: 'the electron package is not installed (run npm ci)' };
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidates = [
      join(override, relative || 'electron'),
      join(override, 'electron'),
      join(override, 'electron.exe'),
    ];
    const found = candidates.find((p) => existsSync(p));
    return found
      ? { path: found }
      : { missing: `no Electron binary in ELECTRON_OVERRIDE_DIST_PATH (${override})` };
  }
  if (!relative)
    return { missing: 'the Electron binary was never downloaded (node_modules/electron has no path.txt)' };
  const full = join(pkgDir, 'dist', relative);
  return existsSync(full) ? { path: full } : { missing: `the Electron binary is missing (${full})` };
}

export const HOW_TO_GET_ELECTRON =
  'get it with `node node_modules/electron/install.js` (or `npx install-electron`) on a machine with internet access, or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron 45 folder';
