/**
 * npm run bench [-- --json FILE] [-- --only NAME]
 * Runs every test/bench/*.bench.ts suite, prints a table and writes the JSON
 * {"results":[{"name","value","unit"}]} to FILE (default bench-results/latest.json).
 */
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, BenchSuite } from './types';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : join('bench-results', 'latest.json');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.startsWith(only))
  .sort();

const results: BenchResult[] = [];
for (const file of files) {
  const suite = (await import(pathToFileURL(join(here, file)).href)).default as BenchSuite;
  process.stderr.write(`running ${suite.name} ...\n`);
  const got = await suite.run();
  results.push(...got);
  for (const r of got) process.stderr.write(`  ${r.name} = ${r.value} ${r.unit}\n`);
}

const rows = results.map((r) => [r.name, r.value.toFixed(r.value >= 100 ? 0 : 3), r.unit, r.target ?? '', r.note ?? '']);
const head = ['name', 'value', 'unit', 'target', 'note'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));

if (jsonFile) {
  mkdirSync(dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, JSON.stringify({ results: results.map(({ name, value, unit }) => ({ name, value, unit })) }, null, 2) + '\n');
  console.error(`wrote ${jsonFile}`);
}
