/** What a kiosk service is built from: its data folder, its device sources, links, profiles, timings and servers. */
import type { Clock, RandomSource } from '../../core/clock';
import type { FumoSettings } from '../../core/fumo/ports';
import type { Link } from '../../core/link';
import type { DeviceProfile } from '../../transport/profiles';
import type { DiscoveredDevice } from '../links/scanner';
import type { Printer } from '../receipts';
import type { SecretBox } from '../store';
import type { DeviceTrust } from './device-trust';
import type { DmListenAddress } from './dm-endpoint';

/** Anything that reports devices coming and going: the DeviceScanner, or the demo's own simulation. */
export interface DeviceSource {
  on(event: 'attach', listener: (d: DiscoveredDevice) => void): unknown;
  on(event: 'detach', listener: (d: { portId: string }) => void): unknown;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

export interface KioskServiceOptions {
  dataDir: string;
  /** Shown to the screens as demo mode (src/main/demo/demo-kiosk.ts sets it up). */
  demo?: boolean;
  /** Which simulated phones are let in (default: none; the demo passes its own policy). */
  trust?: DeviceTrust;
  /** Also watch the machine's registry of phones started by `fumo-kiosk simulate` (demo trust only). */
  watchSimRegistry?: boolean;
  /**
   * Serial ports (device paths) the administrator assigned to phones no profile names; they are
   * served with the generic serial profile. Unknown adapters on other ports are never opened.
   */
  serialPorts?: string[];
  /** Seals the DM account secrets (default: the key file <data>/secrets.key). */
  secretBox?: SecretBox;
  clock?: Clock;
  random?: RandomSource;
  /** The kiosk's DM server id (DMAcc ServerID, package 0). */
  serverId?: string;
  /**
   * Where devices come from (default: the scanner: serial ports, USB and the simulated phones of
   * the machine's sim registry; in demo mode serial ports and USB only, beside the demo's own
   * phones); more with addDeviceSource().
   */
  sources?: DeviceSource[];
  /** How a discovered device becomes a Link (default: OBEX over the serial path). */
  openLink?: (device: DiscoveredDevice, profile: DeviceProfile) => Promise<Link>;
  profiles?: DeviceProfile[];
  /** Job settings beyond the stored ones (timeouts, consent timings). */
  fumo?: Partial<FumoSettings>;
  /** How long the kiosk waits for each message of a phone (default 60 s). */
  sessionTimeoutMs?: number;
  /** Identify each phone (model, version, update state) as soon as it is attached (default true). */
  identifyOnAttach?: boolean;
  /** Demo simulation: where the phones keep their state (default <dataDir>/demo-phones). */
  demoStateDir?: string;
  /** How long a consent request waits for the customer (default 10 minutes). */
  consentTimeoutMs?: number;
  /**
   * The kiosk's own download server for phones whose link reaches it over HTTP (DownloadAndUpdate
   * with a PkgURL): listen address (default 127.0.0.1), port (default any free one) and the host
   * name written into the URLs (default the listen address).
   */
  payloadServer?: { host?: string; port?: number; publicHost?: string };
  /** Where the DM endpoint for phones that speak DM over HTTP listens (default 127.0.0.1, a free port; [] for none). */
  dmListen?: DmListenAddress[];
  /** Where receipts are printed (default: this computer's print system, CUPS on Linux and macOS). */
  printer?: Printer;
  log?: (line: string) => void;
}

