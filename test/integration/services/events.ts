import type { KioskService } from '../../../src/main/services/kiosk-service';

/** Resolves with the first `event` payload that satisfies `test`; rejects after `timeoutMs`. */
export function nextEvent<T>(service: KioskService, event: string, test: (p: T) => boolean, timeoutMs = 240_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      service.off(event, listener);
      reject(new Error(`no '${event}' event matched within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (p: T): void => {
      if (!test(p)) return;
      clearTimeout(timer);
      service.off(event, listener);
      resolve(p);
    };
    service.on(event, listener as (...args: never[]) => void);
  });
}

/** The value of a KioskApi result; a failed call throws with its code and message. */
export function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
