/**
 * A recording stand-in for the `electron` module, so the Electron host's main module runs
 * without the Electron binary: the windows it opens (their options, URL, messages sent, progress
 * values), the app/IPC/protocol handlers it registers, the permission handlers, and its exit.
 * A test creates one inside vi.hoisted and mocks 'electron' with `fake.electron`.
 */
import { vi } from 'vitest';

export type Handler = (...args: unknown[]) => unknown;

export interface FakeWindow {
  options: Record<string, unknown>;
  url: string;
  sent: [string, unknown][];
  progress: number[];
}

export function createFakeElectron(options: { isPackaged: boolean }) {
  const appHandlers = new Map<string, Handler>();
  const ipcHandlers = new Map<string, Handler>();
  const ipcListeners = new Map<string, Handler>();
  const protocolHandlers = new Map<string, Handler>();
  const windows: FakeWindow[] = [];
  const permission: { request?: Handler; check?: Handler } = {};
  const windowWaiters: Array<() => void> = [];
  const exitWaiters: Array<(code: number) => void> = [];
  const display = { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } };

  class BrowserWindow {
    private readonly record: FakeWindow;
    readonly webContents: { id: number; send: (channel: string, message: unknown) => void };
    constructor(windowOptions: Record<string, unknown>) {
      this.record = { options: windowOptions, url: '', sent: [], progress: [] };
      windows.push(this.record);
      this.webContents = { id: windows.length, send: (channel, message) => this.record.sent.push([channel, message]) };
      for (const w of windowWaiters.splice(0)) w();
    }
    loadURL(url: string) {
      this.record.url = url;
      return Promise.resolve();
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return false;
    }
    setProgressBar(value: number) {
      this.record.progress.push(value);
    }
  }

  const electron = {
    app: {
      isPackaged: options.isPackaged,
      enableSandbox: vi.fn(),
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: (event: string, handler: Handler) => appHandlers.set(event, handler),
      emit: vi.fn(),
      quit: vi.fn(),
      exit: vi.fn((code: number) => {
        for (const w of exitWaiters.splice(0)) w(code);
      }),
      getPath: () => '/tmp',
    },
    protocol: {
      registerSchemesAsPrivileged: vi.fn(),
      handle: (scheme: string, handler: Handler) => protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Handler) => (permission.request = h),
        setPermissionCheckHandler: (h: Handler) => (permission.check = h),
      },
    },
    // No keychain in the fake: the host must still pass it, and the store falls back to the key file.
    safeStorage: {
      isAsyncEncryptionAvailable: () => Promise.resolve(false),
      encryptStringAsync: () => Promise.reject(new Error('no keychain in the fake')),
      decryptStringAsync: () => Promise.reject(new Error('no keychain in the fake')),
      getSelectedStorageBackend: () => 'basic_text',
    },
    Menu: { setApplicationMenu: vi.fn() },
    screen: { getAllDisplays: () => [display], getPrimaryDisplay: () => display },
    ipcMain: {
      handle: (channel: string, h: Handler) => ipcHandlers.set(channel, h),
      on: (channel: string, h: Handler) => ipcListeners.set(channel, h),
    },
    BrowserWindow,
  };

  return {
    electron,
    appHandlers,
    ipcHandlers,
    ipcListeners,
    protocolHandlers,
    windows,
    permission,
    /** Resolves when the next window is created. */
    nextWindow: () => new Promise<void>((r) => windowWaiters.push(r)),
    /** Resolves with the code of the next app.exit. */
    nextExit: () => new Promise<number>((r) => exitWaiters.push(r)),
  };
}
