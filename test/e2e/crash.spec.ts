/** The worker crashing is survived: a notice, the models reload, the clip is kept and analysis works again. */
import { expect, test } from '@playwright/test';
import {
  ANALYSE_TIMEOUT,
  crashWorker,
  LOAD_TIMEOUT,
  openReady,
  ravdessClipSamples,
  ravdessPath,
  shownDuration,
} from './helpers.ts';

test('a worker crash is reported and the models come back', async ({ page }) => {
  await openReady(page, 'wasm', '&debug=1');
  await crashWorker(page, 'now');

  const notice = page.getByTestId('notice');
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(notice).toContainText('The ML engine stopped unexpectedly and was restarted (1).');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });

  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a crash during analysis keeps the clip, and Retry analyses it after the restart', async ({ page }) => {
  await openReady(page, 'wasm', '&debug=1');
  await crashWorker(page, 'during-next-analysis');
  await page.getByTestId('file-input').setInputFiles(ravdessPath());

  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(banner).toHaveAttribute('data-code', 'worker-crashed');
  await expect(page.getByTestId('notice')).toContainText('restarted (1)');
  await expect(page.getByTestId('save')).toBeVisible();

  // Retry becomes usable once the models are loaded again.
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('retry').click();
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('duration')).toHaveText(shownDuration(ravdessClipSamples()));
});
