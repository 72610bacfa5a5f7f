/**
 * The Electron host without the Electron binary: `electron` is replaced by a recording fake, the
 * host's main module runs against it with the in-memory shell backend, and the test checks the
 * window's hardening, the permission and navigation guards, the app:// protocol and the IPC
 * handler's sender and argument checks.
 */
import { describe, expect, it, vi } from 'vitest';
import { TECHNICIAN_PIN } from '../../../src/main/demo/shell-backend';
import type { Handler } from '../../support/fake-electron';

const fake = await vi.hoisted(async () => {
  const { createFakeElectron } = await import('../../support/fake-electron');
  const f = createFakeElectron({ isPackaged: false });
  return { ...f, firstWindow: f.nextWindow() };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const trusted = { url: 'app://kiosk/index.html#/tech', parent: null };

async function startHost() {
  process.argv = [process.argv[0] ?? 'node', 'main', '--demo-shell'];
  await import('../../../src/main/hosts/electron/main');
  await fake.firstWindow;
}

describe('Electron host (with a fake electron module)', () => {
  it('opens one hardened window from app:// and denies permissions', async () => {
    await startHost();
    expect(fake.electron.app.enableSandbox).toHaveBeenCalled();
    expect(fake.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({
        scheme: 'app',
        privileges: expect.objectContaining({ standard: true, secure: true }),
      }),
    ]);
    expect(fake.windows).toHaveLength(1);
    const win = fake.windows[0]!;
    expect(win.url).toBe('app://kiosk/index.html#/tech');
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(String((win.options.webPreferences as { preload: string }).preload)).toMatch(
      /preload[\\/]preload\.cjs$/,
    );
    const decisions: boolean[] = [];
    fake.permission.request?.({}, 'media', (allowed: boolean) => decisions.push(allowed));
    expect(decisions).toEqual([false]);
    expect(fake.permission.check?.({}, 'geolocation')).toBe(false);
  });

  it('blocks navigation away from the app and every new window', async () => {
    const lockDown = fake.appHandlers.get('web-contents-created');
    expect(lockDown).toBeDefined();
    const handlers = new Map<string, Handler>();
    let openHandler: Handler | undefined;
    const contents = {
      on: (event: string, h: Handler) => handlers.set(event, h),
      setWindowOpenHandler: (h: Handler) => (openHandler = h),
      closeDevTools: vi.fn(),
    };
    lockDown?.({}, contents);
    const away = { preventDefault: vi.fn() };
    handlers.get('will-navigate')?.(away, 'https://example.com/');
    expect(away.preventDefault).toHaveBeenCalled();
    const inside = { preventDefault: vi.fn() };
    handlers.get('will-navigate')?.(inside, 'app://kiosk/index.html#/customer');
    expect(inside.preventDefault).not.toHaveBeenCalled();
    expect(openHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('serves app:// with the CSP and nothing from other hosts', async () => {
    const serve = fake.protocolHandlers.get('app');
    expect(serve).toBeDefined();
    const foreign = (await serve?.(new Request('app://evil/index.html'))) as Response;
    expect(foreign.status).toBe(404);
    const page = (await serve?.(new Request('app://kiosk/index.html'))) as Response;
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('answers IPC only from the app frame, with validated arguments, and pushes events', async () => {
    const invoke = fake.ipcHandlers.get('kiosk:invoke');
    expect(invoke).toBeDefined();
    const fromElsewhere = (await invoke?.(
      { senderFrame: { url: 'https://evil.example/', parent: null }, sender: { id: 1 } },
      'devices.list',
    )) as {
      ok: boolean;
      error: { code: string };
    };
    expect(fromElsewhere).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const fromSubframe = (await invoke?.(
      { senderFrame: { url: trusted.url, parent: {} }, sender: { id: 1 } },
      'devices.list',
    )) as { ok: boolean };
    expect(fromSubframe.ok).toBe(false);
    // The bench window's own connection: nothing but the login before a PIN is given.
    const before = (await invoke?.({ senderFrame: trusted, sender: { id: 1 } }, 'devices.list')) as { ok: boolean; error: { code: string } };
    expect(before).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const login = (await invoke?.({ senderFrame: trusted, sender: { id: 1 } }, 'auth.login', { pin: TECHNICIAN_PIN })) as { ok: boolean };
    expect(login.ok).toBe(true);
    const stranger = (await invoke?.({ senderFrame: trusted, sender: { id: 99 } }, 'devices.list')) as { ok: boolean; error: { code: string } };
    expect(stranger).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const list = (await invoke?.({ senderFrame: trusted, sender: { id: 1 } }, 'devices.list')) as {
      ok: boolean;
      value: { portId: string }[];
    };
    expect(list.ok).toBe(true);
    expect(list.value.map((d) => d.portId)).toEqual(['sim-1', 'sim-2', 'sim-3']);
    const invalid = (await invoke?.({ senderFrame: trusted, sender: { id: 1 } }, 'jobs.start', {
      portId: 'sim-1',
      schedule: 'soon',
    })) as {
      error: { code: string };
    };
    expect(invalid.error.code).toBe('INVALID_REQUEST');
    const unknown = (await invoke?.({ senderFrame: trusted, sender: { id: 1 } }, 'shell.exec', 'rm -rf /')) as {
      error: { code: string };
    };
    expect(unknown.error.code).toBe('INVALID_REQUEST');

    const win = fake.windows[0]!;
    const sentBefore = win.sent.length;
    const started = (await invoke?.({ senderFrame: trusted, sender: { id: 1 } }, 'jobs.start', {
      portId: 'sim-1',
      schedule: 'now',
      consentMode: 'customer',
    })) as { ok: boolean };
    expect(started.ok).toBe(true);
    const pushed = win.sent.slice(sentBefore);
    expect(pushed.every(([channel]) => channel === 'kiosk:event')).toBe(true);
    expect(pushed.map(([, m]) => (m as { event: string }).event)).toEqual(['job:updated', 'device:updated']);
  });
});
