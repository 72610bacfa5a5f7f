/**
 * The product as a user runs it: `fumo-kiosk web --demo` as a child process, on a fresh data
 * folder and a free port, with a private temporary folder and simulated-phone registry. The DM
 * endpoint and the bench's access token are read from what it prints; the KioskApi is reached
 * over its WebSocket in the wire format the screens use (hello with the token, then requests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { WEB_API_PATH, type KioskEventMessage, type KioskMethod, type Result } from '../../src/shared/api';
import { childLines, type ChildLines } from '../support/child-lines';

const repo = path.resolve(__dirname, '../..');
const cli = path.join(repo, 'src/main/cli/index.ts');

export interface Product {
  /** The DM endpoint it printed. */
  dmUrl: string;
  /** The technician bench's address and token as printed. */
  benchUrl: string;
  token: string;
  child: ChildProcess;
  out: ChildLines;
  /** A technician's bench connection to the KioskApi, logged in with the demo PIN. */
  technician(): Promise<Bench>;
  /** Still running (answers were given at once, nothing took it down). */
  alive(): boolean;
  close(): Promise<number | null>;
}

export const DEMO_TECHNICIAN_PIN = '1234';

/** Another fumo-kiosk command as a child process (from the sources, like the product itself). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Bench {
  call<T = unknown>(method: KioskMethod, params?: unknown): Promise<Result<T>>;
  events: KioskEventMessage[];
  /** Resolves with the first event (seen so far or later) that satisfies `test`. */
  event(test: (m: KioskEventMessage) => boolean): Promise<KioskEventMessage>;
  close(): void;
}

function openBench(url: string, token: string): Promise<Bench> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const pending = new Map<number, (r: Result<unknown>) => void>();
    const events: KioskEventMessage[] = [];
    const waiters: Array<{ test: (m: KioskEventMessage) => boolean; resolve: (m: KioskEventMessage) => void }> = [];
    let nextId = 1;
    const bench: Bench = {
      call: <T>(method: KioskMethod, params?: unknown) =>
        new Promise<Result<T>>((res) => {
          const id = nextId++;
          pending.set(id, res as (r: Result<unknown>) => void);
          ws.send(JSON.stringify(params === undefined ? { id, method } : { id, method, params }));
        }),
      events,
      event: (test) =>
        new Promise((res) => {
          const seen = events.find(test);
          if (seen) res(seen);
          else waiters.push({ test, resolve: res });
        }),
      close: () => ws.close(),
    };
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ hello: { token } })));
    ws.on('close', (code) => {
      for (const [id, res] of pending) {
        pending.delete(id);
        res({ ok: false, error: { code: 'HOST_DISCONNECTED', message: `socket closed (${code})` } } as Result<unknown>);
      }
    });
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      if (m['welcome'] === true) resolve(bench);
      else if (typeof m['id'] === 'number' && 'result' in m) {
        pending.get(m['id'])?.(m['result'] as Result<unknown>);
        pending.delete(m['id']);
      } else if (typeof m['event'] === 'string') {
        const e = m as unknown as KioskEventMessage;
        events.push(e);
        for (const w of [...waiters]) {
          if (w.test(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      }
    });
  });
}

export interface ProductOptions {
  /** More arguments for `fumo-kiosk web --demo` (e.g. --dm-listen, --dm-cert, --dm-key). */
  args?: string[];
}

export async function startProduct(options: ProductOptions = {}): Promise<Product> {
  const root = mkdtempSync(path.join(tmpdir(), 'fumo-conformance-'));
  const privateTmp = path.join(root, 'tmp');
  mkdirSync(privateTmp);
  // The screens themselves are not under test: a page stands in for the built renderer.
  const renderer = path.join(root, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>kiosk</title>');
  const env = { ...process.env, TMPDIR: privateTmp, FUMO_SIM_REGISTRY: path.join(root, 'registry') };
  const child = spawnCli(['web', '--demo', '--data', path.join(root, 'data'), '--port', '0', '--renderer', renderer, ...(options.args ?? [])], env);
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
  const out = childLines(child);
  try {
    await out.until((all) => all.some((l) => l.startsWith('DM endpoint: ')) && all.some((l) => l.includes('Technician bench:')), 'the DM endpoint line');
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${stderr}`);
  }
  const dmUrl = out.all.find((l) => l.startsWith('DM endpoint: '))!.slice('DM endpoint: '.length).trim();
  const benchUrl = /Technician bench:\s+(\S+)/.exec(out.all.find((l) => l.includes('Technician bench:'))!)![1]!;
  const token = new URL(benchUrl.replace(/#.*$/, '')).searchParams.get('token')!;
  const benches: Bench[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A test process that ends without close() (a failed hook, an interrupted run) takes the kiosk with it.
  const orphaned = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', orphaned);
  return {
    dmUrl,
    benchUrl,
    token,
    child,
    out,
    async technician() {
      const bench = await openBench(`ws://${new URL(benchUrl).host}${WEB_API_PATH}`, token);
      benches.push(bench);
      const login = await bench.call('auth.login', { pin: DEMO_TECHNICIAN_PIN });
      if (!login.ok) throw new Error(`login: ${login.error.message}`);
      return bench;
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    async close() {
      for (const b of benches) b.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const code = await exited;
      process.off('exit', orphaned);
      rmSync(root, { recursive: true, force: true });
      return code;
    },
  };
}
