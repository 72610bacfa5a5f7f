/**
 * People on the administrator's screen. Scripted backend (it runs the kiosk's own People rules
 * over in-memory PINs): a short administrator PIN is refused in plain words, two different PINs
 * are caught before anything is sent, removing asks first and can be kept. Real service: an
 * administrator adds a technician, who then logs in on the bench with that PIN.
 */
import { expect as serviceExpect } from '@playwright/test';
import { expect, shoot, test, type BenchPage } from '../pages/ui-kiosk';
import { serviceTest } from '../pages/ui-service';

const row = (bench: BenchPage, name: string) => bench.page.locator(`[data-testid="person-row"][data-name="${name}"]`);

async function fillPerson(bench: BenchPage, name: string, role: 'technician' | 'admin', pin: string, again = pin): Promise<void> {
  await bench.page.getByTestId('person-name').fill(name);
  await bench.page.getByTestId('person-role').selectOption(role);
  await bench.page.getByTestId('person-pin').fill(pin);
  await bench.page.getByTestId('person-pin-again').fill(again);
  await bench.page.getByTestId('person-save').click();
}

test.describe('people, scripted backend', () => {
  test('a short administrator PIN is refused in plain words; removing asks first', async ({ bench, backend }, testInfo) => {
    await bench.loginAsAdmin();
    await bench.nav('people');
    await expect(bench.page.getByTestId('person-row')).toHaveCount(2);
    await expect(row(bench, 'Toni Tech')).toContainText('technician');
    // The signed-in administrator is marked and has no remove button on their own row.
    await expect(row(bench, 'Alex Admin').getByTestId('remove')).toHaveCount(0);
    await shoot(bench.page, 'admin-people', testInfo);

    await fillPerson(bench, 'Sam Supervisor', 'admin', '48291');
    await expect(bench.page.getByTestId('person-error')).toHaveText(
      'Administrator PINs have at least 6 digits (digits only, at most 12). Choose another PIN and type it twice.',
    );
    // Nothing was added, and the PIN fields are empty again: the PIN is not kept on the screen.
    await expect(bench.page.getByTestId('person-row')).toHaveCount(2);
    await expect(bench.page.getByTestId('person-pin')).toHaveValue('');
    await expect(bench.page.getByTestId('person-pin-again')).toHaveValue('');
    const sent = backend.calls.filter((c) => c.method === 'people.setPin');
    expect(sent.map((c) => c.params)).toEqual([{ name: 'Sam Supervisor', role: 'admin', pin: '****' }]);
    await shoot(bench.page, 'admin-people-refused', testInfo);

    // Two different PINs never reach the kiosk.
    await fillPerson(bench, 'Sam Supervisor', 'admin', '48291733', '48291734');
    await expect(bench.page.getByTestId('pins-differ')).toContainText('The two PINs are not the same');
    expect(backend.calls.filter((c) => c.method === 'people.setPin')).toHaveLength(1);

    // Remove asks first; "keep" keeps the person and sends nothing.
    await row(bench, 'Toni Tech').getByTestId('remove').click();
    await expect(bench.page.getByTestId('remove-confirm')).toContainText('Remove Toni Tech? They can no longer log in.');
    await shoot(bench.page, 'admin-people-remove-asks', testInfo);
    await bench.page.getByTestId('remove-no').click();
    await expect(bench.page.getByTestId('remove-confirm')).toHaveCount(0);
    await expect(row(bench, 'Toni Tech')).toBeVisible();

    await row(bench, 'Toni Tech').getByTestId('remove').click();
    await bench.page.getByTestId('remove-yes').click();
    await expect(bench.page.getByTestId('undo-toast')).toContainText('Removed Toni Tech.');
    expect(backend.calls.some((c) => c.method === 'people.remove')).toBe(false);
    // When the undo window ends the remove is sent; the kiosk's people:changed leaves one row.
    expect(await backend.waitForCall('people.remove')).toEqual({ name: 'Toni Tech' });
    await expect(bench.page.getByTestId('person-row')).toHaveCount(1);
    await expect(row(bench, 'Toni Tech')).toHaveCount(0);
  });
});

test.describe('people, in German and Spanish', () => {
  test('the People screen fits the window without sideways scrolling, and refusals read in that language', async ({ bench }, testInfo) => {
    await bench.loginAsAdmin();
    await bench.nav('people');
    const width = bench.page.viewportSize()!.width;
    const refusals = { de: 'Administrator-PINs haben mindestens 6 Ziffern', es: 'Los PIN de administrador tienen al menos 6 dígitos' };
    for (const lng of ['de', 'es'] as const) {
      await bench.page.getByTestId(`lang-${lng}`).click();
      await expect(bench.page.locator('html')).toHaveAttribute('lang', lng);
      await fillPerson(bench, 'Sam', 'admin', '1234');
      await expect(bench.page.getByTestId('person-error')).toContainText(refusals[lng]);
      expect(await bench.page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scroll').toBeLessThanOrEqual(width);
      // Every row's buttons are in view, none hidden past the table's edge.
      await expect(row(bench, 'Toni Tech').getByTestId('remove')).toBeInViewport({ ratio: 1 });
      await expect(row(bench, 'Alex Admin').getByTestId('new-pin')).toBeInViewport({ ratio: 1 });
      await shoot(bench.page, `admin-people-${lng}`, testInfo);
    }
  });
});

serviceTest.describe('people, real service', () => {
  serviceTest('an administrator adds a technician, who then logs in on the bench with that PIN', async ({ serviceBench: bench }, testInfo) => {
    await bench.login('246810'); // the demo's administrator
    await bench.nav('people');
    await serviceExpect(row(bench, 'demo-admin')).toBeVisible();
    await fillPerson(bench, 'Sam Service', 'technician', '583920');
    await serviceExpect(bench.page.getByTestId('person-saved')).toHaveText('The PIN of Sam Service is set. They log in with it from now on.');
    await serviceExpect(row(bench, 'Sam Service')).toContainText('technician');
    await serviceExpect(row(bench, 'Sam Service')).toContainText('by demo-admin');
    await shoot(bench.page, 'admin-people-added', testInfo);

    await bench.page.getByTestId('logout').click();
    await bench.login('583920');
    await serviceExpect(bench.page.getByTestId('signed-in-as')).toContainText('Sam Service');
    await serviceExpect(bench.page.getByTestId('signed-in-as')).toContainText('technician');
    // A technician has no administration area.
    await serviceExpect(bench.page.getByTestId('nav-admin')).toHaveCount(0);
  });
});
