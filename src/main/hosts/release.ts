/**
 * Release builds: what a kiosk in a shop may not do. A release is a packaged Electron app, or a
 * bundle that `scripts/build.mjs --release` made (it writes the build kind into the code, so no
 * environment variable can turn a release back into a development build). In a release the
 * sample-data shell (`--demo-shell`) is refused and DevTools stay shut, whatever the environment says.
 */
import { KioskError } from '../../core/errors';

/** The build kind; `scripts/build.mjs --release` replaces this expression with "release". */
export function buildKind(): string {
  return process.env.FUMO_KIOSK_BUILD ?? 'development';
}

export interface HostPolicy {
  /** A release: lock-downs on, development aids off. */
  release: boolean;
  /** DevTools may open (never in a release). */
  devTools: boolean;
  /** `--demo-shell` may run (never in a release). */
  demoShell: boolean;
}

/** The policy for a host; `packaged` is Electron's app.isPackaged (false for the web host). */
export function hostPolicy(packaged: boolean, kind: string = buildKind()): HostPolicy {
  const release = packaged || kind === 'release';
  return { release, devTools: !release, demoShell: !release };
}

/** The refusal of `--demo-shell` in a release build. */
export function demoShellRefused(): KioskError {
  return new KioskError('INVALID_REQUEST', {
    detail: '--demo-shell serves sample data for development and is not part of a release build; start the kiosk without it (or with --demo for simulated phones)',
  });
}
