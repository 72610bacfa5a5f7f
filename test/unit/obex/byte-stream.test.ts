/**
 * ByteStreamEvents holds bytes that arrive before anyone listens and hands them to the first
 * data listener, in order and before newer bytes; a close that comes meanwhile follows them.
 */
import { describe, expect, it } from 'vitest';
import { ByteStreamEvents } from '../../../src/core/obex/byte-stream';

class Events extends ByteStreamEvents {
  constructor(limit?: number) {
    super();
    if (limit !== undefined) this.maxHeldBytes = limit;
  }
}

const b = (...xs: number[]) => new Uint8Array(xs);
const flat = (chunks: Uint8Array[]) => chunks.flatMap((c) => Array.from(c));

/** Resolves after the microtasks queued so far (and those they queue) have run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('ByteStreamEvents', () => {
  it('hands bytes that arrived before the first listener to it, in order, before newer bytes', async () => {
    const s = new Events();
    s.emitData(b(1, 2));
    s.emitData(b(3));
    const got: Uint8Array[] = [];
    s.onData((c) => got.push(c));
    // Still wiring up: nothing delivered synchronously, newer bytes queue behind the held ones.
    expect(got).toEqual([]);
    s.emitData(b(4));
    await settle();
    expect(flat(got)).toEqual([1, 2, 3, 4]);
    s.emitData(b(5));
    expect(flat(got)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports a close that came while bytes were held after those bytes', async () => {
    const s = new Events();
    const order: string[] = [];
    s.emitData(b(9));
    s.onData((c) => order.push(`data ${Array.from(c).join(',')}`));
    s.onClose((e) => order.push(`close ${e?.message ?? ''}`));
    s.emitClose(new Error('gone'));
    expect(s.closed).toBe(true);
    await settle();
    expect(order).toEqual(['data 9', 'close gone']);
  });

  it('a stream that got bytes and closed before anyone listened still delivers both, bytes first', async () => {
    const s = new Events();
    s.emitData(b(7, 8));
    s.emitClose();
    const order: string[] = [];
    s.onData((c) => order.push(`data ${c.length}`));
    s.onClose(() => order.push('close'));
    await settle();
    expect(order).toEqual(['data 2', 'close']);
  });

  it('without held bytes, data goes straight to every listener', () => {
    const s = new Events();
    const a: number[] = [];
    const c: number[] = [];
    s.onData((x) => a.push(...x));
    s.onData((x) => c.push(...x));
    s.emitData(b(1));
    s.emitData(b(2));
    expect(a).toEqual([1, 2]);
    expect(c).toEqual([1, 2]);
  });

  it('never holds more than its limit: a chunk that would pass it is not kept', () => {
    const s = new Events(10);
    s.emitData(new Uint8Array(4));
    expect(s.heldByteCount).toBe(4);
    s.emitData(new Uint8Array(7));
    expect(s.closed).toBe(true);
    expect(s.heldByteCount).toBe(0);
  });

  it('closes with an error rather than hold more than its limit for a listener that never comes', async () => {
    const s = new Events(10);
    let closedWith: Error | undefined;
    s.onClose((e) => (closedWith = e));
    s.emitData(new Uint8Array(6));
    expect(s.closed).toBe(false);
    s.emitData(new Uint8Array(6));
    expect(s.closed).toBe(true);
    expect(closedWith?.message).toMatch(/nobody reading/);
    expect(closedWith).toMatchObject({ code: 'DEVICE_MESSAGE_TOO_LARGE' });
    expect(s.heldByteCount).toBe(0);
    const late: Uint8Array[] = [];
    s.onData((c) => late.push(c));
    await settle();
    expect(late).toEqual([]);
  });
});
