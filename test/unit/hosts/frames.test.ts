import { describe, expect, it } from 'vitest';
import { isAllowedNavigation, isTrustedFrame } from '../../../src/main/hosts/electron/frames';

describe('Electron IPC sender check', () => {
  it('trusts only the top frame of app://kiosk', () => {
    expect(isTrustedFrame({ url: 'app://kiosk/index.html#/tech', parent: null })).toBe(true);
    expect(isTrustedFrame({ url: 'app://kiosk/index.html', parent: {} })).toBe(false);
    expect(isTrustedFrame({ url: 'app://evil/index.html', parent: null })).toBe(false);
    expect(isTrustedFrame({ url: 'file:///work/main/dist/renderer/index.html', parent: null })).toBe(false);
    expect(isTrustedFrame({ url: 'https://kiosk/index.html', parent: null })).toBe(false);
    expect(isTrustedFrame({ url: 'not a url', parent: null })).toBe(false);
    expect(isTrustedFrame(null)).toBe(false);
  });

  it('allows navigation only inside the app', () => {
    expect(isAllowedNavigation('app://kiosk/index.html#/customer')).toBe(true);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('app://kiosk.evil/index.html')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
  });
});
