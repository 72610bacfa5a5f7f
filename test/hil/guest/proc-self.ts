/** What this process uses, read from /proc in the guest: CPU time, and the devices it holds open. */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** CPU ticks used so far: utime and stime, fields 14 and 15 of /proc/self/stat (after the parenthesised name). */
export function cpuTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The files under `prefix` (e.g. /dev/ttyUSB) this process holds open. */
export function heldOpen(prefix: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(prefix)) out.push(target);
    } catch {
      // The descriptor closed while being looked at.
    }
  }
  return out;
}
