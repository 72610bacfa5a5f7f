/**
 * Which frames may call the KioskApi over IPC: only the top frame of our own page, loaded from
 * app://kiosk. Kept free of electron imports so it is unit tested in plain Node.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

export function isTrustedFrame(frame: FrameLike | null | undefined): boolean {
  if (!frame || frame.parent !== null) return false;
  try {
    const u = new URL(frame.url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** In-app navigation stays on app://kiosk/; everything else is blocked. */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}
