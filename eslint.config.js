// Lint rules, including the layer boundaries of docs in README ("Where things live").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'child_process', 'node:child_process', 'http', 'node:http', 'https', 'node:https', 'dgram', 'node:dgram', 'os', 'node:os', 'path', 'node:path', 'worker_threads', 'node:worker_threads'];
const uiAndIo = ['electron', 'serialport', 'usb', 'react', 'react-dom', 'better-sqlite3', 'ws', 'zustand'];

/**
 * Relative imports that leave a layer for one it may not use: `^(\.\./)+layer(/|$)` seen from
 * any depth inside src/<layer>/. src/shared is the ground every layer may stand on.
 */
const intoLayer = (layer) => `^(\\.\\./)+${layer}(/|$)`;
const LAYER_MESSAGES = {
  test: 'nothing in src imports test/: test code would ship in the app.',
  main: 'this layer may not import src/main (the kiosk\'s Node side); share code through src/transport or src/core.',
  simulator: 'src/main imports the simulator only from src/main/demo (the demo module).',
  renderer: 'this layer may not import the renderer.',
  core: 'the renderer imports only src/shared (the KioskApi contract), never src/core.',
  transport: 'this layer may not import src/transport.',
  preload: 'this layer may not import the preload.',
};

/** Build a no-restricted-imports rule from bare package names (each also bans its sub-paths) and layers it may not enter. */
function restrict(names, message, layers = []) {
  return [
    'error',
    {
      paths: names.map((name) => ({ name, message })),
      patterns: [
        ...names.filter((n) => !n.startsWith('node:')).map((n) => ({ group: [`${n}/*`], message })),
        ...['test', ...layers].map((layer) => ({ regex: intoLayer(layer), message: LAYER_MESSAGES[layer] })),
      ],
    },
  ];
}

const coreMessage = 'src/core is pure: no electron, ports, usb, react, database or node I/O imports.';
const electronMessage = 'electron may be imported only under src/main/hosts/electron and src/preload.';
const rendererMessage = 'the renderer reaches the Node side only through src/renderer/bridge.';
const rendererPackages = ['electron', 'serialport', 'usb', 'better-sqlite3', 'ws', ...nodeIo];

export const boundaryRules = {
  core: restrict([...uiAndIo, ...nodeIo], coreMessage, ['main', 'simulator', 'renderer', 'transport', 'preload']),
  electronOnlyInHost: restrict(['electron'], electronMessage),
  renderer: restrict(rendererPackages, rendererMessage, ['core', 'main', 'simulator', 'transport', 'preload']),
  shared: restrict(['electron'], electronMessage, ['core', 'main', 'simulator', 'renderer', 'transport', 'preload']),
  transport: restrict(['electron'], electronMessage, ['main', 'simulator', 'renderer', 'preload']),
  simulator: restrict(['electron'], electronMessage, ['main', 'renderer', 'preload']),
  main: restrict(['electron'], electronMessage, ['simulator', 'renderer', 'preload']),
  mainDemo: restrict(['electron'], electronMessage, ['renderer', 'preload']),
  electronHost: restrict([], electronMessage, ['simulator', 'renderer']),
  preload: restrict([], electronMessage, ['core', 'main', 'simulator', 'renderer', 'transport']),
};

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'coverage/**', 'test/lint/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['src/**/*.{ts,tsx}'], rules: { 'no-restricted-imports': boundaryRules.electronOnlyInHost } },
  { files: ['src/shared/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.shared } },
  { files: ['src/transport/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.transport } },
  { files: ['src/simulator/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.simulator } },
  { files: ['src/main/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.main } },
  { files: ['src/main/demo/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.mainDemo } },
  { files: ['src/main/hosts/electron/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.electronHost } },
  { files: ['src/preload/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.preload } },
  { files: ['src/core/**/*.ts'], rules: { 'no-restricted-imports': boundaryRules.core, '@typescript-eslint/no-explicit-any': 'error' } },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules, 'no-restricted-imports': boundaryRules.renderer },
  },
  {
    // Only the bridge may read window.kiosk.
    files: ['src/renderer/**/*.{ts,tsx}'],
    ignores: ['src/renderer/bridge/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'window', property: 'kiosk', message: 'read window.kiosk only in src/renderer/bridge' }],
      'no-restricted-imports': boundaryRules.renderer,
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
