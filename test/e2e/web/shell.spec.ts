/**
 * The foundation, end to end in Chromium: the web host serves the screens, the bridge connects
 * with the launch token, events from the Node side reach the screen, requests reach the Node
 * side, and a page without the token gets nothing.
 */
import { TECHNICIAN_PIN, sampleDevice } from '../../../src/main/demo/shell-backend';
import { expect, test } from '../support/web-fixture';

test.describe('web host', () => {
  test('loads, connects with its token and shows the snapshot', async ({
    kiosk,
    backend,
    contractWarnings,
  }) => {
    backend.attach(sampleDevice(1));
    await kiosk.open('tech');
    await expect(kiosk.connectionStatus()).toHaveAttribute('data-status', 'connected');
    await kiosk.login(TECHNICIAN_PIN);
    await expect(kiosk.deviceCards()).toHaveCount(1);
    await expect(kiosk.deviceCard('sim-1')).toContainText('FD-101');
    // Once on connecting, once more after the login (a login changes what the screen may see).
    expect(backend.calls.filter((c) => c.method === 'getSnapshot')).toHaveLength(2);
    expect(contractWarnings).toEqual([]);
  });

  test('a device attached on the Node side appears on screen, and leaves when detached', async ({
    kiosk,
    backend,
  }, testInfo) => {
    await kiosk.open('tech');
    await kiosk.login(TECHNICIAN_PIN);
    await expect(kiosk.deviceCards()).toHaveCount(0);
    backend.attach(sampleDevice(7, { model: 'Attach-Test 7', fwVersion: '2.0.1', targetVersion: '2.1.0' }));
    const card = kiosk.deviceCard('sim-7');
    await expect(card).toBeVisible();
    await expect(card).toContainText('Attach-Test 7');
    await expect(card).toContainText('2.0.1');
    await expect(card).toContainText('2.1.0');
    // Only the masked DevId reaches the screen.
    await expect(card).not.toContainText('493005100592807');
    backend.attach(sampleDevice(8));
    await expect(kiosk.deviceCards()).toHaveCount(2);
    await kiosk.screenshot('foundation-tech', testInfo);
    backend.detach('sim-7');
    await expect(kiosk.deviceCard('sim-7')).toHaveCount(0);
    await expect(kiosk.deviceCards()).toHaveCount(1);
  });

  test('a request goes back to the Node side and its outcome comes back as an event', async ({
    kiosk,
    backend,
  }) => {
    backend.attach(sampleDevice(3));
    await kiosk.open('tech');
    await kiosk.login(TECHNICIAN_PIN);
    const called = backend.waitForCall('jobs.start');
    await kiosk.startUpdate('sim-3');
    expect(await called).toEqual({ portId: 'sim-3', schedule: 'now', consentMode: 'customer' });
    await expect(kiosk.deviceStatus('sim-3')).toHaveAttribute('data-phase', 'queued');
  });

  test('the customer area opens on its own route', async ({ kiosk }, testInfo) => {
    await kiosk.open('customer');
    await expect(kiosk.areaRoot('tech')).toHaveCount(0);
    await kiosk.screenshot('foundation-customer', testInfo);
  });

  test('without the token the page is refused (401) and says where the address is', async ({ page, host, backend }) => {
    const response = await page.goto(`${host.origin}/#/tech`);
    expect(response?.status()).toBe(401);
    await expect(page.locator('body')).toContainText('Open the address fumo-kiosk printed');
    expect(backend.calls).toEqual([]);
    expect(host.clientCount()).toBe(0);
  });

  test('a WebSocket with a wrong token never opens', async ({ page, host }) => {
    await page.goto(`${host.url}#/tech`);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    const outcome = await page.evaluate(async (origin) => {
      const ws = new WebSocket(origin.replace(/^http/, 'ws') + '/api?token=wrong');
      return await new Promise<string>((resolve) => {
        ws.onopen = () => resolve('open');
        ws.onclose = (e) => resolve(`closed ${e.code}`);
      });
    }, host.origin);
    // The handshake is answered 401 (checked byte-exact in test/integration/hosts); the browser sees 1006.
    expect(outcome).toBe('closed 1006');
    expect(host.clientCount()).toBe(1);
  });
});
