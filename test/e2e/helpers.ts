/**
 * Shared bits of the end-to-end tests: where generated audio goes (always under the OS temp dir, never in the
 * repository), how it is made, and the page's URL and timeouts.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';
import { RAVDESS_SAMPLE_RATE, ravdessSamples } from '../ravdess.ts';
import { parseMetadata } from '../../src/data/metadata.ts';
import { RAVDESS_DIR, ravdessClip, REPO_ROOT } from '../shared-data.ts';

/** Folder for generated files; fixed so the config can name the fake-microphone file before setup runs. */
export const E2E_TMP = join(tmpdir(), 'mmer-e2e');

/** The WAV that Chromium's fake microphone plays (a RAVDESS clip padded with silence, see `makeFakeMicWav`). */
export const FAKE_MIC_WAV = join(E2E_TMP, 'fake-mic.wav');

/** A real clip: Actor 01, neutral, "Kids are talking by the door"; 16 kHz, its length as `metadata.csv` gives it. */
export const RAVDESS_CLIP = 'Actor_01/03-01-01-01-01-01-01.wav';

/** Samples in `RAVDESS_CLIP` (from its WAV header, checked against `duration_s` in metadata.csv). */
export function ravdessClipSamples(rel = RAVDESS_CLIP): number {
  return ravdessSamples(rel);
}

/** The duration the page shows for a 16 kHz clip of `samples` samples, as it formats it ("3.30 s"). */
export function shownDuration(samples: number, sampleRate = RAVDESS_SAMPLE_RATE): string {
  return `${(samples / sampleRate).toFixed(2)} s`;
}

/** Loading the fixture pair on 2 CPU cores (or SwiftShader WebGPU) is slow; these are generous on purpose. */
export const LOAD_TIMEOUT = 240_000;
export const ANALYSE_TIMEOUT = 240_000;

export function ravdessPath(rel = RAVDESS_CLIP): string {
  return ravdessClip(rel);
}

/** Writes a file atomically (several Playwright processes may prepare the same file). */
function writeAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(E2E_TMP, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/**
 * Builds the fake-microphone file: the RAVDESS clip followed by `silenceSeconds` of silence. Chromium's `%noloop`
 * plays the file once and then repeats its last ~10 ms forever, so the file must end in silence.
 */
export function makeFakeMicWav(silenceSeconds = 6): string {
  const wav = decodeWav(readFileSync(ravdessPath()));
  const speech = wav.channels[0];
  if (!speech) throw new Error('RAVDESS clip has no channels');
  const pcm = new Float32Array(speech.length + Math.round(silenceSeconds * wav.sampleRate));
  pcm.set(speech, 0);
  writeAtomic(FAKE_MIC_WAV, encodeWav(pcm, wav.sampleRate));
  return FAKE_MIC_WAV;
}

/** Writes a 16 kHz WAV of `pcm` under the temp folder and returns its path. */
export function writeTempWav(name: string, pcm: Float32Array, sampleRate = 16_000): string {
  const path = join(E2E_TMP, name);
  writeAtomic(path, encodeWav(pcm, sampleRate));
  return path;
}

/** Writes any bytes under the temp folder and returns the path. */
export function writeTempFile(name: string, content: Uint8Array | string): string {
  const path = join(E2E_TMP, name);
  writeAtomic(path, content);
  return path;
}

/** The fixture emotion head that `npm run fixtures` writes (the fixture pair loads it as its built-in head). */
export const FIXTURE_HEAD_DIR = join(REPO_ROOT, 'public', 'models', 'fixtures', 'heads', 'fixture');

/** The fixture head's two files: config.json text and model.safetensors bytes. */
export function fixtureHeadFiles(): { config: string; weights: Uint8Array } {
  return {
    config: readFileSync(join(FIXTURE_HEAD_DIR, 'config.json'), 'utf8'),
    weights: readFileSync(join(FIXTURE_HEAD_DIR, 'model.safetensors')),
  };
}

/**
 * Writes a head's two files into their own folder under the temp folder (named as a trained head's files are) and
 * returns their paths, config first.
 */
export function writeTempHead(
  folder: string,
  config: string,
  weights: Uint8Array,
  names = { config: 'config.json', weights: 'model.safetensors' },
): [string, string] {
  mkdirSync(join(E2E_TMP, folder), { recursive: true });
  return [writeTempFile(join(folder, names.config), config), writeTempFile(join(folder, names.weights), weights)];
}

/** A sine tone, loud enough to pass the silence check. */
export function tone(seconds: number, sampleRate = 16_000, hz = 220, amplitude = 0.3): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate),
  );
}

/** Opens the page with the fixture models and waits until they are loaded. */
export async function openReady(
  page: Page,
  backend: 'wasm' | 'webgpu' | 'wasm-mt' | 'auto' = 'wasm',
  extra = '',
): Promise<void> {
  page.on('pageerror', (err) => {
    console.log(`[pageerror] ${err.message}`);
  });
  await page.goto(`/?pair=fixture&backend=${backend}${extra}`);
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
}

/** Seconds reported for the analysed clip (`data-seconds` of the duration field). */
export async function reportedSeconds(page: Page): Promise<number> {
  const raw = await page.getByTestId('duration').getAttribute('data-seconds');
  return Number(raw);
}

/**
 * Waits until the recorder has captured at least `seconds` (1-9) of audio, by the page's own clock next to the
 * record button: an event of the capture, not a guess at how long the microphone takes to start.
 */
export async function recordedAtLeast(page: Page, seconds: number): Promise<void> {
  await expect(page.getByTestId('elapsed')).toHaveText(new RegExp(`^0:0[${String(seconds)}-9] /`), { timeout: 60_000 });
}

/**
 * The page's scroll width and the first elements that reach past the window's right edge (none on a good layout).
 * Elements inside a box that scrolls sideways by itself (a wide table in its card) do not count: the page does not.
 */
export async function sidewaysOverflow(page: Page): Promise<{ scrollWidth: number; wider: string[] }> {
  return page.evaluate(() => {
    const inScroller = (el: Element): boolean => {
      for (let p = el.parentElement; p !== null && p !== document.body; p = p.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
      }
      return false;
    };
    const wider = [...document.querySelectorAll('body *')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > window.innerWidth + 1 && !inScroller(el);
    });
    return {
      scrollWidth: document.documentElement.scrollWidth,
      wider: wider.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
    };
  });
}

/** Paths of the first `perPair` RAVDESS clips of each actor and emotion, from the dataset's own metadata.csv. */
export function ravdessClipsOf(actors: readonly string[], emotions: readonly string[], perPair: number): string[] {
  const records = parseMetadata(readFileSync(join(RAVDESS_DIR, 'metadata.csv'), 'utf8'));
  return actors.flatMap((actor) =>
    emotions.flatMap((emotion) =>
      records
        .filter((r) => r.speaker === actor && r.emotion === emotion)
        .slice(0, perPair)
        .map((r) => join(RAVDESS_DIR, r.path)),
    ),
  );
}

/** Crashes the page's ML worker through the e2e build's test hook (`?debug=1`): now, or during the next analysis. */
export async function crashWorker(page: Page, when: 'now' | 'during-next-analysis'): Promise<void> {
  await page.evaluate((w) => {
    const debug = (window as { __mmer?: { crashWorker: (when?: string) => void } }).__mmer;
    if (!debug) throw new Error('window.__mmer missing: is ?debug=1 handled?');
    debug.crashWorker(w);
  }, when);
}
