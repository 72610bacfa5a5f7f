/**
 * The layer boundaries are enforced by ESLint (eslint.config.js). Each deliberate bad import in
 * test/lint/fixtures is linted as if it lived at a path inside a layer and must be reported;
 * the same code at a path where it is allowed must not be.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });
const fixture = (name: string) => readFileSync(join('test/lint/fixtures', name), 'utf8');

async function boundaryErrors(name: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(fixture(name), { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-properties')
    .map((m) => `${m.ruleId}: ${m.message}`);
}

const mustFail: [fixture: string, path: string, expected: RegExp][] = [
  ['core-imports-node-fs.ts', 'src/core/dm/bad.ts', /src\/core is pure/],
  ['imports-electron.ts', 'src/core/session/bad.ts', /src\/core is pure/],
  ['core-imports-react.ts', 'src/core/fumo/bad.ts', /src\/core is pure/],
  ['imports-serialport.ts', 'src/core/obex/bad.ts', /src\/core is pure/],
  ['imports-better-sqlite3.ts', 'src/core/catalog/bad.ts', /src\/core is pure/],
  ['imports-path.ts', 'src/core/bad.ts', /src\/core is pure/],
  ['imports-electron.ts', 'src/main/services/bad.ts', /electron may be imported only/],
  ['imports-electron.ts', 'src/main/hosts/web/bad.ts', /electron may be imported only/],
  ['imports-electron.ts', 'src/renderer/screens/bad.tsx', /Node side only through src\/renderer\/bridge/],
  ['core-imports-node-fs.ts', 'src/renderer/store/bad.ts', /Node side only through src\/renderer\/bridge/],
  [
    'imports-serialport.ts',
    'src/renderer/components/bad.tsx',
    /Node side only through src\/renderer\/bridge/,
  ],
  ['reads-window-kiosk.ts', 'src/renderer/screens/bad.tsx', /window\.kiosk only in src\/renderer\/bridge/],
  ['reads-window-kiosk.ts', 'src/renderer/store/bad.ts', /window\.kiosk only in src\/renderer\/bridge/],
];

const mustPass: [fixture: string, path: string][] = [
  ['core-good.ts', 'src/core/dm/good.ts'],
  ['imports-electron.ts', 'src/main/hosts/electron/good.ts'],
  ['imports-electron.ts', 'src/preload/good.ts'],
  ['imports-serialport.ts', 'src/main/links/good.ts'],
  ['imports-better-sqlite3.ts', 'src/main/store/good.ts'],
  ['reads-window-kiosk.ts', 'src/renderer/bridge/good.ts'],
];

describe('layer boundaries (ESLint)', () => {
  it.each(mustFail)('%s at %s is reported', async (name, path, expected) => {
    const errors = await boundaryErrors(name, path);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(expected);
  });

  it.each(mustPass)('%s at %s is allowed', async (name, path) => {
    expect(await boundaryErrors(name, path)).toEqual([]);
  });

  it('the fixtures themselves are not part of the normal lint run', async () => {
    expect(await eslint.isPathIgnored('test/lint/fixtures/imports-electron.ts')).toBe(true);
  });
});
