/**
 * The DM endpoint's addresses as the settings screen shows them: one row per address, with the
 * mark that it is a phone cable's own interface (plain HTTP). The settings keep them in two lists
 * (dmListen, dmCable), as the --dm-listen and --dm-cable flags do.
 */
import type { Settings } from '../../../shared/api';

export interface DmAddressRow {
  address: string;
  cable: boolean;
}

export function dmRowsOf(s: Pick<Settings, 'dmListen' | 'dmCable'>): DmAddressRow[] {
  return [...s.dmListen.map((address) => ({ address, cable: false })), ...s.dmCable.map((address) => ({ address, cable: true }))];
}

/** The rows back as the two lists; empty rows are dropped. */
export function dmSettingsOf(rows: readonly DmAddressRow[]): Pick<Settings, 'dmListen' | 'dmCable'> {
  const filled = rows.map((r) => ({ address: r.address.trim(), cable: r.cable })).filter((r) => r.address !== '');
  return { dmListen: filled.filter((r) => !r.cable).map((r) => r.address), dmCable: filled.filter((r) => r.cable).map((r) => r.address) };
}

const DM_KEYS = ['dmListen', 'dmCable', 'dmCertFile', 'dmKeyFile'] as const;

/** Whether a save changes what the DM endpoint reads when the kiosk next starts. */
export function dmEndpointChanged(before: Settings, after: Settings): boolean {
  return DM_KEYS.some((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}
