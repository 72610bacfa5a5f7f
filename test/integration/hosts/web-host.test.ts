import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startWebHost, type WebHost } from '../../../src/main/hosts/web/server';
import { resolveUnder } from '../../../src/main/hosts/web/static';
import { createWebSocketBridge } from '../../../src/renderer/bridge/ws-client';
import type { RendererBridge } from '../../../src/renderer/bridge/types';
import { TECHNICIAN_PIN, ScriptedBackend, sampleDevice } from '../../../src/main/demo/shell-backend';
import type { KioskEventMessage } from '../../../src/shared/api';

const rendererDir = mkdtempSync(join(tmpdir(), 'fumo-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
writeFileSync(join(rendererDir, 'app.js'), 'console.log(1)');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(backend = new ScriptedBackend()): Promise<{ host: WebHost; backend: ScriptedBackend }> {
  const host = await startWebHost({ backend, rendererDir, port: 0, helloTimeoutMs: 2000 });
  cleanups.push(() => host.close());
  return { host, backend };
}

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a raw socket; resolves with 'open', the HTTP status of a refused upgrade, or the close code. */
function connect(url: string, firstMessage?: unknown): Promise<{ outcome: string; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    ws.on('unexpected-response', (_req, res) => resolve({ outcome: `http ${res.statusCode}`, ws }));
    ws.on('error', () => undefined);
    ws.on('open', () => {
      if (firstMessage === undefined) resolve({ outcome: 'open', ws });
      else ws.send(JSON.stringify(firstMessage));
    });
    ws.on('message', (data) => {
      if (firstMessage !== undefined) resolve({ outcome: `message ${String(data)}`, ws });
    });
    ws.on('close', (code) => resolve({ outcome: `close ${code}`, ws }));
  });
}

