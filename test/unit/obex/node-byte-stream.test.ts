/**
 * A Node stream adapter that overflows its hold (bytes from the device with nobody reading)
 * closes with DEVICE_MESSAGE_TOO_LARGE and stops reading from the device: it pauses the readable
 * and runs the transport's teardown (or destroys the readable when there is none).
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../../src/core/errors';
import { nodeByteStream } from '../../../src/transport/node-byte-stream';

describe('nodeByteStream hold bound', () => {
  it('closes with DEVICE_MESSAGE_TOO_LARGE and tears the transport down', async () => {
    const device = new PassThrough();
    let teardowns = 0;
    const stream = nodeByteStream(device, new PassThrough(), { maxHeldBytes: 1000, onClose: () => void teardowns++ });
    const closed = new Promise<Error | undefined>((resolve) => stream.onClose(resolve));
    device.write(Buffer.alloc(600));
    device.write(Buffer.alloc(600));
    const error = await closed;
    expect(isKioskError(error) && error.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(teardowns).toBe(1);
    expect(device.isPaused()).toBe(true);
  });

  it('without a teardown of its own, destroys the readable', async () => {
    const device = new PassThrough();
    const stream = nodeByteStream(device, new PassThrough(), { maxHeldBytes: 10 });
    const closed = new Promise<Error | undefined>((resolve) => stream.onClose(resolve));
    device.write(Buffer.alloc(11));
    expect(isKioskError(await closed)).toBe(true);
    await expect.poll(() => device.destroyed).toBe(true);
  });
});
