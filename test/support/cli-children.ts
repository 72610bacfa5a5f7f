/**
 * The real `fumo-kiosk` CLI as child processes, in a private temp folder and sim registry so
 * nothing else on the machine is seen: `start` for a long-running one (read it with
 * childLines), `run` for one that ends, `stop` for whatever still runs when the tests end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliChildren {
  /** The private folder (its own TMPDIR and registry inside). */
  root: string;
  start(args: string[]): ChildProcess;
  run(args: string[]): Promise<CliRun>;
  stop(): void;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'src/main/cli/index.ts');

/** `env`: more environment for every child (e.g. NODE_EXTRA_CA_CERTS). */
export function cliChildren(prefix: string, extraEnv: NodeJS.ProcessEnv = {}): CliChildren {
  const root = mkdtempSync(path.join(tmpdir(), prefix));
  const privateTmp = path.join(root, 'tmp');
  mkdirSync(privateTmp);
  const env = { ...process.env, ...extraEnv, TMPDIR: privateTmp, FUMO_SIM_REGISTRY: path.join(root, 'registry') };
  const children: ChildProcess[] = [];
  const start = (args: string[]): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env, cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    return child;
  };
  return {
    root,
    start,
    run: (args) =>
      new Promise((resolve) => {
        const child = start(args);
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      }),
    stop: () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    },
  };
}
