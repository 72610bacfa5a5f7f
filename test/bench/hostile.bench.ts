/**
 * memory.hostile_phone_peak_rss_MB  peak RSS (VmHWM, MB) of a process whose kiosk-side OBEX
 *     link (the kiosk's receive ceiling, KIOSK_RECEIVE_CEILING_BYTES) faces, one after the other, a phone offering
 *     1 GB in one object, a phone streaming one reply without end, and one streaming one PUT
 *     without end to a kiosk that is the OBEX server; each must fail DEVICE_MESSAGE_TOO_LARGE.
 *     Over an in-memory byte stream pair, so the phone is as fast as the CPU allows.
 *
 * Run: npx tsx test/bench/run.ts --only hostile
 */
import { readFileSync } from 'node:fs';
import { KIOSK_RECEIVE_CEILING_BYTES } from '../../src/core/dm/limits';
import { isKioskError } from '../../src/core/errors';
import { createMemoryByteStreamPair } from '../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../src/core/obex/dm-channel';
import { HostileObexPeer, type HostileObexMode } from '../../src/simulator/faults';
import type { BenchResult, BenchSuite } from './types';

const MIB_TO_MB = 1.048576;

/** Peak resident set of this process in MiB (VmHWM is in KiB). */
function vmHwmMiB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

async function face(mode: HostileObexMode, kioskRole: 'client' | 'server'): Promise<{ sent: number; code: string }> {
  const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
  const peer = new HostileObexPeer(phoneEnd, { mode, role: kioskRole === 'client' ? 'server' : 'client' });
  const kiosk = createObexDmLink(kioskEnd, { role: kioskRole, kind: 'memory', maxMessageBytes: KIOSK_RECEIVE_CEILING_BYTES });
  const err = await kiosk.receive().then(
    () => undefined,
    (e: unknown) => e,
  );
  await peer.stoppedPromise;
  await kiosk.close().catch(() => undefined);
  return { sent: peer.sentBytes, code: isKioskError(err) ? err.code : String(err) };
}

const suite: BenchSuite = {
  name: 'hostile',
  async run(): Promise<BenchResult[]> {
    const baseline = vmHwmMiB();
    const runs = [
      { what: '1 GB offer', ...(await face('huge-object', 'client')) },
      { what: 'endless reply', ...(await face('endless-reply', 'client')) },
      { what: 'endless PUT', ...(await face('endless-reply', 'server')) },
    ];
    const bad = runs.filter((r) => r.code !== 'DEVICE_MESSAGE_TOO_LARGE');
    if (bad.length > 0) throw new Error(`hostile phone not refused: ${bad.map((r) => `${r.what} ended ${r.code}`).join(', ')}`);
    const peak = vmHwmMiB();
    return [
      {
        name: 'memory.hostile_phone_peak_rss_MB',
        value: Math.round(peak * MIB_TO_MB * 10) / 10,
        unit: 'MB',
        target: '< 200',
        note: `VmHWM; before ${(baseline * MIB_TO_MB).toFixed(0)} MB; phone sent ${runs.map((r) => `${r.what} ${(r.sent / 1e6).toFixed(1)} MB`).join(', ')} before DEVICE_MESSAGE_TOO_LARGE`,
      },
    ];
  },
};

export default suite;
