import os from 'node:os';
import path from 'node:path';

export const APP_DIR_NAME = 'fumo-kiosk';

/**
 * The platform's per-user data folder for the kiosk:
 * Linux (and other Unix) $XDG_DATA_HOME/fumo-kiosk or ~/.local/share/fumo-kiosk;
 * macOS ~/Library/Application Support/fumo-kiosk; Windows %APPDATA%/fumo-kiosk.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (platform === 'win32') {
    const appData = env.APPDATA && env.APPDATA.trim() !== '' ? env.APPDATA : path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, APP_DIR_NAME);
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  const xdg = env.XDG_DATA_HOME;
  // XDG says relative values are invalid and must be ignored.
  if (xdg && path.posix.isAbsolute(xdg)) return path.posix.join(xdg, APP_DIR_NAME);
  return path.posix.join(home, '.local', 'share', APP_DIR_NAME);
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'kiosk.db');
}

export function bundlesDir(dataDir: string): string {
  return path.join(dataDir, 'bundles');
}

/** Before the store kept PINs in the database they were in this file; it is migrated once and removed. */
export function legacyPinsPath(dataDir: string): string {
  return path.join(dataDir, 'pins.json');
}

/** The signed anchor of the audit history's hash chain (outside the database). */
export function historyHeadPath(dataDir: string): string {
  return path.join(dataDir, 'history-head.json');
}

/** The kiosk's Ed25519 key that signs the history head (private, 0600) and its public half. */
export function historyKeyPath(dataDir: string): string {
  return path.join(dataDir, 'history-signing.key');
}

export function historyPublicKeyPath(dataDir: string): string {
  return path.join(dataDir, 'history-signing.pub');
}

/** The key that encrypts DM account secrets when no other SecretBox is given (0600). */
export function secretKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets.key');
}

/** The same kind of key sealed by the operating system's keychain, where the Electron host runs (0600). */
export function keychainKeyPath(dataDir: string): string {
  return path.join(dataDir, 'secrets.key.keychain');
}
