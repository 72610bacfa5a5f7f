/**
 * Scripted backend: release notes and sizes in every language with exact Intl figures, the bench
 * switched to German with live numbers, and the idle timeout (the demo keeps the customer screen
 * busy in ways a test cannot hold still). The customer's language switch on the real service's
 * offer (de, es, with the privacy and warranty texts) runs in ui-service.spec.ts.
 *
 * Languages: the customer chooses theirs, every text and figure follows (Intl formats), the bench
 * keeps its own; the idle timeout returns the customer screen to the start and its default language.
 */
import { uiDevice } from '../pages/ui-backend';
import { expect, shoot, test } from '../pages/ui-kiosk';

test.describe('languages and idle', () => {
  test('the customer switches to German and Spanish; the bench stays English', async ({ bench, customer, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await customer.chooseLanguage('de');
    await expect(customer.page.getByRole('heading', { level: 1 })).toHaveText('Willkommen');
    await expect(customer.page.locator('html')).toHaveAttribute('lang', 'de');
    await shoot(customer.page, 'customer-welcome-de', testInfo);

    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.expectStage('offer');
    await expect(customer.page.getByTestId('offer-versions')).toHaveText(
      'Ihr Telefon (Fumo FD-201) wird von Version 2.3.0 auf Version 2.4.1 aktualisiert.',
    );
    await expect(customer.page.getByTestId('offer-duration')).toContainText('Etwa 5 Minuten.');
    await expect(customer.page.getByTestId('offer-duration')).toContainText('48,2 MB');
    // The privacy text is the one the consent request carries, in German.
    await expect(customer.page.getByTestId('offer-privacy')).toContainText('die letzten 4 Ziffern der Gerätekennung');
    await expect(customer.page.getByTestId('offer-privacy')).toHaveAttribute('data-version', 'privacy-2026-1');
    await expect(customer.page.getByTestId('approve')).toHaveText('Ja, Telefon aktualisieren');
    await shoot(customer.page, 'customer-offer-de', testInfo);

    await customer.chooseLanguage('es');
    await expect(customer.page.getByTestId('offer-duration')).toContainText('Aproximadamente 5 minutos.');
    await expect(customer.page.getByTestId('decline')).toHaveText('No, no actualizar');
    await shoot(customer.page, 'customer-offer-es', testInfo);

    // The technician's screen did not change language.
    await expect(bench.card('port-1').getByTestId('action-cancel')).toHaveText('Cancel update');

    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device'); // the answer has reached the Node side
    const answer = backend.calls.find((c) => c.method === 'consent.answer')!.params as Record<string, string>;
    expect(answer.language).toBe('es');
    expect(answer.privacyVersion).toBe('privacy-2026-1');
    expect(answer.warrantyVersion).toBe('warranty-2026-1');
    backend.deviceAccepts('port-1', 40_000_000);
    backend.progress('port-1', 10_000_000, 1_500_000);
    await expect(customer.page.getByTestId('percent')).toHaveText('25 %');
    // 30 MB left at 1.5 MB/s: 20 s, said as under a minute (not "about 1 minute").
    await expect(customer.page.getByTestId('progress-eta')).toHaveText('Queda menos de un minuto');
    await shoot(customer.page, 'customer-progress-es', testInfo);
    backend.installing('port-1');
    backend.complete('port-1');
    await expect(customer.page.getByTestId('done-version')).toHaveText('Su teléfono tiene ahora la versión 2.4.1.');
    await shoot(customer.page, 'customer-done-es', testInfo);
  });

  test('the technician switches the bench to German; numbers follow', async ({ bench, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.page.getByTestId('lang-de').click();
    await expect(bench.page.getByRole('heading', { level: 1 })).toHaveText('Angeschlossene Telefone');
    await bench.act('port-1', 'start');
    await expect(bench.card('port-1').getByTestId('device-status')).toHaveText('Warten auf Kunden');
    await expect(bench.card('port-1').getByTestId('battery')).toContainText('84 %');
    await shoot(bench.page, 'tech-bench-de', testInfo);
  });

  test('the idle timeout returns the customer screen to the start and forgets what it showed', async ({ bench, customer, backend }) => {
    backend.setSettings({ idleTimeoutSeconds: 10 });
    await bench.login();
    backend.attach(uiDevice(1));
    await customer.chooseLanguage('es');
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.expectStage('offer');
    await customer.page.getByTestId('decline').click();
    await customer.expectStage('declined');
    // Nobody touches the screen: a warning, then the start screen in the default language.
    await expect(customer.page.getByTestId('idle-warning')).toBeVisible({ timeout: 15_000 });
    await customer.expectStage('welcome');
    await expect(customer.page.getByRole('heading', { level: 1 })).toHaveText('Welcome');
    await expect(customer.page.getByText('2.3.0')).toHaveCount(0);
  });
});
