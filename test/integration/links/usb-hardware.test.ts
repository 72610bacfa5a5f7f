/**
 * Real USB hardware: runs only with FUMO_USB_TEST_DEVICE=vid:pid (hex) set, for a phone whose
 * VID/PID is in a usb-kind device profile. Opens the profile's interface through the `usb`
 * package's WebUSB and completes an OBEX CONNECT to SYNCML-DM (the kiosk as OBEX client) or
 * waits for the phone's first message (the kiosk as OBEX server).
 */
import { describe, expect, it } from 'vitest';
import type { ObexDmLink } from '../../../src/core/obex/dm-channel';
import { findProfile } from '../../../src/transport/profiles';
import { findWebUsbDevice, openUsbLink } from '../../../src/main/links/usb';

const spec = process.env['FUMO_USB_TEST_DEVICE'];

describe.skipIf(!spec)('USB hardware (FUMO_USB_TEST_DEVICE=vid:pid)', () => {
  it('opens the profile interface and speaks OBEX to the phone', async () => {
    const [vidHex, pidHex] = (spec ?? '').split(':');
    const vid = parseInt(vidHex ?? '', 16);
    const pid = parseInt(pidHex ?? '', 16);
    const profile = findProfile(vid, pid);
    expect(profile, `no device profile for ${spec}`).toBeDefined();
    const device = await findWebUsbDevice(vid, pid);
    expect(device, `no USB device ${spec} attached`).toBeDefined();
    const link = (await openUsbLink(device!, profile!)) as ObexDmLink;
    try {
      if (link.role === 'client') {
        await link.connect();
        expect(link.info.connected).toBe(true);
      } else {
        const first = await link.receive({ timeoutMs: 60_000 });
        expect(first.body.length).toBeGreaterThan(0);
      }
    } finally {
      await link.close();
    }
  });
});
