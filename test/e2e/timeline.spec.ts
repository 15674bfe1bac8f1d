/**
 * The Timeline screen on a three-minute recording of 40 RAVDESS clips joined by 1.5 s of silence (the embedded pair,
 * WASM): one segment per clip, inside the clip's span (0.3 s of slack); the summary, and the JSON and CSV exports
 * hold the same segments; a cancel stops the reading and keeps what was found.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { encodeWav } from '../../src/audio/wav.ts';
import { clipOfEachSegment, joinedRavdess } from '../timeline-audio.ts';
import { crashWorker, LOAD_TIMEOUT, ravdessClipSamples, writeTempFile } from './helpers.ts';

const joined = joinedRavdess(40);
const FILE = writeTempFile('three-minutes.wav', encodeWav(joined.pcm, 16_000));

async function openTimeline(page: Page): Promise<void> {
  await page.goto('/?backend=wasm#timeline');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('timeline-screen')).toBeVisible();
}

async function download(page: Page, testId: string): Promise<string> {
  const file = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  return readFileSync(await (await file).path(), 'utf8');
}

test('a three-minute recording gets one segment per clip, and the exports hold them', async ({ page }) => {
  test.setTimeout(300_000);
  await openTimeline(page);
  await page.getByTestId('timeline-file').setInputFiles(FILE);
  const result = page.getByTestId('timeline-result');
  await expect(result).toHaveAttribute('data-phase', 'done', { timeout: 240_000 });

  const rows = page.getByTestId('timeline-segments').locator('li');
  await expect(rows).toHaveCount(joined.clips.length);
  const shown = await rows.evaluateAll((lis) =>
    lis.map((li) => ({ start: Number(li.getAttribute('data-start')), end: Number(li.getAttribute('data-end')) })),
  );
  expect(clipOfEachSegment(shown, joined.clips, 0.3)).toEqual(joined.clips.map((_, i) => i));
  await expect(page.getByTestId('timeline-summary')).toContainText(
    `${String(joined.clips.length)} stretch(es) of speech`,
  );

  const report = JSON.parse(await download(page, 'timeline-json')) as {
    file: string;
    duration: number;
    segments: { start: number; end: number; emotion: string; scores: Record<string, number> }[];
  };
  expect(report.file).toBe('three-minutes.wav');
  expect(report.duration).toBeCloseTo(joined.pcm.length / 16_000, 2);
  expect(report.segments.map((s) => ({ start: s.start, end: s.end }))).toEqual(shown);
  for (const s of report.segments) expect(Object.keys(s.scores)).toHaveLength(8);

  const csv = (await download(page, 'timeline-csv')).trim().split('\n');
  expect(csv).toHaveLength(joined.clips.length + 1);
  expect(csv[0]).toMatch(/^start,end,emotion,transcript,/);
  expect(csv.slice(1).map((line) => line.split(',').slice(0, 3))).toEqual(
    report.segments.map((s) => [String(s.start), String(s.end), s.emotion]),
  );

  // A band of the chart shows its segment's scores.
  const chart = page.getByTestId('timeline-chart');
  const box = await chart.boundingBox();
  const first = report.segments[0];
  if (box === null || first === undefined) throw new Error('no chart or no segment');
  await chart.click({
    position: { x: ((first.start + first.end) / 2 / report.duration) * box.width, y: box.height / 2 },
  });
  await expect(page.getByTestId('timeline-detail')).toContainText(first.emotion);

  // It plays (and stops by itself at its end), and it can be kept in the library with the label the person confirms.
  await page.getByTestId('segment-play').click();
  await expect(page.getByTestId('segment-play')).toHaveText('Stop');
  await expect(page.getByTestId('segment-play')).toHaveText('Play', { timeout: 30_000 });
  await page.getByTestId('segment-label').selectOption('sad');
  await page.getByTestId('segment-save').click();
  await expect(page.getByTestId('segment-saved')).toContainText('labelled sad');
  await page.getByTestId('tab-library').click();
  await expect(page.getByTestId('clip-count')).toHaveText('1');
  const saved = await page.getByTestId('clip-row').first().getByTestId('clip-label').inputValue();
  expect(saved).toBe('sad');
  await page.getByTestId('tab-timeline').click();

  // Filtering an emotion out takes its segments off the list; zoom widens the chart inside its box.
  const hiddenEmotion = first.emotion;
  await page.getByTestId('timeline-filter').locator(`input[data-label="${hiddenEmotion}"]`).uncheck();
  const left = report.segments.filter((s) => s.emotion !== hiddenEmotion).length;
  await expect(rows).toHaveCount(left);
  await page.getByTestId('timeline-zoom').selectOption('4');
  const zoomed = await chart.boundingBox();
  expect(zoomed?.width).toBeCloseTo(4 * box.width, -1);
});

test('cancel stops reading and keeps the segments found so far', async ({ page }) => {
  await openTimeline(page);
  await page.getByTestId('timeline-file').setInputFiles(FILE);
  await expect(page.getByTestId('timeline-progress')).toBeVisible();
  await page.getByTestId('timeline-cancel').click();
  await expect(page.getByTestId('timeline-cancelled')).toBeVisible();
  await expect(page.getByTestId('timeline-progress')).toHaveCount(0);
  // Another recording can be chosen at once.
  await expect(page.getByTestId('timeline-file')).toBeEnabled();
});

test('a file cut short is analysed as far as it goes, with the cut said', async ({ page }) => {
  // The first 30 s of the three-minute file, its header still promising all of it: a download that stopped.
  const whole = encodeWav(joined.pcm, 16_000);
  const cut = writeTempFile('cut-short.wav', whole.subarray(0, 44 + 30 * 16_000 * 2));
  await openTimeline(page);
  await page.getByTestId('timeline-file').setInputFiles(cut);
  const warning = page.getByTestId('clip-warning-truncated');
  await expect(warning).toContainText(
    `promises ${(joined.pcm.length / 16_000).toFixed(2)} s of audio but it holds only 30.00 s`,
  );
  await expect(page.getByTestId('timeline-result')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  // Every clip that lies inside the 30 s has its segment; one the cut goes through may have one too.
  const whole30 = joined.clips.filter((c) => c.end <= 30).length;
  const started = joined.clips.filter((c) => c.start < 30).length;
  const count = await page.getByTestId('timeline-segments').locator('li').count();
  expect(count).toBeGreaterThanOrEqual(whole30);
  expect(count).toBeLessThanOrEqual(started);
});

/** Waits until the timeline's recorder shows at least `seconds` recorded (its own clock, m:ss). */
async function recordedFor(page: Page, seconds: number): Promise<void> {
  const elapsed = page.getByTestId('timeline-elapsed');
  await expect
    .poll(
      async () => {
        const [m = '0', s = '0'] = ((await elapsed.textContent()) ?? '').split(' ')[0]?.split(':') ?? [];
        return Number(m) * 60 + Number(s);
      },
      { timeout: (seconds + 60) * 1000, intervals: [500] },
    )
    .toBeGreaterThanOrEqual(seconds);
}

