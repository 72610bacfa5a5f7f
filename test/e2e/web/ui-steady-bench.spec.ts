/**
 * A steady bench, against the scripted backend (test/e2e/pages/ui-backend.ts): nothing under the
 * technician's finger moves when a job starts, a notice appears or the actions change; at 1280x800
 * the header is one row and six phones' main actions are all in view; "Still there?" leaves the
 * Finish button free; typed PIN digits after a click on Clear are kept; removing a bundle asks
 * first and can be undone before it is sent. Screenshots: test-results/screens/<project>/steady-*.png.
 */
import type { Locator, Page } from '@playwright/test';
import { describeError } from '../../../src/shared/errors';
import { LOW_BATTERY, UP_TO_DATE, uiDevice } from '../pages/ui-backend';
import { expect, shoot, test } from '../pages/ui-kiosk';

async function top(l: Locator): Promise<number> {
  const box = await l.boundingBox();
  if (!box) throw new Error('not on screen');
  return Math.round(box.y);
}

/** The header's items share one row, inside the window: nothing is cut off or needs a sideways scroll. */
async function expectOneRowHeader(page: Page): Promise<void> {
  const header = page.locator('.tech-header');
  const headerBox = (await header.boundingBox())!;
  const width = page.viewportSize()!.width;
  for (const item of await header.locator(':scope > *').all()) {
    const box = await item.boundingBox();
    if (!box) continue;
    expect(box.y + box.height, 'header item in the first row').toBeLessThanOrEqual(headerBox.y + headerBox.height);
    expect(box.x + box.width, `header item ${await item.getAttribute('class')} inside the window`).toBeLessThanOrEqual(width);
  }
  expect(headerBox.height).toBeLessThan(80);
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scroll').toBeLessThanOrEqual(width);
}

