/** Choosing a real recording (a RAVDESS WAV) analyses it; the fixture models make the words arbitrary. */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { decodeWav } from '../../src/audio/wav.ts';
import {
  ANALYSE_TIMEOUT,
  openReady,
  ravdessClipSamples,
  ravdessPath,
  reportedSeconds,
  shownDuration,
} from './helpers.ts';

test('a RAVDESS WAV file is transcribed and its duration reported', async ({ page }) => {
  await openReady(page, 'wasm');
  await page.getByTestId('file-input').setInputFiles(ravdessPath());

  const transcript = page.getByTestId('transcript');
  await expect(transcript).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  const samples = ravdessClipSamples();
  await expect(page.getByTestId('duration')).toHaveText(shownDuration(samples));
  expect(await reportedSeconds(page)).toBeCloseTo(samples / 16_000, 6);
  await expect(page.getByTestId('result-source')).toContainText('.wav');
  await expect(page.getByTestId('windows')).toHaveText('1');
  await expect(page.getByTestId('emotion-panel')).toBeVisible();

  // The clip can be saved from the page: same samples back (16-bit, 16 kHz).
  const download = page.waitForEvent('download');
  await page.getByTestId('save-last').click();
  const saved = readFileSync(await (await download).path());
  const wav = decodeWav(saved);
  expect(wav.sampleRate).toBe(16_000);
  expect(wav.channels[0]?.length).toBe(samples);
});

test('a compressed WebM/Opus file goes through the browser decoder', async ({ page }) => {
  await openReady(page, 'wasm');
  // A real user gesture, so the page may start an AudioContext to make the file.
  await page.locator('h1').click();
  const bytes = await page.evaluate(async () => {
    const ctx = new AudioContext();
    await ctx.resume();
    const osc = ctx.createOscillator();
    osc.frequency.value = 300;
    const gain = ctx.createGain();
    gain.gain.value = 0.3;
    const dest = ctx.createMediaStreamDestination();
    osc.connect(gain).connect(dest);
    osc.start();
    const recorder = new MediaRecorder(dest.stream, { mimeType: 'audio/webm;codecs=opus' });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => {
      chunks.push(e.data);
    };
    const stopped = new Promise((resolve) => {
      recorder.onstop = resolve;
    });
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    recorder.stop();
    await stopped;
    osc.stop();
    await ctx.close();
    return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
  });
  expect(bytes.length).toBeGreaterThan(1000);

  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'tone.webm', mimeType: 'audio/webm', buffer: Buffer.from(bytes) });
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  // MediaRecorder's real-time capture is loose on a busy machine (it has produced 0.8 s for 1.5 s of wall time), so
  // only sanity is checked: the decoder produced a clip of plausible length.
  const seconds = await reportedSeconds(page);
  expect(seconds).toBeGreaterThan(0.25);
  expect(seconds).toBeLessThan(2);
});
