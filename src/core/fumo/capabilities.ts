/**
 * What the kiosk learns of a phone in its session (step 4 of the flow): DevInfo from package 1,
 * then Gets of DevDetail (FwV, LrgObj), battery, external power, free space and the FUMO
 * object's location. Shared by the bench's identification and the update job, so both read and
 * parse the same values the same way.
 */
import { KioskError } from '../errors';
import type { ItemData } from '../dm/model';
import type { DeviceFacts, DeviceNodeMap, FumoSession } from './ports';

export const FUMO_MO_URN = 'urn:oma:mo:oma-fumo:1.0';
const DEFAULT_FUMO_ROOTS = ['./FUMO', './FwUpdate', './ManagedObjects/FUMO', './Vendor/FUMO', './Vendor'];

/** The part of a session capability reads need. */
export type FactsSession = Pick<FumoSession, 'get' | 'hello'>;

export function textOf(data: ItemData | undefined): string | undefined {
  if (data === undefined) return undefined;
  return typeof data === 'string' ? data : new TextDecoder().decode(data);
}

/** A boolean node as phones write it ("true", "1", "AC", "charging", ...); undefined when unknown. */
export function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', 'ac', 'usb', 'charging', 'external'].includes(s)) return true;
  if (['false', '0', 'no', 'off', 'battery', 'none'].includes(s)) return false;
  return undefined;
}

export function parseNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number.parseFloat(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The value of one node as text, or undefined when the phone answers with an error status. */
export async function getText(session: Pick<FumoSession, 'get'>, uri: string): Promise<string | undefined> {
  const results = await session.get([uri]);
  for (const r of results) {
    if (r.status < 200 || r.status >= 300) continue;
    const v = r.values.find((x) => x.uri === uri) ?? r.values[0];
    if (v) return textOf(v.data);
  }
  return undefined;
}

/** `<fumo>/State` as a number (FUMO state codes: 10 idle ... 100 update successful). */
export async function readFumoState(session: Pick<FumoSession, 'get'>, fumoUri: string): Promise<number | undefined> {
  return parseNumber(await getText(session, `${fumoUri}/State`));
}

/** Battery, external power and free space: the values pre-flight decides on. */
export interface PowerAndSpace {
  batteryPercent?: number | undefined;
  externalPower?: boolean | undefined;
  freeBytes?: number | undefined;
}

export async function readPowerAndSpace(session: Pick<FumoSession, 'get'>, nodes: DeviceNodeMap): Promise<PowerAndSpace> {
  const battery = nodes.batteryUri ? parseNumber(await getText(session, nodes.batteryUri)) : undefined;
  const power = nodes.externalPowerUri ? parseBool(await getText(session, nodes.externalPowerUri)) : undefined;
  const free = nodes.freeSpaceUri ? parseNumber(await getText(session, nodes.freeSpaceUri)) : undefined;
  return { batteryPercent: battery, externalPower: power, freeBytes: free };
}

/**
 * Everything the job needs to know of the phone. `locateFumo: false` skips the search for the
 * FUMO object and trusts the profile's location (the bench's quick look).
 */
export async function readDeviceFacts(session: FactsSession, nodes: DeviceNodeMap, options: { locateFumo?: boolean } = {}): Promise<DeviceFacts> {
  const info = session.hello.devInfo;
  const fw = await getText(session, './DevDetail/FwV');
  if (fw === undefined) throw new KioskError('PROTOCOL_ERROR', { detail: 'the phone did not report ./DevDetail/FwV' });
  const lrg = parseBool(await getText(session, './DevDetail/LrgObj')) ?? false;
  const power = await readPowerAndSpace(session, nodes);
  // The profile's location is a hint: check its Type, and search when it is wrong.
  const hinted = nodes.fumoUri;
  let fumoUri = hinted ?? '';
  if (options.locateFumo !== false) fumoUri = hinted !== undefined && (await isFumo(session, hinted)) ? hinted : await discoverFumo(session, nodes);
  return {
    devId: session.hello.devId,
    manufacturer: info.Man ?? '',
    model: info.Mod ?? '',
    fwVersion: fw,
    language: info.Lang,
    largeObjects: lrg,
    fumoUri,
    ...power,
  };
}

async function isFumo(session: FactsSession, uri: string): Promise<boolean> {
  const type = await getText(session, `${uri}?prop=Type`).catch(() => undefined);
  // Devices without property support answer 404/406 to ?prop: trust the profile then, unless the node is missing.
  if (type !== undefined) return type === FUMO_MO_URN;
  return (await getText(session, `${uri}/State`).catch(() => undefined)) !== undefined;
}

/** Find the FUMO MO by asking interior nodes for their Type. */
async function discoverFumo(session: FactsSession, nodes: DeviceNodeMap): Promise<string> {
  const roots = nodes.fumoSearchRoots ?? DEFAULT_FUMO_ROOTS;
  for (const root of roots) {
    if ((await getText(session, `${root}?prop=Type`)) === FUMO_MO_URN) return root;
    const list = await getText(session, root);
    if (!list) continue;
    for (const child of list.split('/').map((s) => s.trim()).filter(Boolean)) {
      const uri = `${root}/${child}`;
      if ((await getText(session, `${uri}?prop=Type`)) === FUMO_MO_URN) return uri;
    }
  }
  throw new KioskError('PROTOCOL_ERROR', { detail: `no FUMO object (${FUMO_MO_URN}) found on the phone` });
}
