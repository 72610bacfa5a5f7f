/**
 * Changing the settings, for the KioskApi and the command line alike: the store checks each value
 * by its schema; here the DM endpoint's settings are checked together, as the endpoint will read
 * them at its next start (readable PEM files, both or neither, no plain HTTP beyond loopback
 * without a cable's mark), so a value the kiosk would refuse to start with is refused when it is
 * set, with the same message.
 */
import type { SettingsPatch } from '../../shared/schemas';
import type { KioskSettings, SettingsStore } from '../store/settings';
import { checkDmListen, dmListenFromSettings, resolveDmListen, type InterfaceTable } from './dm-endpoint';

const DM_KEYS = ['dmListen', 'dmCable', 'dmCertFile', 'dmKeyFile'] as const;

/** The DM endpoint's settings as they would be served, or an INVALID_REQUEST saying why not. */
export function checkDmSettings(s: Pick<KioskSettings, (typeof DM_KEYS)[number]>, interfaces?: () => InterfaceTable): void {
  const listen = dmListenFromSettings(s);
  if (!listen) return;
  // An interface not there now (the phone is unplugged) is not an error: it is looked up at start.
  checkDmListen(resolveDmListen(listen, interfaces?.()).addresses);
}

/** Validate and store `patch`; returns the new settings. Nothing is stored when a value is refused. */
export function changeSettings(store: SettingsStore, patch: SettingsPatch, interfaces?: () => InterfaceTable): KioskSettings {
  if (DM_KEYS.some((k) => patch[k] !== undefined)) {
    // The store's schema first, so a badly written address gets its own message.
    store.validate(patch);
    checkDmSettings({ ...store.getAll(), ...patch }, interfaces);
  }
  return store.patch(patch);
}
