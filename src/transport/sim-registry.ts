/**
 * Simulated phones announce themselves here so a kiosk finds them whatever its data folder:
 * one JSON file per device in $FUMO_SIM_REGISTRY or <tmpdir>/fumo-kiosk-sim. An entry whose
 * simulator process is gone is stale and ignored.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SimulatedLinkKind = 'serial' | 'usb' | 'http';

export interface SimulatedDeviceEntry {
  /** Unique and file-name safe, e.g. "sim-12345-1". */
  id: string;
  linkKind: SimulatedLinkKind;
  /** pty path for serial (the kiosk's end), stand-in name for usb. */
  path?: string;
  /** DM endpoint for http. */
  url?: string;
  /** Device profile id, e.g. "reference-serial". */
  profileId: string;
  /** The DevId the simulator will report, e.g. "IMEI:493005100592800". */
  devIdHint?: string;
  /** Pid of the simulator process. */
  pid: number;
  announcedAt: string;
}

export function simRegistryDir(): string {
  return process.env['FUMO_SIM_REGISTRY'] || join(tmpdir(), 'fumo-kiosk-sim');
}

function fileFor(dir: string, id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new Error(`simulated device id "${id}" must be letters, digits, dot, dash or underscore`);
  return join(dir, `${id}.json`);
}

/** Write (or replace) this device's entry; returns the file written. */
export function announceSimulatedDevice(
  entry: Omit<SimulatedDeviceEntry, 'pid' | 'announcedAt'> & { pid?: number },
  dir: string = simRegistryDir(),
): string {
  mkdirSync(dir, { recursive: true });
  const full: SimulatedDeviceEntry = { ...entry, pid: entry.pid ?? process.pid, announcedAt: new Date().toISOString() };
  const file = fileFor(dir, entry.id);
  const tmp = `${file}.${process.pid}.tmp`;
  // Write then rename, so a watcher never reads half a file.
  writeFileSync(tmp, JSON.stringify(full, null, 2) + '\n');
  renameSync(tmp, file);
  return file;
}

export function withdrawSimulatedDevice(id: string, dir: string = simRegistryDir()): void {
  rmSync(fileFor(dir, id), { force: true });
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isEntry(v: unknown): v is SimulatedDeviceEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e['id'] === 'string' &&
    (e['linkKind'] === 'serial' || e['linkKind'] === 'usb' || e['linkKind'] === 'http') &&
    typeof e['profileId'] === 'string' &&
    typeof e['pid'] === 'number'
  );
}

/** Live entries (stale and unreadable files are skipped). */
export function listSimulatedDevices(dir: string = simRegistryDir()): SimulatedDeviceEntry[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: SimulatedDeviceEntry[] = [];
  for (const f of files.sort()) {
    try {
      const v: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      if (isEntry(v) && isProcessAlive(v.pid)) out.push(v);
    } catch {
      // being written or removed right now: the next scan sees it
    }
  }
  return out;
}
