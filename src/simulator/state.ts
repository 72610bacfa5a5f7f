/**
 * What a simulated phone remembers across a pulled cable or a killed simulator: one JSON file per
 * device (written atomically: temp file + rename) next to the package file it is receiving.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GenericAlert } from '../core/session/api';

export type FumoOperation = 'download' | 'update' | 'downloadandupdate';

export interface PendingInstall {
  operation: 'update' | 'downloadandupdate';
  correlator?: string;
  /** scheduled: Exec accepted, install not begun; rebooting: verified, the reboot is under way. */
  stage: 'scheduled' | 'rebooting';
  targetVersion?: string;
}

export interface FumoPersisted {
  state: number;
  pkgName: string;
  pkgVersion: string;
  downloadUrl: string;
  downloadAndUpdateUrl: string;
  /** Bytes of the package written to the package file. */
  receivedBytes: number;
  /** Announced size of the package being received (0 when unknown). */
  expectedBytes: number;
  packageComplete: boolean;
  /** Identity of the package in the package file as the server announced it (Ext/PkgId); '' when none. */
  pkgId?: string;
  pendingInstall?: PendingInstall;
}

export interface AccountRecord {
  /** DMAcc/<x> node name. */
  id: string;
  serverId: string;
  name: string;
  addr: string;
  /** Client credentials (the device authenticates with these). */
  clientName: string;
  clientSecret: string;
  /** Server credentials (the device checks the server and package 0 with these). */
  serverName: string;
  serverSecret: string;
  authType: string;
}

export interface DeviceStateFile {
  version: 1;
  devId: string;
  model: string;
  fwVersion: string;
  swVersion: string;
  hwVersion: string;
  fumo: FumoPersisted;
  /** 1226 alerts waiting to be reported in the next session. */
  pendingAlerts: GenericAlert[];
  /** Accounts added by a bootstrap or by a server after the profile's own. */
  accounts: AccountRecord[];
  /** Set once a smart-card bootstrap has been applied (or refused). */
  bootstrap?: { applied: boolean; at: string };
  /** How many times the phone has rebooted (each reboot re-enumerates under a new port). */
  boots: number;
  /** Authentication nonces per server id (base64), as the session engine hands them over. */
  nonces?: Record<string, { clientNonce: string; serverNonce: string }>;
}

export const PACKAGE_FILE = 'package.bin';
const STATE_FILE = 'state.json';

export function initialFumoState(): FumoPersisted {
  return {
    state: 10,
    pkgName: '',
    pkgVersion: '',
    downloadUrl: '',
    downloadAndUpdateUrl: '',
    receivedBytes: 0,
    expectedBytes: 0,
    packageComplete: false,
  };
}

export class DeviceStateStore {
  readonly dir: string;
  state: DeviceStateFile;

  private constructor(dir: string, state: DeviceStateFile) {
    this.dir = dir;
    this.state = state;
  }

  /** Open the device's folder, loading its state, or starting from `initial` when there is none. */
  static open(dir: string, initial: () => DeviceStateFile): { store: DeviceStateStore; resumed: boolean } {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, STATE_FILE);
    if (existsSync(file)) {
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as DeviceStateFile;
        if (parsed.version === 1 && parsed.fumo && typeof parsed.fumo.state === 'number') {
          return { store: new DeviceStateStore(dir, { ...initial(), ...parsed }), resumed: true };
        }
      } catch {
        // A state file cut short by a crash between write and rename cannot happen (rename is atomic);
        // anything unreadable is treated as a factory-fresh phone.
      }
    }
    const store = new DeviceStateStore(dir, initial());
    store.save();
    return { store, resumed: false };
  }

  get packagePath(): string {
    return join(this.dir, PACKAGE_FILE);
  }

  save(): void {
    const file = join(this.dir, STATE_FILE);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    renameSync(tmp, file);
  }
}