function rpc(ws: WebSocket, id: number, method: string, params?: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (m.id === id) {
        ws.off('message', onMessage);
        resolve(m.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

describe('web host', () => {
  it('refuses to listen beyond loopback unless allowed', async () => {
    await expect(
      startWebHost({ backend: new ScriptedBackend(), rendererDir, host: '0.0.0.0', port: 0 }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const host = await startWebHost({
      backend: new ScriptedBackend(),
      rendererDir,
      host: '0.0.0.0',
      port: 0,
      allowNonLoopback: true,
    });
    await host.close();
  });

  it('prints a loopback URL with a fresh 256-bit token each launch', async () => {
    const a = await start();
    const b = await start();
    expect(a.host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(a.host.token).not.toBe(b.host.token);
  });

  it('serves the renderer with a strict CSP and no referrer, and nothing outside it', async () => {
    const { host } = await start();
    // The page only with a token (either screen's); without one it is refused.
    expect((await get(`${host.origin}/`)).status).toBe(401);
    expect((await get(`${host.origin}/tech`)).status).toBe(401);
    expect((await get(`${host.origin}/?token=${'0'.repeat(64)}`)).status).toBe(401);
    expect((await get(`${host.origin}/?token=${host.customerToken}`)).status).toBe(200);
    const page = await get(`${host.origin}/?token=${host.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>kiosk</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(`${host.origin}/app.js`)).headers['content-type']).toContain('javascript');
    // Dot segments never leave the folder: the URL parser folds them, resolveUnder refuses the rest.
    const escape = await get(`${host.origin}/%2e%2e/%2e%2e/%2e%2e/etc/passwd`);
    expect(escape.body).not.toContain('root:');
    expect(resolveUnder(rendererDir, '/../../etc/passwd')).toBeNull();
    expect(resolveUnder(rendererDir, '/%2e%2e/secret')).toBeNull();
    expect(resolveUnder(rendererDir, '/assets/app.js')).toBe(join(rendererDir, 'assets', 'app.js'));
    expect((await get(`${host.origin}/missing.js`)).status).toBe(404);
    // Client-side routes fall back to the app.
    expect((await get(`${host.origin}/tech?token=${host.token}`)).body).toContain('<title>kiosk</title>');
    // DNS rebinding: a foreign Host name is not answered.
    expect((await get(`${host.origin}/`, { Host: `evil.example:${host.port}` })).status).toBe(421);
  });

  it('refuses a WebSocket with a wrong token (401), no token and no hello (4401), or a wrong hello (4401)', async () => {
    const { host, backend } = await start();
    const wsBase = host.origin.replace('http', 'ws') + '/api';
    expect((await connect(`${wsBase}?token=${'0'.repeat(64)}`)).outcome).toBe('http 401');
    expect((await connect(`${wsBase}?token=`)).outcome).toBe('http 401');
    expect((await connect(`${wsBase}`, { hello: { token: 'nope' } })).outcome).toBe('close 4401');
    expect((await connect(`${wsBase}`, { id: 1, method: 'devices.list' })).outcome).toBe('close 4401');
    // Silence is not enough either: the hello timeout closes the socket.
    const silent = await connect(wsBase);
    expect(silent.outcome).toBe('open');
    const code = await new Promise((r) => silent.ws.on('close', (c) => r(c)));
    expect(code).toBe(4401);
    expect(backend.calls).toEqual([]);
    // A browser page from another origin may not connect even with the token.
    const foreign = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`${wsBase}?token=${host.token}`, {
        headers: { Origin: 'http://evil.example' },
      });
      ws.on('unexpected-response', (_q, res) => resolve(`http ${res.statusCode}`));
      ws.on('open', () => resolve('open'));
      ws.on('error', () => undefined);
    });
    expect(foreign).toBe('http 403');
    expect(host.clientCount()).toBe(0);
  });

  it('answers requests with Results, validating arguments against the schema', async () => {
    const { host, backend } = await start();
    backend.attach(sampleDevice(1));
    const { ws, outcome } = await connect(`${host.origin.replace('http', 'ws')}/api?token=${host.token}`);
    expect(outcome).toBe('open');
    // Before login the bench may not list devices; after it, it may.
    expect(await rpc(ws, 0, 'devices.list')).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await rpc(ws, 5, 'auth.login', { pin: TECHNICIAN_PIN })).toMatchObject({ ok: true });
    expect(await rpc(ws, 1, 'devices.list')).toMatchObject({ ok: true, value: [{ portId: 'sim-1' }] });
    const bad = (await rpc(ws, 2, 'jobs.start', {
      portId: 'sim-1',
      schedule: 'whenever',
      consentMode: 'customer',
    })) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('INVALID_REQUEST');
    expect(bad.error.message).toContain('schedule');
    expect(((await rpc(ws, 3, 'process.exit')) as { error: { code: string } }).error.code).toBe(
      'INVALID_REQUEST',
    );
    // Nothing invalid reached the backend.
    expect(backend.calls.map((c) => c.method)).toEqual(['auth.login', 'devices.list']);
    const good = (await rpc(ws, 4, 'jobs.start', {
      portId: 'sim-1',
      schedule: 'now',
      consentMode: 'operator',
    })) as { ok: boolean };
    expect(good.ok).toBe(true);
  });

  it('the renderer bridge connects with the token, calls the API and receives events', async () => {
    const { host, backend } = await start();
    const bridge: RendererBridge = createWebSocketBridge({
      url: host.origin.replace('http', 'ws') + '/api',
      token: host.token,
      WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    const events: KioskEventMessage[] = [];
    bridge.subscribe((m) => events.push(m));
    const connected = new Promise<void>((r) => bridge.onStatus((s) => s === 'connected' && r()));
    // A request made while connecting waits for the connection.
    const snapshot = await bridge.api.getSnapshot();
    await connected;
    expect(snapshot.ok).toBe(true);
    const arrived = new Promise<void>((r) => bridge.subscribe((m) => m.event === 'device:attached' && r()));
    backend.attach(sampleDevice(9));
    await arrived;
    expect(events).toEqual([{ event: 'device:attached', payload: sampleDevice(9) }]);
    const login = await bridge.api.auth.login({ pin: '0000' });
    expect(login).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    cleanups.push(() => host.close());
  });

  it('a bridge with a wrong token ends up unauthorized and its requests resolve as errors', async () => {
    const { host, backend } = await start();
    const bridge = createWebSocketBridge({
      url: host.origin.replace('http', 'ws') + '/api',
      token: 'f'.repeat(64),
      WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    const pending = bridge.api.devices.list();
    await new Promise<void>((r) => bridge.onStatus((s) => s === 'unauthorized' && r()));
    expect(await pending).toMatchObject({ ok: false, error: { code: 'HOST_DISCONNECTED' } });
    expect(await bridge.api.devices.list()).toMatchObject({ ok: false });
    expect(backend.calls).toEqual([]);
  });
});
