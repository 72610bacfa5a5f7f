/**
 * Which KioskBackend a host serves: the kiosk service (database, catalogue, devices, jobs) on
 * the given data folder, with simulated phones and the demo catalogue when `demo` is set; or,
 * with `demoShell`, the small in-memory backend of the screens' end-to-end tests (three sample
 * devices, nothing real behind them).
 */
import { join } from 'node:path';
import type { KioskBackend } from '../../shared/api';
import { defaultDataDir } from '../store/paths';
import { createShellBackend } from './shell-backend';
import { demoShellRefused } from '../hosts/release';
import { createKioskService } from '../services/kiosk-service';
import { createDemoKiosk } from './demo-kiosk';
import type { DmListenAddress } from '../services/dm-endpoint';
import { chooseSecretBox, type KeychainLike } from '../store';

export interface BackendOptions {
  /** Folder for the database and the catalogue. */
  dataDir: string;
  /** Simulated devices and the demo catalogue. */
  demo: boolean;
  /** The in-memory shell backend instead of the kiosk service (refused when `release` is set). */
  demoShell: boolean;
  /** A release build: `demoShell` is refused with a typed error. */
  release?: boolean;
  /** Where the DM endpoint listens (default: 127.0.0.1, a free port). */
  dmListen?: DmListenAddress[];
  /** Serial ports assigned to phones no device profile names (generic serial profile). */
  serialPorts?: string[];
  /** The operating system's keychain (Electron's safeStorage) to seal DM account secrets with; the key file otherwise. */
  keychain?: KeychainLike;
  log?: (line: string) => void;
}

export async function createBackend(options: BackendOptions): Promise<KioskBackend> {
  if (options.demoShell) {
    if (options.release) throw demoShellRefused();
    return createShellBackend();
  }
  const secretBox = await chooseSecretBox(options.dataDir, options.keychain);
  const service = { dataDir: options.dataDir, secretBox, ...(options.log ? { log: options.log } : {}), ...(options.dmListen ? { dmListen: options.dmListen } : {}),
    ...(options.serialPorts ? { serialPorts: options.serialPorts } : {}),
  };
  return options.demo ? createDemoKiosk(service) : createKioskService(service);
}

/**
 * The data folder when none is given: the platform's per-user folder (as for the other
 * commands), with a separate `demo` folder inside for demo mode so demo bundles and records
 * never mix with real ones.
 */
export function resolveDataDir(given: string | undefined, demo: boolean): string {
  if (given) return given;
  return demo ? join(defaultDataDir(), 'demo') : defaultDataDir();
}
