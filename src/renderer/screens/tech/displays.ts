/**
 * Noticing a customer display in another window. Electron opens the customer window on a second
 * display when one is attached (src/main/hosts/electron/main.ts); in the browser a second tab or
 * window on #/customer plays that part. Both are the same origin, so a BroadcastChannel reaches
 * them: the stand-alone customer area says "here" when it starts and when asked, "gone" when it
 * closes; the bench asks when it starts. No answer means one screen (see takesThisScreen).
 */
import { useEffect, useState } from 'react';

const CHANNEL = 'fumo-kiosk.displays';
type Message = { kind: 'customer-here' | 'customer-gone' | 'who-is-there'; from: string };

function openChannel(): BroadcastChannel | null {
  return typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
}

const selfId = Math.random().toString(36).slice(2);

/** The bench side: true while at least one customer display window is open elsewhere. */
export function useCustomerDisplayElsewhere(): boolean {
  const [present, setPresent] = useState<ReadonlySet<string>>(() => new Set());
  useEffect(() => {
    const ch = openChannel();
    if (!ch) return;
    ch.onmessage = (e: MessageEvent<Message>) => {
      const m = e.data;
      if (!m || m.from === selfId) return;
      if (m.kind === 'customer-here') setPresent((s) => (s.has(m.from) ? s : new Set(s).add(m.from)));
      if (m.kind === 'customer-gone')
        setPresent((s) => {
          if (!s.has(m.from)) return s;
          const next = new Set(s);
          next.delete(m.from);
          return next;
        });
    };
    ch.postMessage({ kind: 'who-is-there', from: selfId } satisfies Message);
    return () => ch.close();
  }, []);
  return present.size > 0;
}

/** The stand-alone customer window's side: announce it to any bench. */
export function useAnnounceCustomerDisplay(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const ch = openChannel();
    if (!ch) return;
    const here = () => ch.postMessage({ kind: 'customer-here', from: selfId } satisfies Message);
    const gone = () => ch.postMessage({ kind: 'customer-gone', from: selfId } satisfies Message);
    ch.onmessage = (e: MessageEvent<Message>) => {
      if (e.data?.kind === 'who-is-there') here();
    };
    here();
    window.addEventListener('pagehide', gone);
    return () => {
      window.removeEventListener('pagehide', gone);
      gone();
      ch.close();
    };
  }, [active]);
}
