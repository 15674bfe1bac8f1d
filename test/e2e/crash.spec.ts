/** The worker crashing is survived: a notice, the models reload, and analysis works again. */
import { expect, test } from '@playwright/test';
import { ANALYSE_TIMEOUT, LOAD_TIMEOUT, openReady, ravdessPath } from './helpers.ts';

test('a worker crash is reported and the models come back', async ({ page }) => {
  await openReady(page, 'wasm', '&debug=1');
  await page.evaluate(() => {
    const debug = (window as { __mmer?: { crashWorker(): void } }).__mmer;
    if (!debug) throw new Error('window.__mmer missing: is ?debug=1 handled?');
    debug.crashWorker();
  });

  const notice = page.getByTestId('notice');
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(notice).toContainText('The ML engine stopped unexpectedly and was restarted (1).');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });

  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
});
