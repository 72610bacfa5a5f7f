/**
 * Two Links joined back to back in memory, for tests: what one side sends the other receives,
 * in order. Closing either side makes pending and later receives on both sides fail with
 * CABLE_UNPLUGGED. `timeoutMs` on receive uses the real timer (tests that need a fake clock
 * time out through the session's Clock instead).
 */
import { KioskError } from '../errors';
import type { DmPayload, Link, ReceiveOptions } from '../link';

interface Waiter {
  resolve(p: DmPayload): void;
  reject(e: unknown): void;
}

class Mailbox {
  readonly queue: DmPayload[] = [];
  readonly waiters: Waiter[] = [];
  closed = false;

  put(p: DmPayload): void {
    const w = this.waiters.shift();
    if (w) w.resolve(p);
    else this.queue.push(p);
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new KioskError('CABLE_UNPLUGGED'));
  }
}

/** What a memory link saw, for assertions (sizes of every message, per direction). */
export interface MemoryLinkStats {
  sent: DmPayload[];
}

export class MemoryLink implements Link {
  readonly kind = 'memory' as const;
  readonly stats: MemoryLinkStats = { sent: [] };
  /** Keep every sent payload in `stats.sent` (off by default: large transfers). */
  recordSent = false;
  /** Called with every payload sent, e.g. to count sizes without keeping them. */
  onSend: ((p: DmPayload) => void) | undefined;

  constructor(
    readonly id: string,
    private readonly inbox: Mailbox,
    private readonly outbox: Mailbox,
  ) {}

  send(message: DmPayload): Promise<void> {
    if (this.outbox.closed || this.inbox.closed) return Promise.reject(new KioskError('CABLE_UNPLUGGED'));
    // Copy: the sender may reuse its buffer.
    const copy: DmPayload = { ...message, body: message.body.slice() };
    if (this.recordSent) this.stats.sent.push(copy);
    this.onSend?.(copy);
    this.outbox.put(copy);
    return Promise.resolve();
  }

  receive(options: ReceiveOptions = {}): Promise<DmPayload> {
    const ready = this.inbox.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.inbox.closed) return Promise.reject(new KioskError('CABLE_UNPLUGGED'));
    return new Promise<DmPayload>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const i = this.inbox.waiters.indexOf(waiter);
        if (i >= 0) this.inbox.waiters.splice(i, 1);
      };
      const waiter: Waiter = {
        resolve: (p) => {
          done();
          resolve(p);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      const onAbort = (): void => waiter.reject(new KioskError('LINK_TIMEOUT', { detail: 'receive aborted' }));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort);
      if (options.timeoutMs !== undefined) timer = setTimeout(() => waiter.reject(new KioskError('LINK_TIMEOUT')), options.timeoutMs);
      this.inbox.waiters.push(waiter);
    });
  }

  close(): Promise<void> {
    this.inbox.close();
    this.outbox.close();
    return Promise.resolve();
  }
}

/** A joined pair: [server side, client side] (symmetric; the order is only a convention). */
export function createMemoryLinkPair(): [MemoryLink, MemoryLink] {
  const aToB = new Mailbox();
  const bToA = new Mailbox();
  return [new MemoryLink('memory-a', bToA, aToB), new MemoryLink('memory-b', aToB, bToA)];
}
