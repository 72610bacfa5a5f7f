#!/usr/bin/env node
// Runs the Electron end-to-end suite (Playwright project `electron`) where it can run, and says
// plainly why it was skipped where it cannot: no Electron binary, or no display and no xvfb-run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const skip = (reason) => {
  console.log(`Electron e2e: SKIPPED — ${reason}`);
  process.exit(0);
};

const binary = findElectronBinary();
if ('missing' in binary) skip(binary.missing);
if (!existsSync(`${root}dist/main/electron.cjs`)) skip('the app is not built (run npm run build)');

const env = { ...process.env, FUMO_ELECTRON_PATH: binary.path };
const playwright = [
  fileURLToPath(new URL('../node_modules/@playwright/test/cli.js', import.meta.url)),
  'test',
  '--project',
  'electron',
];
let command = process.execPath;
let args = playwright;
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' });
  if (xvfb.status !== 0) skip('no display and no xvfb-run');
  command = 'xvfb-run';
  args = ['-a', process.execPath, ...playwright];
}
console.log(`Electron e2e: running with ${binary.path}`);
const run = spawnSync(command, args, { stdio: 'inherit', cwd: root, env });
process.exit(run.status ?? 1);
