/** Runs in the 'mic-denied' project: a microphone exists but permission is refused. */
import { expect, test } from '@playwright/test';
import { openReady } from './helpers.ts';

test('a refused microphone gives a mic-denied error and the page stays usable', async ({ page }) => {
  await openReady(page, 'wasm');
  await page.getByTestId('record').click();

  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(banner).toHaveAttribute('data-code', 'mic-denied');
  await expect(page.getByTestId('error-message')).toContainText('Microphone access was denied');
  // Nothing was recorded, so there is nothing to retry or save.
  await expect(page.getByTestId('retry')).toHaveCount(0);
  await expect(page.getByTestId('save')).toHaveCount(0);
  // The recorder is idle again and files can still be chosen.
  await expect(page.getByTestId('record')).toBeEnabled();
  await expect(page.getByTestId('file-input')).toBeEnabled();
});
