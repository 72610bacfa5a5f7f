/**
 * The Electron host: one hardened window per screen (the technician bench, and the customer
 * display on a second screen when one is attached), the renderer from app://, the KioskApi over
 * one validated IPC channel, events pushed to every window, taskbar progress.
 *
 * Arguments: --demo (simulated devices, demo catalogue), --demo-shell (sample data only),
 * --data DIR, --kiosk / --windowed (override the kioskMode setting).
 */
import { join } from 'node:path';
import {
  BrowserWindow,
  Menu,
  app,
  ipcMain,
  screen,
  safeStorage,
  session,
  type WebContents,
  type WebFrameMain,
} from 'electron';
import { IPC_CHANNELS, fail, type KioskBackend, type KioskConnection } from '../../../shared/api';
import { createBackend, resolveDataDir } from '../../demo/backend';
import { dispatchRequest, subscribeBackend } from '../dispatch';
import { hostPolicy } from '../release';
import { isAllowedNavigation, isTrustedFrame } from './frames';
import { APP_ORIGIN, handleAppProtocol, registerAppScheme } from './protocol';
import { TaskbarProgress } from './taskbar';

const argv = process.argv.slice(1);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

// A packaged app is a release whatever the environment says: no DevTools, no --demo-shell.
const policy = hostPolicy(app.isPackaged);
const release = policy.release;
const rendererDir = join(__dirname, '..', 'renderer');
const preloadPath = join(__dirname, '..', 'preload', 'preload.cjs');
const windows = new Set<BrowserWindow>();
/** Each window's connection to the backend, by its webContents id. */
const connections = new Map<number, KioskConnection>();
let rendererReady = false;

app.enableSandbox();
registerAppScheme();

/** Only our own page, in its top frame, may call the API. */
function trustedFrame(frame: WebFrameMain | null | undefined): boolean {
  return isTrustedFrame(frame);
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (!policy.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
}

function openWindow(backend: KioskBackend, route: '/tech' | '/customer', kiosk: boolean, display?: Electron.Display): BrowserWindow {
  const bounds = display?.bounds;
  const win = new BrowserWindow({
    show: false,
    x: bounds?.x,
    y: bounds?.y,
    width: bounds?.width ?? 1920,
    height: bounds?.height ?? 1080,
    backgroundColor: '#f3f5f8',
    autoHideMenuBar: true,
    fullscreen: kiosk,
    kiosk,
    title: 'fumo-kiosk',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: policy.devTools,
    },
  });
  windows.add(win);
  // Each window is its own screen: the customer display's window has the customer's capability.
  const connection = backend.connect(route === '/customer' ? 'customer' : 'bench');
  connections.set(win.webContents.id, connection);
  win.on('closed', () => {
    windows.delete(win);
    connections.delete(win.webContents.id);
    connection.close();
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html#${route}`);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  if (release) Menu.setApplicationMenu(null);
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  handleAppProtocol(rendererDir);

  let backend: KioskBackend;
  try {
    backend = await createBackend({
      dataDir: resolveDataDir(option('--data'), flag('--demo')),
      demo: flag('--demo'),
      demoShell: flag('--demo-shell'),
      release,
      keychain: safeStorage,
    });
  } catch (e) {
    process.stderr.write(`fumo-kiosk: ${e instanceof Error ? e.message : String(e)}\n`);
    app.exit(1);
    return;
  }

  const dispatchOptions = { checkOutgoing: !release };
  ipcMain.handle(IPC_CHANNELS.invoke, async (event, method: unknown, params: unknown) => {
    if (!trustedFrame(event.senderFrame))
      return fail('INVALID_REQUEST', { detail: 'the request did not come from the kiosk screen' });
    const connection = connections.get(event.sender.id);
    if (!connection) return fail('INVALID_REQUEST', { detail: 'the request did not come from a kiosk window' });
    return dispatchRequest(connection, method, params, dispatchOptions);
  });
  ipcMain.on(IPC_CHANNELS.ready, (event) => {
    if (!trustedFrame(event.senderFrame)) return;
    rendererReady = true;
    app.emit('fumo-kiosk-ready');
  });

  const taskbar = new TaskbarProgress();
  const unsubscribe = subscribeBackend(
    backend,
    (message) => {
      for (const win of windows) {
        if (win.isDestroyed()) continue;
        if (connections.get(win.webContents.id)?.sees(message)) win.webContents.send(IPC_CHANNELS.event, message);
      }
      const progress = taskbar.apply(message);
      if (progress !== undefined)
        for (const win of windows) if (!win.isDestroyed()) win.setProgressBar(progress);
    },
    dispatchOptions,
  );

  const settings = await backend.settings.get();
  const kiosk = flag('--windowed')
    ? false
    : flag('--kiosk') || (settings.ok && settings.value.kioskMode && release);
  const displays = screen.getAllDisplays();
  const primary = screen.getPrimaryDisplay();
  openWindow(backend, '/tech', kiosk, primary);
  const second = displays.find((d) => d.id !== primary.id);
  if (second) openWindow(backend, '/customer', kiosk, second);

  app.on('window-all-closed', () => {
    unsubscribe();
    void (backend.close?.() ?? Promise.resolve()).finally(() => app.quit());
  });
}

/** For tests that reach into the main process (electronApp.evaluate). */
export function isRendererReady(): boolean {
  return rendererReady;
}

if (app.requestSingleInstanceLock()) void start();
else app.quit();
