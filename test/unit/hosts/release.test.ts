import { describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/main/demo/backend';
import { hostPolicy } from '../../../src/main/hosts/release';
import { isKioskError } from '../../../src/core/errors';

describe('release policy', () => {
  it('a packaged app or a release build is a release: no DevTools, no demo shell', () => {
    expect(hostPolicy(true, 'development')).toEqual({ release: true, devTools: false, demoShell: false });
    expect(hostPolicy(false, 'release')).toEqual({ release: true, devTools: false, demoShell: false });
    expect(hostPolicy(false, 'development')).toEqual({ release: false, devTools: true, demoShell: true });
  });

  it('createBackend refuses the demo shell in a release with a typed error, and serves it otherwise', async () => {
    const refused = await createBackend({ dataDir: '/nonexistent', demo: false, demoShell: true, release: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKioskError(refused) && refused.code).toBe('INVALID_REQUEST');
    expect(String((refused as Error).message)).toMatch(/--demo-shell .*not part of a release build/);
    const shell = await createBackend({ dataDir: '/nonexistent', demo: false, demoShell: true, release: false });
    const devices = await shell.devices.list();
    expect(devices.ok && devices.value.length).toBe(3);
    await shell.close?.();
  });
});
