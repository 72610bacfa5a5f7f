/**
 * Simulated phones as a device source: each phone's pty appears as an attached serial device,
 * again after every reboot or replug. Used by the demo mode and by tests that start their own
 * phones; a kiosk started without them finds phones through the scanner instead.
 */
import { EventEmitter } from 'node:events';
import type { SimulatedDeviceHandle, SimulationHandle } from '../../simulator/simulation';
import { demoDeviceSpecs, startSimulation, type DeviceSpec } from '../../simulator/simulation';
import { simulatedDevId } from '../../simulator/identity';
import { serialLinkFactory, type SimRegistry } from '../../simulator/transports';
import { SIMULATED_SERIAL_PROFILE_ID } from './sim-profile';
import type { DeviceSource, DiscoveredDevice, KioskService } from '../services/kiosk-service';

export class SimulationDeviceSource extends EventEmitter implements DeviceSource {
  private started = false;

  constructor(private readonly handles: readonly SimulatedDeviceHandle[]) {
    super();
  }

  private discovered(h: SimulatedDeviceHandle, address: string): DiscoveredDevice {
    return { portId: `sim:${h.devId}`, linkKind: 'serial', path: address, profileId: SIMULATED_SERIAL_PROFILE_ID, simulated: true, devIdHint: h.devId };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const h of this.handles) {
      h.device.on('connected', (address: string) => this.emit('attach', this.discovered(h, address)));
      h.device.on('disconnected', () => this.emit('detach', { portId: `sim:${h.devId}` }));
      const now = h.address;
      if (now) this.emit('attach', this.discovered(h, now));
    }
  }
}

/**
 * The demo's phones are this kiosk's own: they reach it through {@link SimulationDeviceSource}
 * only and are not announced in the machine's sim registry. Announced, every other kiosk on the
 * machine (another `fumo-kiosk web`, `devices`, `update`, a test run) would find them too and
 * open their pty: the port lock then fails the owner's identification with "cable
 * disconnected", and a stranger that opens the port first after the phone's reboot takes the
 * session carrying the phone's Generic Alert 1226, so the owner's job never learns the result.
 */
export const PRIVATE_SIM_REGISTRY: SimRegistry = {
  announce: () => undefined,
  withdraw: () => undefined,
};

/** The demo's three phones: one up to date, one ready to update, one with a low battery. */
export async function startDemoPhones(service: KioskService, stateDir: string): Promise<SimulationHandle> {
  const sim = await startSimulation({
    devices: demoDeviceSpecs({ model: 'FK-Demo Phone', currentVersion: '1.1.0', latestVersion: '1.2.0' }),
    link: 'serial',
    stateDir,
    linkFactory: () => serialLinkFactory({ registry: PRIVATE_SIM_REGISTRY }),
  });
  for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
  service.addDeviceSource(new SimulationDeviceSource(sim.devices));
  service.demoSimulation = sim;
  return sim;
}

/** An extra demo phone: its cable is pulled once mid-transfer and plugged back after `replugDelayMs`. */
export interface CablePulledPhoneOptions {
  /** Index for its DevId (0..2 are the demo's own three phones). */
  index?: number;
  /** The byte of the package at which the cable is pulled. */
  atByte?: number;
  /** How long the phone stays unplugged, so the problem can be seen before it comes back. */
  replugDelayMs?: number;
}

/**
 * Add phones to a running demo kiosk, e.g. one with a cable pulled mid-update (fault
 * disconnect-at). Additive to {@link startDemoPhones}; the caller stops the returned simulation.
 */
export async function addDemoPhones(service: KioskService, stateDir: string, devices: DeviceSpec[]): Promise<SimulationHandle> {
  const sim = await startSimulation({
    devices,
    link: 'serial',
    stateDir,
    linkFactory: () => serialLinkFactory({ registry: PRIVATE_SIM_REGISTRY }),
  });
  for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
  const source = new SimulationDeviceSource(sim.devices);
  service.addDeviceSource(source);
  source.start();
  return sim;
}

/** The spec of a demo phone (1.1.0, ready to update) whose cable is pulled once mid-transfer. */
export function cablePulledPhoneSpec(options: CablePulledPhoneOptions = {}): DeviceSpec {
  return {
    devId: simulatedDevId(options.index ?? 3),
    model: 'FK-Demo Phone',
    fwVersion: '1.1.0',
    label: 'cable pulled',
    faults: [{ kind: 'disconnect-at', byte: options.atByte ?? 60_000 }],
    profile: { replugDelayMs: options.replugDelayMs ?? 8_000 },
  };
}
