/** Model loading failures are shown with a Retry button, and the pair selector switches models. */
import { expect, test } from '@playwright/test';
import { LOAD_TIMEOUT } from './helpers.ts';

test('an unknown pair fails with a coded error; choosing another pair recovers', async ({ page }) => {
  await page.goto('/?pair=no-such-pair&backend=wasm');
  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(banner).toHaveAttribute('data-code', /.+/);
  await expect(page.getByTestId('error-message')).toContainText('no-such-pair');
  await expect(page.getByTestId('retry-init')).toBeVisible();
  // Nothing can be recorded or analysed without models.
  await expect(page.getByTestId('record')).toBeDisabled();
  await expect(page.getByTestId('file-input')).toBeDisabled();

  // The header does not claim the backend is still being chosen.
  await expect(page.getByTestId('backend-pending')).toHaveText('not loaded');
  // Every screen that needs the models says they failed and what to do, with the banner still at the top.
  for (const [tab, what] of [
    ['tab-train', 'training'],
    ['tab-heads', 'using, importing or evaluating a head'],
  ] as const) {
    await page.getByTestId(tab).click();
    await expect(page.getByTestId('models-waiting')).toHaveAttribute('data-phase', 'failed');
    await expect(page.getByTestId('models-waiting')).toContainText(`could not be loaded, so ${what}`);
    await expect(page.getByTestId('models-waiting')).toContainText('Retry');
    await expect(banner).toBeVisible();
  }
  await page.getByTestId('tab-classify').click();

  // Retry tries again (and fails again the same way).
  await page.getByTestId('retry-init').click();
  await expect(page.getByTestId('error')).toBeVisible({ timeout: LOAD_TIMEOUT });

  await page.getByTestId('pair-select').selectOption('fixture');
  await expect(page).toHaveURL(/[?&]pair=fixture(&|$)/);
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  // Shown once: the backend and its threads; the reason is for hovering and screen readers.
  await expect(page.locator('.backend-badge')).toHaveAttribute('title', /.+/);
  await expect(page.locator('.backend-detail')).toHaveText(/^\d+ threads?$/);
  await expect(page.getByTestId('record')).toBeEnabled();
});
