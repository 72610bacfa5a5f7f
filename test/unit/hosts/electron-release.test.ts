/**
 * The Electron host as a packaged app (app.isPackaged), with FUMO_KIOSK_DEBUG set: `--demo-shell`
 * is refused with a message and the exit code 1, and DevTools stay off (the window's
 * webPreferences and the devtools-opened guard). `electron` is a recording fake.
 */
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as BackendModule from '../../../src/main/demo/backend';
import type { BackendOptions } from '../../../src/main/demo/backend';
import type { Handler } from '../../support/fake-electron';

const fake = await vi.hoisted(async () => {
  const { createFakeElectron } = await import('../../support/fake-electron');
  const backendCalls: unknown[] = [];
  return { ...createFakeElectron({ isPackaged: true }), backendCalls, useRealBackend: { value: true } };
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
    const exit = fake.nextExit();
    await startPackagedHost();
    expect(await exit).toBe(1);
    write.mockRestore();
    expect(fake.backendCalls).toEqual([expect.objectContaining({ demoShell: true, release: true, keychain: fake.electron.safeStorage })]);
    expect(stderr.join('')).toMatch(/--demo-shell .*not part of a release build/);
    expect(fake.windows).toHaveLength(0);
  });

  it('keeps DevTools off although FUMO_KIOSK_DEBUG is set', async () => {
    fake.useRealBackend.value = false;
    const opened = fake.nextWindow();
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
