/** What a kiosk uses unless told otherwise: its device scanner, its device profiles, its DM ServerID. */
import { loadProfiles, type DeviceProfile } from '../../transport/profiles';
import { DeviceScanner, serialAdapter, simulatedAdapter, usbAdapter, type SerialAdapterOptions } from '../links/scanner';
import type { Actor } from '../store';
import type { DeviceSource } from './kiosk-service-options';

/**
 * The scanner a kiosk uses unless told otherwise: serial ports and USB; serial ports an
 * administrator assigned are reported too, and every scan's listing goes to `onListing`. The machine's registry
 * of simulated phones (a world-writable folder) is read only when asked for under the demo's
 * trust policy (the two-terminal demo); the demo's own phones come through their own source.
 */
export function defaultScanner(watchSimRegistry: boolean, serialPorts: readonly string[], assignments: Pick<SerialAdapterOptions, 'isAssigned' | 'onListing'> = {}): DeviceSource {
  const scanner = new DeviceScanner([serialAdapter({ assignedPorts: serialPorts, ...assignments }), usbAdapter(), ...(watchSimRegistry ? [simulatedAdapter()] : [])]);
  return scanner as unknown as DeviceSource;
}

/** The kiosk's DM ServerID unless one is configured. */
export const DEFAULT_SERVER_ID = 'fumo-kiosk';

/** The installed device profiles; none when they cannot be read. */
export function safeProfiles(): DeviceProfile[] {
  try {
    return loadProfiles();
  } catch {
    return [];
  }
}

/** The technician recorded for actions taken on the command line. */
export const TECH_ACTOR: Actor = { name: 'technician', role: 'technician' };

