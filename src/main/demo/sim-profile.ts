import type { DeviceProfile } from '../../transport/profiles';

export const SIMULATED_SERIAL_PROFILE_ID = 'simulated-serial';

/** How the kiosk reaches a simulated phone over its pty: OBEX client, no line rate or flow control to set. */
export const SIMULATED_SERIAL_PROFILE: DeviceProfile = {
  id: SIMULATED_SERIAL_PROFILE_ID,
  name: 'Simulated phone (pty)',
  match: [],
  linkKind: 'serial',
  serial: { baudRate: 115200, flowControl: 'none' },
  obex: { kioskRole: 'client', maxPacketLength: 65535, srm: true },
  fumoPath: './FUMO/FwUpdate',
  resumeDownload: true,
  batteryNode: './DevDetail/Ext/Battery',
  externalPowerNode: './DevDetail/Ext/ExternalPower',
  maxMsgSize: 65536,
  maxObjSize: 4 * 1024 * 1024 * 1024 - 1,
  encoding: 'wbxml',
};
