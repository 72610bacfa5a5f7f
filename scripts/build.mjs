#!/usr/bin/env node
// Builds the three parts of fumo-kiosk into dist/:
//   main      dist/main/cli.js (ESM, the `fumo-kiosk` command line) and dist/main/electron.cjs
//             (CommonJS, the Electron main process); npm packages stay external (native modules
//             such as better-sqlite3, @serialport/bindings-cpp and usb are loaded from node_modules)
//   preload   dist/preload/preload.cjs: one sandbox-compatible CommonJS bundle (only `electron` external)
//   renderer  dist/renderer via Vite (vite.config.ts)
// Usage: node scripts/build.mjs [--release] [main] [preload] [renderer]   (no part named: all three)
//   --release writes the build kind into the main bundles (process.env.FUMO_KIOSK_BUILD becomes
//   "release"), so the sample-data shell and DevTools stay off whatever the environment says.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}dist`;
const args = process.argv.slice(2);
const releaseBuild = args.includes('--release');
const wanted = new Set(args.filter((a) => a !== '--release'));
const buildKind = releaseBuild ? { 'process.env.FUMO_KIOSK_BUILD': '"release"' } : {};
const all = wanted.size === 0;
const t0 = Date.now();

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

async function buildMain() {
  await rm(`${dist}/main`, { recursive: true, force: true });
  await esbuild({
    ...common,
    entryPoints: { cli: 'src/main/cli/index.ts' },
    outdir: `${dist}/main`,
    format: 'esm',
    packages: 'external',
    define: buildKind,
    // Let bundled CommonJS-style code call require() for node built-ins.
    banner: {
      js: "import { createRequire as __fumoCreateRequire } from 'node:module'; const require = __fumoCreateRequire(import.meta.url);",
    },
  });
  await esbuild({
    ...common,
    entryPoints: { electron: 'src/main/hosts/electron/main.ts' },
    outdir: `${dist}/main`,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    external: ['electron'],
    // Modules that locate files from import.meta.url get the bundle's own URL.
    define: { 'import.meta.url': '__fumoImportMetaUrl', ...buildKind },
    banner: { js: "const __fumoImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

async function buildPreload() {
  await rm(`${dist}/preload`, { recursive: true, force: true });
  await esbuild({
    ...common,
    entryPoints: { preload: 'src/preload/index.ts' },
    outdir: `${dist}/preload`,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    target: 'chrome120',
    // A sandboxed preload may require() only electron (and a few built-ins): bundle the rest.
    external: ['electron'],
    metafile: true,
  }).then((result) => {
    const imports = Object.values(result.metafile.outputs).flatMap((o) =>
      o.imports.filter((i) => i.external).map((i) => i.path),
    );
    const foreign = imports.filter((p) => p !== 'electron');
    if (foreign.length)
      throw new Error(
        `the preload may load only electron at run time, not ${[...new Set(foreign)].join(', ')}`,
      );
  });
}

async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: `${root}vite.config.ts`, logLevel: 'warn' });
}

try {
  await mkdir(dist, { recursive: true });
  const steps = [];
  if (all || wanted.has('main')) steps.push(['main', buildMain]);
  if (all || wanted.has('preload')) steps.push(['preload', buildPreload]);
  if (all || wanted.has('renderer')) steps.push(['renderer', buildRenderer]);
  for (const [name, step] of steps) {
    const t = Date.now();
    await step();
    console.log(`build: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  await writeFile(
    `${dist}/BUILD_INFO.json`,
    JSON.stringify({ builtAt: new Date().toISOString(), kind: releaseBuild ? 'release' : 'development', parts: steps.map(([n]) => n) }, null, 2) + '\n',
  );
  console.log(`build: finished in ${((Date.now() - t0) / 1000).toFixed(1)} s -> dist/`);
} catch (e) {
  console.error(`build: failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
