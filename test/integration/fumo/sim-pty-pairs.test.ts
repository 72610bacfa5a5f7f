/**
 * The simulated phone's serial transport makes its next pty pair (socat) before the current one
 * closes, so a re-plugged phone appears under a new path. Every pair it opens must be closed
 * by the time the phone stops, including the spare made for a re-plug that never happens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair, type PtyPair } from '../../../src/simulator/links/pty';
import type { DeviceConnection, LinkFactory, SimulatedDevice } from '../../../src/simulator/device';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import { serialLinkFactory } from '../../../src/simulator/transports';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Counted {
  opened: PtyPair[];
  closed: Set<number>;
  connections: DeviceConnection[];
  factory: LinkFactory;
}

function countingFactory(): Counted {
  const opened: PtyPair[] = [];
  const closed = new Set<number>();
  const connections: DeviceConnection[] = [];
  const inner = serialLinkFactory({
    registry: { announce: () => undefined, withdraw: () => undefined },
    createPty: async () => {
      const p = await createPtyPair();
      opened.push(p);
      return {
        ...p,
        close: async () => {
          await p.close();
          closed.add(p.pid);
        },
      };
    },
  });
  const connect = async (d: SimulatedDevice): Promise<DeviceConnection> => {
    const c = await inner(d);
    connections.push(c);
    return c;
  };
  const factory: LinkFactory = inner.release ? Object.assign(connect, { release: inner.release }) : connect;
  return { opened, closed, connections, factory };
}

describe('simulated phone pty pairs', () => {
  let root: string | undefined;
  let sim: SimulationHandle | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function start(counted: Counted, replugDelayMs: number): Promise<SimulationHandle> {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-it-pty-'));
    sim = await startSimulation({ devices: 1, link: 'serial', stateDir: root, profile: { replugDelayMs }, linkFactory: () => counted.factory });
    return sim;
  }

  it('closes every pair after re-plugs and a stop', async () => {
    const c = countingFactory();
    const s = await start(c, 50);
    const phone = s.devices[0]!.device;
    for (let i = 1; i <= 2; i++) {
      const reconnected = new Promise<void>((r) => phone.once('connected', () => r()));
      await c.connections[c.connections.length - 1]!.link.close();
      await reconnected;
    }
    expect(c.connections).toHaveLength(3);
    await s.stop();
    sim = undefined;
    expect(c.opened.length).toBeGreaterThanOrEqual(3);
    expect(c.closed.size).toBe(c.opened.length);
    for (const p of c.opened) await waitUntil(() => !alive(p.pid), `socat ${p.pid} to exit`);
  }, 60_000);

  it('closes the spare pair made for a re-plug when the phone stops before plugging back in', async () => {
    const c = countingFactory();
    const s = await start(c, 60_000);
    const phone = s.devices[0]!.device;
    const unplugged = new Promise<void>((r) => phone.once('disconnected', () => r()));
    await c.connections[0]!.link.close();
    await unplugged;
    // The spare for the next plug-in exists now; the phone never comes back.
    expect(c.opened).toHaveLength(2);
    await s.stop();
    sim = undefined;
    expect(c.connections).toHaveLength(1);
    expect(c.closed.size).toBe(2);
    for (const p of c.opened) await waitUntil(() => !alive(p.pid), `socat ${p.pid} to exit`);
  }, 60_000);
});
