/**
 * Recording from Chromium's fake microphone (a RAVDESS clip, see global-setup) on each backend, with the
 * fixture models. Their weights are random, so the transcript is arbitrary letters: the tests check that the
 * whole path works (capture, 16 kHz conversion, checks, analysis) and that the duration is right, not the words.
 */
import { expect, test } from '@playwright/test';
import { ANALYSE_TIMEOUT, openReady, recordedAtLeast, reportedSeconds } from './helpers.ts';

/** Seconds of audio to capture before stopping. */
const RECORD_S = 3;

for (const backend of ['wasm', 'webgpu'] as const) {
  test(`records from the microphone and analyses it on ${backend}`, async ({ page }) => {
    // WebGPU here is SwiftShader (software): slow to compile shaders and to run.
    test.setTimeout(backend === 'webgpu' ? 300_000 : 180_000);
    await openReady(page, backend);
    await expect(page.getByTestId('backend')).toHaveText(backend);
    await expect(page.getByTestId('model-progress')).toHaveCount(0);

    const clicked = Date.now();
    await page.getByTestId('record').click();
    const stop = page.getByTestId('stop');
    await expect(stop).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('elapsed')).toContainText('/ 1:00');
    await recordedAtLeast(page, RECORD_S);
    await stop.click();
    // Capture starts a little after the button changes (worklet load, device start), so the wall-clock window
    // from the record click to the stop click bounds the clip from above, and the wait bounds it from below.
    const windowSeconds = (Date.now() - clicked) / 1000;

    const transcript = page.getByTestId('transcript');
    await expect(transcript).toBeVisible({ timeout: backend === 'webgpu' ? 240_000 : ANALYSE_TIMEOUT });
    await expect(page.getByTestId('error')).toHaveCount(0);
    await expect(page.getByTestId('busy')).toHaveCount(0);
    expect((await transcript.textContent())?.trim().length ?? 0).toBeGreaterThan(0);

    const seconds = await reportedSeconds(page);
    expect(seconds, `reported ${seconds} s within a ${windowSeconds.toFixed(2)} s window`).toBeLessThanOrEqual(
      windowSeconds + 0.25,
    );
    expect(seconds, `reported ${seconds} s after the page counted ${RECORD_S} s`).toBeGreaterThanOrEqual(
      RECORD_S - 0.1,
    );
    await expect(page.getByTestId('duration')).toHaveText(`${seconds.toFixed(2)} s`);
    await expect(page.getByTestId('emotion-panel')).toBeVisible();
    // The record button is back and usable for the next clip.
    await expect(page.getByTestId('record')).toBeEnabled();
  });
}

test('Space starts and stops recording, but not while typing in a field', async ({ page }) => {
  await openReady(page, 'wasm');
  // Focus on the page body, not on a control.
  await page.locator('h1').click();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('stop')).toBeVisible({ timeout: 30_000 });
  await recordedAtLeast(page, 1);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  const seconds = await reportedSeconds(page);
  expect(seconds).toBeGreaterThan(1);
  expect(seconds).toBeLessThan(3);

  // Space on the model selector belongs to the selector.
  await page.getByTestId('pair-select').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('stop')).toHaveCount(0);
});
