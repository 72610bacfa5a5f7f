/**
 * The Electron host as a packaged app (app.isPackaged), with FUMO_KIOSK_DEBUG set: `--demo-shell`
 * is refused with a message and the exit code 1, and DevTools stay off (the window's
 * webPreferences and the devtools-opened guard). `electron` is a recording fake.
 */
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as BackendModule from '../../../src/main/demo/backend';
import type { BackendOptions } from '../../../src/main/demo/backend';

type Handler = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const appHandlers = new Map<string, Handler>();
  const windows: { options: Record<string, unknown> }[] = [];
  const backendCalls: unknown[] = [];
  let windowCreated: () => void = () => undefined;
  let exited: (code: number) => void = () => undefined;
  const display = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };
  const events = {
    window: () => new Promise<void>((r) => (windowCreated = r)),
    exit: () => new Promise<number>((r) => (exited = r)),
  };
  class BrowserWindow {
    readonly webContents = { id: 1, send: () => undefined };
    constructor(options: Record<string, unknown>) {
      windows.push({ options });
      windowCreated();
    }
    loadURL() {
      return Promise.resolve();
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return false;
    }
    setProgressBar() {}
  }
  const electron = {
    app: {
      isPackaged: true,
      enableSandbox: () => undefined,
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: (event: string, handler: Handler) => appHandlers.set(event, handler),
      emit: () => undefined,
      quit: () => undefined,
      exit: (code: number) => exited(code),
      getPath: () => '/tmp',
    },
    protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
    session: { defaultSession: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined } },
    Menu: { setApplicationMenu: () => undefined },
    screen: { getAllDisplays: () => [display], getPrimaryDisplay: () => display },
    ipcMain: { handle: () => undefined, on: () => undefined },
    BrowserWindow,
  };
  return { electron, appHandlers, windows, backendCalls, events, useRealBackend: { value: true } };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

// The real backend choice (which refuses the shell in a release), or, to reach the window, the
// shell backend whatever the options say; every call's options are recorded.
vi.mock('../../../src/main/demo/backend', async (importOriginal) => {
  const actual = await importOriginal<typeof BackendModule>();
  const { createShellBackend } = await import('../../../src/main/demo/shell-backend');
  return {
    ...actual,
    createBackend: async (options: BackendOptions) => {
      fake.backendCalls.push(options);
      return fake.useRealBackend.value ? actual.createBackend(options) : createShellBackend();
    },
  };
});

const savedArgv = process.argv;
const savedDebug = process.env.FUMO_KIOSK_DEBUG;

async function startPackagedHost(): Promise<void> {
  process.argv = [process.argv[0] ?? 'node', 'main', '--demo-shell'];
  process.env.FUMO_KIOSK_DEBUG = '1';
  vi.resetModules();
  await import('../../../src/main/hosts/electron/main');
}

describe('Electron host, packaged', () => {
  beforeEach(() => {
    fake.windows.length = 0;
    fake.backendCalls.length = 0;
  });
  afterAll(() => {
    process.argv = savedArgv;
    if (savedDebug === undefined) delete process.env.FUMO_KIOSK_DEBUG;
    else process.env.FUMO_KIOSK_DEBUG = savedDebug;
  });

  it('refuses --demo-shell with a message and exit code 1, and opens no window', async () => {
    fake.useRealBackend.value = true;
    const stderr: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    const exit = fake.events.exit();
    await startPackagedHost();
    expect(await exit).toBe(1);
    write.mockRestore();
    expect(fake.backendCalls).toEqual([expect.objectContaining({ demoShell: true, release: true })]);
    expect(stderr.join('')).toMatch(/--demo-shell .*not part of a release build/);
    expect(fake.windows).toHaveLength(0);
  });

  it('keeps DevTools off although FUMO_KIOSK_DEBUG is set', async () => {
    fake.useRealBackend.value = false;
    const opened = fake.events.window();
    await startPackagedHost();
    await opened;
    expect(fake.windows[0]!.options.webPreferences).toMatchObject({ devTools: false });
    const guards = new Map<string, Handler>();
    const contents = {
      on: (event: string, h: Handler) => guards.set(event, h),
      setWindowOpenHandler: () => undefined,
      closeDevTools: vi.fn(),
    };
    fake.appHandlers.get('web-contents-created')?.({}, contents);
    expect(guards.has('devtools-opened')).toBe(true);
    guards.get('devtools-opened')?.();
    expect(contents.closeDevTools).toHaveBeenCalledTimes(1);
  });
});