test.describe('a steady bench', () => {
  test('an administrator sees every screen in the menu and the header still fits one row', async ({ bench, page }, testInfo) => {
    await bench.loginAsAdmin();
    for (const view of ['bench', 'history', 'admin'] as const) await expect(page.getByTestId(`nav-${view}`)).toBeVisible();
    await expectOneRowHeader(page);
    await page.getByTestId('nav-admin').click();
    for (const view of ['catalog', 'trust', 'settings'] as const) await expect(page.getByTestId(`nav-${view}`)).toBeVisible();
    await expect(page.getByTestId('screen-catalog')).toBeVisible();
    await expect(page.getByTestId('nav-admin')).toHaveAttribute('aria-current', 'page');
    // The longest labels: German and Spanish fit as well.
    for (const lng of ['de', 'es'] as const) {
      await page.getByTestId(`lang-${lng}`).click();
      await expect(page.locator('html')).toHaveAttribute('lang', lng);
      await expectOneRowHeader(page);
      await shoot(page, `steady-admin-header-${lng}`, testInfo);
    }
    await page.getByTestId('lang-en').click();
    await expect(page.getByTestId('logout')).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('lang-de')).toHaveAccessibleName('Deutsch');
    await shoot(page, 'steady-admin-header', testInfo);
  });

  test('six phones: the header is one row and every card’s main action is in view without scrolling', async ({ bench, backend, page }, testInfo) => {
    await bench.login();
    for (let n = 1; n <= 4; n++) backend.attach(uiDevice(n));
    backend.attach(uiDevice(5, LOW_BATTERY));
    backend.attach(uiDevice(6, UP_TO_DATE));
    await expect(bench.cards()).toHaveCount(6);
    const viewport = page.viewportSize()!;

    await expectOneRowHeader(page);

    // Every card's action row (with its main action) is inside the first screen.
    for (const card of await bench.cards().all()) {
      const actions = (await card.locator('.device-actions').boundingBox())!;
      expect(actions.y + actions.height, `actions of ${await card.getAttribute('data-port-id')}`).toBeLessThanOrEqual(viewport.height);
      expect(await page.evaluate(() => window.scrollY)).toBe(0);
    }
    await expect(bench.card('port-1').getByTestId('action-start')).toBeInViewport({ ratio: 1 });
    await expect(bench.card('port-4').getByTestId('action-start')).toBeInViewport({ ratio: 1 });
    await expect(bench.card('port-1').getByTestId('slot')).toHaveText('Slot 1');
    await shoot(page, 'steady-six-phones', testInfo);
  });

  test('nothing moves when a job starts, a notice appears or the actions change', async ({ bench, backend }) => {
    await bench.login();
    backend.attach(uiDevice(1));
    backend.attach(uiDevice(2));
    const card = bench.card('port-1');
    const rows = () => Promise.all([top(card.getByTestId('progress')), top(card.locator('.device-actions')), top(bench.card('port-2'))]);
    const before = await rows();
    const height = (await card.boundingBox())!.height;

    await bench.act('port-1', 'start');
    await expect(card.getByTestId('action-handToCustomer')).toBeVisible();
    expect(await rows()).toEqual(before);

    // A notice appears on the card (a problem reported while the job waits).
    const job = backend.jobFor('port-1')!;
    backend.attach(
      uiDevice(1, {
        state: 'updating',
        jobId: job.jobId,
        phase: job.phase,
        problems: [{ code: 'LINK_TIMEOUT', message: describeError('LINK_TIMEOUT'), required: null, measured: null, blocking: false }],
      }),
    );
    await expect(card.getByTestId('problem-LINK_TIMEOUT')).toBeVisible();
    expect(await rows()).toEqual(before);
    expect((await card.boundingBox())!.height).toBe(height);
  });

  test('typed PIN digits after a click on Clear are kept', async ({ bench, page }) => {
    await expect(page.getByTestId('screen-login')).toBeVisible();
    await page.getByTestId('pin-input').fill('99');
    await page.getByTestId('pin-clear').click();
    await page.keyboard.type('1234');
    await expect(page.getByTestId('pin-input')).toHaveValue('1234');
    await page.keyboard.press('Enter');
    await expect(bench.page.getByTestId('nav-bench')).toBeVisible();
  });

  test('"Still there?" leaves the Finish button free', async ({ bench, customer, backend }, testInfo) => {
    backend.setSettings({ idleTimeoutSeconds: 10 });
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('decline').click();
    await customer.expectStage('declined');
    const warning = customer.page.getByTestId('idle-warning');
    await expect(warning).toBeVisible({ timeout: 15_000 });
    const w = (await warning.boundingBox())!;
    const f = (await customer.page.getByTestId('finish').boundingBox())!;
    const overlaps = w.x < f.x + f.width && f.x < w.x + w.width && w.y < f.y + f.height && f.y < w.y + w.height;
    expect(overlaps).toBe(false);
    await shoot(customer.page, 'steady-still-there', testInfo);
    await customer.page.getByTestId('finish').click();
    await customer.expectStage('welcome');
  });

  test('removing a bundle asks first, can be undone, and is sent only when the undo window ends', async ({ bench, backend }, testInfo) => {
    await bench.loginAsAdmin();
    await bench.nav('catalog');
    const page = bench.page;
    const rows = page.getByTestId('bundle-row');
    await expect(rows).toHaveCount(2);
    await rows.first().getByTestId('remove').click();
    await expect(page.getByTestId('remove-confirm')).toContainText('from the catalogue?');
    await page.getByTestId('remove-no').click();
    await expect(rows).toHaveCount(2);

    // Yes, then Undo: the bundle is back and the kiosk was never asked to remove it.
    await rows.first().getByTestId('remove').click();
    await page.getByTestId('remove-yes').click();
    await expect(rows).toHaveCount(1);
    await expect(page.getByTestId('undo-toast')).toBeVisible();
    await shoot(page, 'steady-undo-remove', testInfo);
    await page.getByTestId('undo').click();
    await expect(rows).toHaveCount(2);
    await expect(page.getByTestId('undo-toast')).toHaveCount(0);
    expect(backend.calls.filter((c) => c.method === 'catalog.remove')).toHaveLength(0);

    // Yes, and let the window end: now it is sent, once.
    await rows.first().getByTestId('remove').click();
    await page.getByTestId('remove-yes').click();
    await expect(page.getByTestId('undo-toast')).toHaveCount(0, { timeout: 15_000 });
    await expect.poll(() => backend.calls.filter((c) => c.method === 'catalog.remove').length).toBe(1);
    await expect(page.getByTestId('catalog-message')).toContainText('Removed');
  });
});
