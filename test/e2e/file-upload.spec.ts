/** Choosing a real recording (a RAVDESS WAV) analyses it; the fixture models make the words arbitrary. */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { decodeWav } from '../../src/audio/wav.ts';
import { ANALYSE_TIMEOUT, openReady, ravdessPath, reportedSeconds } from './helpers.ts';

test('a RAVDESS WAV file is transcribed and its duration reported', async ({ page }) => {
  await openReady(page, 'wasm');
  await page.getByTestId('file-input').setInputFiles(ravdessPath());

  const transcript = page.getByTestId('transcript');
  await expect(transcript).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('duration')).toHaveText('2.39 s');
  expect(await reportedSeconds(page)).toBeCloseTo(38_229 / 16_000, 2);
  await expect(page.getByTestId('result-source')).toContainText('.wav');
  await expect(page.getByTestId('windows')).toHaveText('1');
  await expect(page.getByTestId('emotion-panel')).toBeVisible();

  // The clip can be saved from the page: same samples back (16-bit, 16 kHz).
  const download = page.waitForEvent('download');
  await page.getByTestId('save-last').click();
  const saved = readFileSync(await (await download).path());
  const wav = decodeWav(saved);
  expect(wav.sampleRate).toBe(16_000);
  expect(wav.channels[0]?.length).toBe(38_229);
});
