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

/**
 * Each fixture with the places where it must be reported (and by which message) and the places
 * where the same code is allowed. Every fixture is reported somewhere, so an "allowed" row shows
 * a rule that is there and holds back, never a rule that is simply missing.
 */
const cases: Array<{ fixture: string; reported: Array<[path: string, expected: RegExp]>; allowed: string[] }> = [
  {
    fixture: 'core-imports-node-fs.ts',
    reported: [['src/core/dm/bad.ts', /src\/core is pure/], ['src/renderer/store/bad.ts', /Node side only through src\/renderer\/bridge/]],
    allowed: ['src/main/store/good.ts'],
  },
  {
    fixture: 'imports-electron.ts',
    reported: [
      ['src/core/session/bad.ts', /src\/core is pure/],
      ['src/main/services/bad.ts', /electron may be imported only/],
      ['src/main/hosts/web/bad.ts', /electron may be imported only/],
      ['src/simulator/bad.ts', /electron may be imported only/],
      ['src/renderer/screens/bad.tsx', /Node side only through src\/renderer\/bridge/],
    ],
    allowed: ['src/main/hosts/electron/good.ts', 'src/preload/good.ts'],
  },
  { fixture: 'core-imports-react.ts', reported: [['src/core/fumo/bad.ts', /src\/core is pure/]], allowed: ['src/renderer/screens/good.tsx'] },
  {
    fixture: 'imports-serialport.ts',
    reported: [['src/core/obex/bad.ts', /src\/core is pure/], ['src/renderer/components/bad.tsx', /Node side only through src\/renderer\/bridge/]],
    allowed: ['src/main/links/good.ts'],
  },
  { fixture: 'imports-better-sqlite3.ts', reported: [['src/core/catalog/bad.ts', /src\/core is pure/]], allowed: ['src/main/store/good.ts'] },
  { fixture: 'imports-path.ts', reported: [['src/core/bad.ts', /src\/core is pure/]], allowed: ['src/main/cli/good.ts'] },
  {
    fixture: 'reads-window-kiosk.ts',
    reported: [['src/renderer/screens/bad.tsx', /window\.kiosk only in src\/renderer\/bridge/], ['src/renderer/store/bad.ts', /window\.kiosk only in src\/renderer\/bridge/]],
    allowed: ['src/renderer/bridge/good.ts'],
  },
  {
    fixture: 'imports-test.ts',
    reported: [
      ['src/main/demo/bad.ts', /nothing in src imports test\//],
      ['src/main/services/bad.ts', /nothing in src imports test\//],
      ['src/core/dm/bad.ts', /nothing in src imports test\//],
      ['src/renderer/store/bad.ts', /nothing in src imports test\//],
      ['src/simulator/links/bad.ts', /nothing in src imports test\//],
      ['src/main/hosts/electron/bad.ts', /nothing in src imports test\//],
    ],
    allowed: ['test/unit/good.ts'],
  },
  {
    fixture: 'imports-main.ts',
    reported: [
      ['src/simulator/bad.ts', /may not import src\/main/],
      ['src/transport/bad.ts', /may not import src\/main/],
      ['src/core/bad.ts', /may not import src\/main/],
      ['src/shared/bad.ts', /may not import src\/main/],
    ],
    allowed: ['src/main/cli/good.ts', 'test/unit/good.ts'],
  },
  {
    fixture: 'imports-simulator.ts',
    reported: [
      ['src/main/services/bad.ts', /only from src\/main\/demo/],
      ['src/main/cli/bad.ts', /only from src\/main\/demo/],
      ['src/main/hosts/electron/bad.ts', /only from src\/main\/demo/],
    ],
    allowed: ['src/main/demo/good.ts'],
  },
  {
    fixture: 'imports-core-two-up.ts',
    reported: [['src/renderer/screens/bad.tsx', /renderer imports only src\/shared/], ['src/renderer/store/bad.ts', /renderer imports only src\/shared/]],
    allowed: ['src/main/services/good.ts', 'src/simulator/links/good.ts'],
  },
  {
    fixture: 'imports-renderer.ts',
    reported: [
      ['src/shared/bad.ts', /may not import the renderer/],
      ['src/core/bad.ts', /may not import the renderer/],
      ['src/transport/bad.ts', /may not import the renderer/],
    ],
    allowed: ['src/renderer/screens/good.tsx'],
  },
  {
    fixture: 'imports-transport.ts',
    reported: [['src/core/bad.ts', /may not import src\/transport/], ['src/shared/bad.ts', /may not import src\/transport/]],
    allowed: ['src/main/links/good.ts', 'src/simulator/good.ts'],
  },
  {
    fixture: 'imports-preload.ts',
    reported: [['src/main/services/bad.ts', /may not import the preload/], ['src/simulator/bad.ts', /may not import the preload/]],
    allowed: [],
  },
];

const mustFail = cases.flatMap((c) => c.reported.map(([path, expected]) => [c.fixture, path, expected] as const));
const mustPass = cases.flatMap((c) => c.allowed.map((path) => [c.fixture, path] as const));

describe('layer boundaries (ESLint)', () => {
  it.each(mustFail)('%s at %s is reported', async (name, path, expected) => {
    const errors = await boundaryErrors(name, path);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(expected);
  });

  it.each(mustPass)('%s at %s is allowed', async (name, path) => {
    expect(await boundaryErrors(name, path)).toEqual([]);
  });

  it('every layer rule in eslint.config.js fires on at least one fixture', async () => {
    const layerMessages = new Set<string>();
    for (const layer of ['core/x', 'shared/x', 'transport/x', 'simulator/x', 'main/x', 'main/demo/x', 'main/hosts/electron/x', 'preload/x', 'renderer/x']) {
      const config = (await eslint.calculateConfigForFile(`src/${layer}.ts`)) as { rules: Record<string, [unknown, { patterns: Array<{ regex?: string; message: string }> }]> };
      for (const p of config.rules['no-restricted-imports']![1].patterns) if (p.regex) layerMessages.add(p.message);
    }
    const fired: string[] = [];
    for (const [name, path] of mustFail) fired.push(...(await boundaryErrors(name, path)));
    expect(layerMessages.size).toBeGreaterThan(4);
    expect([...layerMessages].filter((m) => !fired.some((f) => f.includes(m)))).toEqual([]);
  });

  it('the fixtures themselves are not part of the normal lint run', async () => {
    expect(await eslint.isPathIgnored('test/lint/fixtures/imports-electron.ts')).toBe(true);
  });
});
