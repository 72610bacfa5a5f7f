#!/usr/bin/env node
// `npm start`: runs the built app (dist/main/electron.cjs) in Electron, passing on any arguments
// (e.g. `npm start -- --demo`). Exits 1 with one sentence when the Electron binary is absent.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HOW_TO_GET_ELECTRON, findElectronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const binary = findElectronBinary();
if ('missing' in binary) {
  process.stderr.write(
    `fumo-kiosk: cannot start the desktop app because ${binary.missing}; ${HOW_TO_GET_ELECTRON} (or run the same kiosk in a browser with \`npm run start:web\`).\n`,
  );
  process.exit(1);
}
if (!existsSync(`${root}dist/main/electron.cjs`)) {
  process.stderr.write('fumo-kiosk: the app is not built yet; run `npm run build` first.\n');
  process.exit(1);
}
const child = spawn(binary.path, [root, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
