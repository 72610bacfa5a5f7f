/**
 * endReadsOnHangup: a real tty whose USB device is pulled while open reads 0 bytes at once and
 * for ever. The reader must end with a disconnect error (serialport then closes the port and
 * emits 'close'), not retry: retrying is the 100 % CPU spin seen on a guest's ftdi_sio and
 * cdc-acm ports.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { endReadsOnHangup } from '../../../src/main/links/serial';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

class FakeBinding {
  isOpen = true;
  fd: number | null = 7;
  poller = new EventEmitter();
  async read(_buffer: Buffer, _offset: number, _length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
    throw new Error('replaced by endReadsOnHangup');
  }
}

/** A descriptor that answers each read with the next scripted outcome; counts the reads. */
function scripted(outcomes: Array<number | string>): { read: (fd: number, b: Buffer, o: number, l: number) => Promise<number>; calls: () => number } {
  let calls = 0;
  return {
    read: async (_fd, buffer, offset) => {
      const next = outcomes[calls++];
      if (next === undefined) throw new Error('read past the script (the reader retried a hang-up)');
      if (typeof next === 'string') throw errno(next);
      buffer.fill(0x41, offset, offset + next);
      return next;
    },
    calls: () => calls,
  };
}

describe('endReadsOnHangup', () => {
  it('returns the bytes of a normal read', async () => {
    const b = new FakeBinding();
    const fd = scripted([5]);
    endReadsOnHangup(b, fd.read);
    const r = await b.read(Buffer.alloc(16), 0, 16);
    expect(r.bytesRead).toBe(5);
    expect(r.buffer.subarray(0, 5).toString()).toBe('AAAAA');
  });

  it('ends a zero-byte read with a disconnect error after one read, without retrying', async () => {
    const b = new FakeBinding();
    const fd = scripted([0]);
    endReadsOnHangup(b, fd.read);
    const err = await b.read(Buffer.alloc(16), 0, 16).then(
      () => undefined,
      (e: unknown) => e as Error & { disconnect?: boolean; code?: string },
    );
    expect(err?.disconnect).toBe(true);
    expect(err?.code).toBe('ENXIO');
    expect(fd.calls()).toBe(1);
  });

  it('waits for readable on EAGAIN and reads again once the poller says so', async () => {
    const b = new FakeBinding();
    const fd = scripted(['EAGAIN', 3]);
    endReadsOnHangup(b, fd.read);
    const waiting = new Promise<void>((resolve) => b.poller.on('newListener', (e) => e === 'readable' && resolve()));
    const r = b.read(Buffer.alloc(16), 0, 16);
    await waiting;
    expect(fd.calls()).toBe(1);
    b.poller.emit('readable', null);
    expect((await r).bytesRead).toBe(3);
    expect(fd.calls()).toBe(2);
  });

  it('marks EIO and ENXIO from a gone device as a disconnect, and refuses a closed port', async () => {
    for (const code of ['EIO', 'ENXIO', 'EBADF']) {
      const b = new FakeBinding();
      endReadsOnHangup(b, scripted([code]).read);
      const err = (await b.read(Buffer.alloc(4), 0, 4).catch((e: unknown) => e)) as { disconnect?: boolean; code?: string };
      expect(err.code).toBe(code);
      expect(err.disconnect).toBe(true);
    }
    const closed = new FakeBinding();
    closed.isOpen = false;
    const fd = scripted([4]);
    endReadsOnHangup(closed, fd.read);
    const err = (await closed.read(Buffer.alloc(4), 0, 4).catch((e: unknown) => e)) as { canceled?: boolean };
    expect(err.canceled).toBe(true);
    expect(fd.calls()).toBe(0);
  });
});
