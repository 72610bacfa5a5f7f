/**
 * keepBothPollDirections: serialport's unix poller restarts its watch with only the direction
 * just asked for. After the correction, every poll asks for each direction someone waits on.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { keepBothPollDirections } from '../../../src/main/links/serial';

const READABLE = 0b01;
const WRITABLE = 0b10;

/** Shaped like @serialport/bindings-cpp's Poller: once() polls first, then registers its listener. */
class FakePoller extends EventEmitter {
  /** The event masks handed to the native watch, in order; each replaces the one before. */
  watched: number[] = [];
  poll(flags: number): void {
    this.watched.push(flags);
  }
  override once(event: string, cb: (...args: unknown[]) => void): this {
    this.poll(event === 'readable' ? READABLE : WRITABLE);
    return super.once(event, cb);
  }
}

describe('keepBothPollDirections', () => {
  it('without the correction a reader re-arming cancels a waiting writer (the stall)', () => {
    const p = new FakePoller();
    p.once('writable', () => undefined);
    p.once('readable', () => undefined);
    expect(p.watched.at(-1)! & WRITABLE).toBe(0);
  });

  it('keeps a waiting writer watched when the reader re-arms, and the reverse', () => {
    const p = new FakePoller();
    keepBothPollDirections(p);
    p.once('writable', () => undefined);
    expect(p.watched.at(-1)).toBe(WRITABLE);
    p.once('readable', () => undefined);
    expect(p.watched.at(-1)).toBe(READABLE | WRITABLE);
    // The writer is served: only the reader still waits, so only it is watched next time.
    p.emit('writable', null);
    p.poll(0);
    expect(p.watched.at(-1)).toBe(READABLE);
    p.once('writable', () => undefined);
    expect(p.watched.at(-1)).toBe(READABLE | WRITABLE);
    p.emit('readable', null);
    p.emit('writable', null);
    p.poll(0);
    expect(p.watched.at(-1)).toBe(0);
  });
});
