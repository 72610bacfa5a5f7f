/** The settings screen's rows of DM endpoint addresses and the two settings lists they stand for. */
import { describe, expect, it } from 'vitest';
import { dmEndpointChanged, dmRowsOf, dmSettingsOf } from '../../../src/renderer/screens/admin/dm-endpoint-rows';
import { DEFAULT_SETTINGS } from '../../../src/shared/schemas';

describe('DM endpoint rows', () => {
  it('show each address once, cable addresses marked, and go back to the same two lists', () => {
    const s = { dmListen: ['127.0.0.1:8443'], dmCable: ['usb0:8080'] };
    const rows = dmRowsOf(s);
    expect(rows).toEqual([
      { address: '127.0.0.1:8443', cable: false },
      { address: 'usb0:8080', cable: true },
    ]);
    expect(dmSettingsOf(rows)).toEqual(s);
  });

  it('drop empty rows and trim what was typed; a mark moves the address to the cable list', () => {
    expect(dmSettingsOf([{ address: '  ', cable: true }, { address: ' usb0:80 ', cable: true }, { address: '', cable: false }])).toEqual({ dmListen: [], dmCable: ['usb0:80'] });
  });

  it('tell when a save changes what the endpoint reads at its next start', () => {
    expect(dmEndpointChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, shopName: 'A' })).toBe(false);
    expect(dmEndpointChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, dmCable: ['usb0:80'] })).toBe(true);
    expect(dmEndpointChanged(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, dmKeyFile: '/k.pem' })).toBe(true);
  });
});
