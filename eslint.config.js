// Lint rules, including the layer boundaries of docs in README ("Where things live").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeIo = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'child_process', 'node:child_process', 'http', 'node:http', 'https', 'node:https', 'dgram', 'node:dgram', 'os', 'node:os', 'path', 'node:path', 'worker_threads', 'node:worker_threads'];
const uiAndIo = ['electron', 'serialport', 'usb', 'react', 'react-dom', 'better-sqlite3', 'ws', 'zustand'];

/** Build a no-restricted-imports rule from bare names (each also bans its sub-paths). */
function restrict(names, message) {
  return [
    'error',
    {
      paths: names.map((name) => ({ name, message })),
      patterns: names.filter((n) => !n.startsWith('node:')).map((n) => ({ group: [`${n}/*`], message })),
    },
  ];
}

export const boundaryRules = {
  core: restrict([...uiAndIo, ...nodeIo], 'src/core is pure: no electron, ports, usb, react, database or node I/O imports.'),
  electronOnlyInHost: restrict(['electron'], 'electron may be imported only under src/main/hosts/electron and src/preload.'),
  renderer: restrict(
    ['electron', 'serialport', 'usb', 'better-sqlite3', 'ws', ...nodeIo],
    'the renderer reaches the Node side only through src/renderer/bridge.',
  ),
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
  { files: ['src/**/*.{ts,tsx}'], ignores: ['src/main/hosts/electron/**', 'src/preload/**'], rules: { 'no-restricted-imports': boundaryRules.electronOnlyInHost } },
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
