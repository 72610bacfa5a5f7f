/** The reference device: a simulated phone with a DM client, a DM tree, FUMO, a user and faults. */
export { SimulatedDevice, DEFAULT_PROFILE, engineSessionRunner } from './device';
export type {
  DeviceConnection,
  LinkFactory,
  ServerAccount,
  SessionRecord,
  SessionRunner,
  SimulatedDeviceOptions,
  SimulatorProfile,
  SmartCardData,
} from './device';
export { startSimulation, demoDeviceSpecs, defaultServerAccount, referenceProfile, simulatorProfileFrom } from './simulation';
export type { DeviceSpec, SimulatedDeviceHandle, SimulationHandle, SimulationOptions } from './simulation';
export { parseFaults, formatFaults, FaultSet, type Fault } from './faults';
export { ScriptedUser, InteractiveUser, VoiceCall, type SimulatedUser, type UserAnswer } from './user';
export { getUsbStandIn, makeLinkFactory, openPtyByteStream, type SimulatedLinkKind } from './transports';
export { FumoState, FumoResult, FUMO_URN } from './fumo';
export { simulatedDevId, isValidImei } from './identity';
