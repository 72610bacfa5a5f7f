#!/usr/bin/env node
// `npm test`: every tier in order (lint, typecheck, unit, integration, build, e2e in Chromium
// against the web host, e2e in Electron where it can run, hardware in the loop in a QEMU guest),
// each step's outcome and time, and a summary at the end. All steps run even when one fails, so one run shows everything.
// Usage: node scripts/test-all.mjs [--only step,step] [--skip step,step]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;

const steps = [
  { name: 'lint', cmd: bin('eslint'), args: ['.', '--max-warnings', '0'] },
  { name: 'typecheck', cmd: bin('tsc'), args: ['--noEmit', '-p', 'tsconfig.json'] },
  { name: 'unit', cmd: bin('vitest'), args: ['run', '--project', 'unit'] },
  { name: 'integration', cmd: bin('vitest'), args: ['run', '--project', 'integration'] },
  { name: 'build', cmd: process.execPath, args: ['scripts/build.mjs'] },
  {
    name: 'e2e-web',
    cmd: bin('playwright'),
    args: ['test', '--project', 'web', '--project', 'web-fullhd'],
    needs: 'build',
  },
  {
    name: 'e2e-electron',
    cmd: process.execPath,
    args: ['scripts/e2e-electron.mjs'],
    needs: 'build',
  },
  { name: 'hil', cmd: bin('tsx'), args: ['test/hil/run.ts'] },
];

function list(flag) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? new Set((process.argv[i + 1] ?? '').split(',').filter(Boolean)) : null;
}
const only = list('--only');
const skip = list('--skip') ?? new Set();

function run(step) {
  return new Promise((resolve) => {
    const child = spawn(step.cmd, step.args, {
      cwd: root,
      // stdout and stderr are read (and passed through) so the summary can count tests and name
      // the failed ones (vitest writes its failure report to stderr).
      stdio: ['inherit', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      // Keep only the tail: the counts are in the runner's closing lines.
      out = (out + d).slice(-200_000);
      process.stdout.write(d);
    });
    let err = '';
    child.stderr?.on('data', (d) => {
      err = (err + d).slice(-200_000);
      process.stderr.write(d);
    });
    child.on('error', (e) => resolve({ code: 1, out: String(e), err: '' }));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out, err }));
  });
}

/** Test counts read from the closing lines of vitest ("Tests  12 passed | 1 skipped (13)") and Playwright ("  52 passed (3.1m)"). */
const counts = { passed: 0, failed: 0, skipped: 0 };
/** The names of failed tests, repeated in the summary so a log's tail says which ones failed. */
const failures = [];
function addFailures(step, plain) {
  // vitest: " FAIL  test/x.test.ts > suite > name" in its failure report.
  for (const [, name] of plain.matchAll(/^\s*FAIL\s+(\S.*?)\s*$/gm)) failures.push(`${step}: ${name}`);
  // Playwright: the indented list under "  N failed" (and "N flaky") in its closing lines.
  for (const [, block] of plain.matchAll(/^\s+\d+ (?:failed|flaky)\n((?:\s+\[.*\n?)+)/gm)) {
    for (const line of block.split('\n')) if (line.trim()) failures.push(`${step}: ${line.trim()}`);
  }
}
function addCounts(text) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const vitest = [...plain.matchAll(/^\s*Tests\s+(.+)\(\d+\)\s*$/gm)].at(-1);
  if (vitest) {
    for (const [, n, kind] of vitest[1].matchAll(/(\d+) (passed|failed|skipped|todo)/g)) {
      counts[kind === 'todo' ? 'skipped' : kind] += Number(n);
    }
    return;
  }
  for (const [, n, kind] of plain.matchAll(/^\s+(\d+) (passed|failed|skipped|flaky|did not run)\b/gm)) {
    const key = kind === 'flaky' ? 'passed' : kind === 'did not run' ? 'skipped' : kind;
    counts[key] += Number(n);
  }
}

const results = [];
const t0 = Date.now();
for (const step of steps) {
  if ((only && !only.has(step.name)) || skip.has(step.name)) continue;
  const dep = step.needs && results.find((r) => r.name === step.needs);
  if (dep && dep.status === 'FAILED') {
    results.push({ name: step.name, status: 'NOT RUN', seconds: 0, note: `${step.needs} failed` });
    continue;
  }
  console.log(`\n━━ ${step.name} ━━ ${[step.cmd.replace(root, ''), ...step.args].join(' ')}`);
  const t = Date.now();
  const { code, out, err } = await run(step);
  const skipped = /SKIPPED — (.*)/.exec(out);
  addCounts(out);
  // eslint-disable-next-line no-control-regex
  addFailures(step.name, `${out}\n${err}`.replace(/\x1b\[[0-9;]*m/g, ''));
  results.push({
    name: step.name,
    status: code !== 0 ? 'FAILED' : skipped ? 'SKIPPED' : 'passed',
    seconds: (Date.now() - t) / 1000,
    note: skipped ? skipped[1] : code !== 0 ? `exit code ${code}` : '',
  });
}

const width = Math.max(...results.map((r) => r.name.length));
console.log('\n━━ summary ━━');
for (const r of results)
  console.log(
    `  ${r.name.padEnd(width)}  ${r.status.padEnd(7)}  ${r.seconds.toFixed(0).padStart(4)} s  ${r.note}`,
  );
const failed = results.filter((r) => r.status === 'FAILED' || r.status === 'NOT RUN');
console.log(
  `  ${'total'.padEnd(width)}  ${failed.length ? 'FAILED ' : 'passed '}  ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s`,
);
console.log(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
const unique = [...new Set(failures)];
if (unique.length) {
  console.log('failed or flaky tests:');
  for (const f of unique.slice(0, 30)) console.log(`  ${f}`);
  if (unique.length > 30) console.log(`  (+${unique.length - 30} more)`);
}
process.exit(failed.length ? 1 : 0);
