/**
 * Inputs that cannot be analysed give a coded error banner. Clips that decoded are kept: the banner offers to
 * retry and to save them; files that never decoded offer neither.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { decodeWav } from '../../src/audio/wav.ts';
import { ANALYSE_TIMEOUT, openReady, tone, writeTempFile, writeTempWav } from './helpers.ts';

/** A mono 32-bit IEEE-float WAV (format code 3) of `pcm`, whatever values it holds. */
function floatWav(pcm: Float32Array, rate: number): Uint8Array {
  const bytes = new Uint8Array(44 + pcm.length * 4);
  const v = new DataView(bytes.buffer);
  const ascii = (at: number, text: string): void => {
    for (let i = 0; i < text.length; i++) v.setUint8(at + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + pcm.length * 4, true);
  ascii(8, 'WAVEfmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 3, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 4, true);
  v.setUint16(32, 4, true);
  v.setUint16(34, 32, true);
  ascii(36, 'data');
  v.setUint32(40, pcm.length * 4, true);
  pcm.forEach((x, i) => {
    v.setFloat32(44 + 4 * i, x, true);
  });
  return bytes;
}

async function expectError(page: Page, code: string): Promise<void> {
  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(banner).toHaveAttribute('data-code', code);
  await expect(page.getByTestId('busy')).toHaveCount(0);
  await expect(page.getByTestId('transcript')).toHaveCount(0);
}

test('bad files are refused with the right error code', async ({ page }) => {
  await openReady(page, 'wasm');
  const input = page.getByTestId('file-input');

  // A text file renamed .wav: reported as not audio, naming what it is; nothing to retry or save.
  await input.setInputFiles(writeTempFile('notes.wav', 'These are meeting notes, not a recording.\nLine two.\n'));
  await expectError(page, 'not-audio');
  await expect(page.getByTestId('error-message')).toContainText('notes.wav');
  await expect(page.getByTestId('error-message')).toContainText('text');
  await expect(page.getByTestId('retry')).toHaveCount(0);
  await expect(page.getByTestId('save')).toHaveCount(0);

  // An empty file.
  await input.setInputFiles(writeTempFile('empty.wav', new Uint8Array(0)));
  await expectError(page, 'empty-audio');
  await expect(page.getByTestId('retry')).toHaveCount(0);

  // 0.1 s of sound: decodes, but is too short. The clip is kept.
  await input.setInputFiles(writeTempWav('short.wav', tone(0.1)));
  await expectError(page, 'too-short');
  await expect(page.getByTestId('retry')).toBeVisible();
  await expect(page.getByTestId('save')).toBeVisible();

  // A 32-bit float WAV with one NaN sample (a damaged export): refused, never scored as NaN %.
  const damagedFloat = tone(1.5);
  damagedFloat[4000] = Number.NaN;
  await input.setInputFiles(writeTempFile('nan.wav', floatWav(damagedFloat, 16_000)));
  await expectError(page, 'decode-failed');
  await expect(page.getByTestId('error-message')).toContainText('1 of its 24,000 samples is not a number');
  await expect(page.getByTestId('emotion-panel')).not.toContainText('NaN');

  // 2 s of digital silence: decodes, but there is nothing to hear.
  await input.setInputFiles(writeTempWav('silence.wav', new Float32Array(32_000)));
  await expectError(page, 'silent');
  await expect(page.getByTestId('retry')).toBeEnabled();

  // Saving gives back the decoded clip.
  const download = page.waitForEvent('download');
  await page.getByTestId('save').click();
  const wav = decodeWav(readFileSync(await (await download).path()));
  expect(wav.sampleRate).toBe(16_000);
  expect(wav.channels[0]?.length).toBe(32_000);
  expect(Array.from(wav.channels[0] ?? []).filter((s) => s !== 0)).toEqual([]);

  // Retrying the same clip fails the same way (and does not lose it).
  await page.getByTestId('retry').click();
  await expectError(page, 'silent');
  await expect(page.getByTestId('save')).toBeVisible();

  // A good file afterwards clears the error.
  await input.setInputFiles(writeTempWav('tone.wav', tone(1.5)));
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('duration')).toHaveText('1.50 s');
});

test('a damaged compressed file and an over-long clip are refused with their limits named', async ({ page }) => {
  await openReady(page, 'wasm');
  const input = page.getByTestId('file-input');

  // Starts like an MP3 (ID3 tag) but the rest is noise: the browser's decoder fails on it.
  const damaged = new Uint8Array(4096).map((_, i) => (i * 97 + 13) % 256);
  damaged.set([0x49, 0x44, 0x33, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], 0);
  await input.setInputFiles(writeTempFile('damaged.mp3', damaged));
  await expectError(page, 'decode-failed');
  await expect(page.getByTestId('error-message')).toContainText('damaged.mp3');

  // 61 s is over the 60 s limit: refused with both durations, and the clip is kept for saving.
  await input.setInputFiles(writeTempWav('long.wav', tone(61)));
  await expectError(page, 'too-long');
  await expect(page.getByTestId('error-message')).toContainText('60');
  await expect(page.getByTestId('save')).toBeVisible();
});