test('a two-minute recording is analysed as it goes: one segment for the one utterance, at its place', async ({
  page,
}) => {
  test.setTimeout(360_000);
  await openTimeline(page);
  await page.getByTestId('timeline-record').click();
  // The fake microphone plays a RAVDESS clip, then silence: the segment closes (and is analysed) during recording.
  await expect(page.getByTestId('timeline-segments').locator('li')).toHaveCount(1, { timeout: 60_000 });
  await recordedFor(page, 120);
  await page.getByTestId('timeline-stop').click();
  await expect(page.getByTestId('timeline-result')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  const rows = page.getByTestId('timeline-segments').locator('li');
  await expect(rows).toHaveCount(1);
  const start = Number(await rows.first().getAttribute('data-start'));
  const end = Number(await rows.first().getAttribute('data-end'));
  const clipSeconds = ravdessClipSamples() / 16_000;
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeLessThan(clipSeconds + 1.5);
  const ms = Number(await page.getByTestId('stop-to-result').getAttribute('data-ms'));
  console.log(`two-minute recording: whole timeline ${String(ms)} ms after stop`);
  expect(ms).toBeGreaterThanOrEqual(0);
});

test('a reload in the middle of a recording keeps what was captured, and it can be analysed', async ({ page }) => {
  test.setTimeout(240_000);
  await openTimeline(page);
  await page.getByTestId('timeline-record').click();
  await recordedFor(page, 6);
  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  const offer = page.getByTestId('interrupted-recording');
  await expect(offer).toHaveCount(1);
  // Stored every half second: a reload loses at most the last half second of what was captured.
  const kept = /A recording of (\d+):(\d+\.\d)/.exec((await offer.textContent()) ?? '');
  expect(Number(kept?.[1]) * 60 + Number(kept?.[2])).toBeGreaterThanOrEqual(5.5);
  await offer.getByTestId('analyse-interrupted').click();
  await expect(page.getByTestId('timeline-result')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('timeline-segments').locator('li')).toHaveCount(1);
  await expect(offer).toHaveCount(0);
});

test('an engine crash during a recording stops it, and what was stored is offered for analysis', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?backend=wasm&debug=1#timeline');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('timeline-record').click();
  await recordedFor(page, 6);
  await crashWorker(page, 'now');
  await expect(page.getByTestId('timeline-error')).toHaveAttribute('data-code', 'worker-crashed', { timeout: 30_000 });
  // Recording stopped: the button offers to record again.
  await expect(page.getByTestId('timeline-record')).toBeVisible();
  const offer = page.getByTestId('interrupted-recording');
  await expect(offer).toHaveCount(1);
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await offer.getByTestId('analyse-interrupted').click();
  await expect(page.getByTestId('timeline-result')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('timeline-segments').locator('li')).toHaveCount(1);
});
