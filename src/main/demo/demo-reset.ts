/**
 * `--demo --reset`: the demo starts from a fresh data folder, so it can be replayed (after one
 * run no phone is left to update). Only a folder the demo made is removed: one that holds the
 * demo phones' state (demo-phones/), or nothing at all. Any other folder is refused, so a real
 * kiosk's history is never removed by a mistyped --data.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';

/** The folder the demo keeps its simulated phones' state in (see demo-kiosk.ts). */
export const DEMO_PHONES_DIR = 'demo-phones';

export type DemoResetOutcome = { reset: true; removed: boolean } | { reset: false; reason: string };

export function resetDemoData(dataDir: string): DemoResetOutcome {
  if (!existsSync(dataDir)) return { reset: true, removed: false };
  const entries = readdirSync(dataDir);
  if (entries.length === 0) return { reset: true, removed: false };
  if (!entries.includes(DEMO_PHONES_DIR)) {
    return { reset: false, reason: `${dataDir} is not a demo data folder (it has no ${DEMO_PHONES_DIR}/), so it is kept; give --reset only with the demo's own folder` };
  }
  rmSync(dataDir, { recursive: true, force: true });
  return { reset: true, removed: true };
}
