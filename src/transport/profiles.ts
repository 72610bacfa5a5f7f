/**
 * Device profiles: how to reach a phone model over its cable. One JSON file per profile in
 * resources/devices; a VID/PID pair picks the profile, `generic-serial` is the fallback for
 * an unknown USB serial adapter.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const hex4 = z
  .string()
  .regex(/^[0-9a-fA-F]{4}$/)
  .transform((s) => s.toLowerCase());

export const deviceProfileSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  /** USB vendor / product ids (4 hex digits) this profile applies to. */
  match: z.array(z.object({ vid: hex4, pid: hex4 })).default([]),
  linkKind: z.enum(['serial', 'usb', 'http']),
  serial: z
    .object({
      baudRate: z.number().int().positive(),
      flowControl: z.enum(['none', 'rtscts', 'xonxoff']).default('none'),
    })
    .optional(),
  obex: z
    .object({
      /** The kiosk's OBEX role on this cable. */
      kioskRole: z.enum(['client', 'server']),
      maxPacketLength: z.number().int().min(255).max(65535).default(65535),
      srm: z.boolean().default(true),
    })
    .optional(),
  usb: z
    .object({
      interface: z.number().int().min(0),
      alternate: z.number().int().min(0).default(0),
      /** Bulk endpoint numbers; when absent the interface's first bulk in/out endpoints are used. */
      endpointIn: z.number().int().min(1).max(15).optional(),
      endpointOut: z.number().int().min(1).max(15).optional(),
    })
    .optional(),
  /** Where the FUMO object lives in the device's DM tree. */
  fumoPath: z.string().default('./FwUpdate'),
  /** The device continues a cut PkgData transfer (vendor nodes <fumoPath>/Ext/ReceivedBytes and <fumoPath>/Ext/PkgId). */
  resumeDownload: z.boolean().optional(),
  /**
   * The phone can fetch from the kiosk's own HTTP server over this link (e.g. a USB network
   * interface beside the serial cable): updates go by DownloadAndUpdate with a PkgURL. Links of
   * kind 'http' can always do so.
   */
  httpPayload: z.boolean().optional(),
  /**
   * What the technician does to make a phone that the kiosk cannot call (DM over HTTP with no
   * notification channel) connect: shown on its bench card while a job waits for it, per language.
   */
  /**
   * How the kiosk asks a phone on DM over HTTP to open a session: OMA push of package 0 over UDP
   * (WSP connectionless push) to the phone's address on the interface it called from, or
   * package 0 over the phone's OBEX cable when it is plugged in as well (found by its DevId).
   * Without it, or when that cannot be sent, the kiosk waits for the phone's next call (see
   * connectInstruction).
   */
  notification: z
    .discriminatedUnion('channel', [
      z.object({ channel: z.literal('udp-push'), port: z.number().int().min(1).max(65535).default(2948) }),
      z.object({ channel: z.literal('cable') }),
    ])
    .optional(),
  connectInstruction: z.object({ en: z.string().min(1).max(300), de: z.string().min(1).max(300), es: z.string().min(1).max(300) }).optional(),
  batteryNode: z.string().optional(),
  externalPowerNode: z.string().optional(),
  maxMsgSize: z.number().int().positive().default(65536),
  maxObjSize: z.number().int().positive().default(4 * 1024 * 1024),
  encoding: z.enum(['wbxml', 'xml']).default('wbxml'),
});

export type DeviceProfile = z.infer<typeof deviceProfileSchema>;

export const GENERIC_SERIAL_PROFILE_ID = 'generic-serial';

/** resources/devices, found from this module upwards (source tree and bundles alike) or $FUMO_RESOURCES_DIR. */
export function defaultProfilesDir(): string {
  const env = process.env['FUMO_RESOURCES_DIR'];
  if (env) return join(env, 'devices');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources', 'devices');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'resources', 'devices');
}

/** Read and validate every *.json profile in `dir`; throws with the file name on a bad profile. */
export function loadProfiles(dir: string = defaultProfilesDir()): DeviceProfile[] {
  const out: DeviceProfile[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const raw: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const parsed = deviceProfileSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`device profile ${file} is not valid: ${parsed.error.message}`);
    out.push(parsed.data);
  }
  return out;
}

let cached: DeviceProfile[] | undefined;

function defaults(): DeviceProfile[] {
  cached ??= loadProfiles();
  return cached;
}

/** The profile for a USB VID/PID (hex strings, any case, or numbers), or undefined. */
export function findProfile(
  vid: string | number | undefined,
  pid: string | number | undefined,
  profiles: readonly DeviceProfile[] = defaults(),
): DeviceProfile | undefined {
  if (vid === undefined || pid === undefined) return undefined;
  const v = normaliseId(vid);
  const p = normaliseId(pid);
  return profiles.find((pr) => pr.match.some((m) => m.vid === v && m.pid === p));
}

/** A profile by id (e.g. 'generic-serial'). */
export function profileById(id: string, profiles: readonly DeviceProfile[] = defaults()): DeviceProfile | undefined {
  return profiles.find((p) => p.id === id);
}

export function normaliseId(id: string | number): string {
  return (typeof id === 'number' ? id.toString(16) : id.replace(/^0x/i, '')).toLowerCase().padStart(4, '0');
}
