/**
 * Opening a serial port: a held (locked) port is retried with backoff and then named
 * CABLE_UNPLUGGED; a port freed during the backoff opens; a port without permission is
 * PERMISSION_DENIED naming the fix.
 */
import { chmodSync, statSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair, type PtyPair } from '../../../src/simulator/links/pty';
import { loadProfiles } from '../../../src/transport/profiles';
import { openSerialLink } from '../../../src/main/links/serial';

const profile = loadProfiles().find((p) => p.id === 'generic-serial')!;

function holdPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, lock: true });
  return new Promise((resolve, reject) => port.open((e) => (e ? reject(e) : resolve(port))));
}

describe('openSerialLink opening rules', () => {
  let pty: PtyPair | undefined;
  afterEach(async () => {
    await pty?.close();
    pty = undefined;
  });

  it('retries a busy port, then reports CABLE_UNPLUGGED; succeeds when the port frees up in time', async () => {
    pty = await createPtyPair();
    const holder = await holdPort(pty.hostPath);
    await expect(openSerialLink(pty.hostPath, profile, { retries: 2, backoffMs: 20 })).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
    // Free the port during the backoff: the next attempt opens it.
    const opening = openSerialLink(pty.hostPath, profile, { retries: 5, backoffMs: 100 });
    setTimeout(() => holder.close(), 50);
    const link = await opening;
    expect(link.kind).toBe('serial');
    await link.close();
  });

  // root opens any port whatever its mode, so this runs only for an ordinary user.
  it.skipIf(process.getuid?.() === 0)('a port the user may not open is PERMISSION_DENIED with the udev rule and the fumo-kiosk group named', async () => {
    pty = await createPtyPair();
    const mode = statSync(pty.hostPath).mode & 0o777;
    chmodSync(pty.hostPath, 0o000);
    try {
      const err = await openSerialLink(pty.hostPath, profile, { retries: 0 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PERMISSION_DENIED' });
      expect((err as Error).message).toContain(pty.hostPath);
      expect((err as Error).message).toContain('70-fumo-kiosk.rules');
      expect((err as Error).message).toContain('usermod -aG fumo-kiosk');
      expect((err as Error).message).not.toContain('usermod -aG dialout');
    } finally {
      chmodSync(pty.hostPath, mode);
    }
  });
});
