/**
 * What the `devices` and `update` commands share: opening the kiosk service on a data folder,
 * waiting for the scanner's first look at the ports, and formatting device lines.
 */
import { maskDevId } from '../../shared/api';
import type { DeviceView } from '../../shared/schemas';
import { importDemoCatalog } from '../demo/demo-catalog';
import { demoTrust } from '../demo/demo-trust';
import { createKioskService, type KioskService, type KioskServiceOptions } from './kiosk-service';

export interface OpenedKiosk {
  service: KioskService;
  close(): Promise<void>;
}

/**
 * Start the service and wait until the devices present now are attached and identified:
 * `scanMs` without a new device, then every identification finished.
 */
export async function openKioskForCli(options: Omit<KioskServiceOptions, 'demo'> & { scanMs?: number; demo?: boolean }): Promise<OpenedKiosk> {
  const debug = process.env['FUMO_KIOSK_DEBUG'] ? (line: string) => process.stderr.write(`[kiosk] ${line}\n`) : undefined;
  // --demo: the simulated phones of `fumo-kiosk simulate` are let in (the two-terminal demo).
  const { demo, ...rest } = options;
  const trusting = demo ? { trust: demoTrust(), watchSimRegistry: true } : {};
  const service = await createKioskService({ ...(debug ? { log: debug } : {}), ...rest, ...trusting });
  const quiet = options.scanMs ?? 1500;
  await new Promise<void>((resolve) => {
    let timer = setTimeout(resolve, quiet);
    const again = (): void => {
      clearTimeout(timer);
      timer = setTimeout(resolve, quiet);
    };
    service.on('device:attached', again);
    service.on('device:updated', again);
    void new Promise((r) => setTimeout(r, quiet * 10)).then(() => resolve());
  });
  await service.settled();
  return { service, close: () => service.close() };
}

/** The demo catalogue for a kiosk whose catalogue is empty and that sees only simulated phones. */
export async function demoCatalogForSimulatedPhones(service: KioskService): Promise<boolean> {
  if (service.store.catalog.list().length > 0) return false;
  const devices = service.listDevices();
  if (devices.length === 0 || devices.some((d) => !d.simulated)) return false;
  await importDemoCatalog(service.store);
  return true;
}

export function deviceLine(d: DeviceView): string {
  const id = d.devId ?? '(not identified)';
  const model = d.model ?? '?';
  const version = d.fwVersion ?? '?';
  const target = d.targetVersion ? ` -> ${d.targetVersion}` : '';
  const problems = d.problems.length ? `  [${d.problems.map((p) => p.message).join('; ')}]` : '';
  return `${d.portId.padEnd(28)} ${id.padEnd(22)} ${model.padEnd(16)} ${version}${target}  ${d.state}${problems}`;
}

export { maskDevId };
