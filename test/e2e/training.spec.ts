/**
 * Training mode end to end, with the lite encoders: 48 real RAVDESS clips (actors 1-4, four emotions) go into the
 * library through the file input and are labelled from their names; a head trains for 2 epochs on WebGPU (SwiftShader
 * here) and the loss falls on screen; after a reload the clips and the head are still there and the head classifies
 * a clip of an actor it never heard; it is evaluated on the test split, exported and imported back; a second run
 * trains on WASM. Screenshots of each screen go to `screenshots/` (not committed) so the UI can be looked at.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { RAVDESS_DIR, REPO_ROOT } from '../shared-data.ts';
import { LOAD_TIMEOUT, ravdessClipsOf } from './helpers.ts';

const EMOTIONS = ['neutral', 'happy', 'sad', 'angry'];
const ACTORS = ['01', '02', '03', '04'];
const PER_ACTOR_AND_EMOTION = 3;
const HELD_OUT = 'Actor_05/03-01-05-02-01-01-05.wav';
/** Training on software WebGPU is slow; these bound a run, they are not performance claims. */
const TRAIN_TIMEOUT = 300_000;
const SHOTS = join(REPO_ROOT, 'screenshots');

/** 3 clips per actor and emotion, from the dataset's own list. */
function chosenClips(): string[] {
  return ravdessClipsOf(ACTORS, EMOTIONS, PER_ACTOR_AND_EMOTION);
}

async function open(page: Page, backend: 'webgpu' | 'wasm', screen: string): Promise<void> {
  await page.goto(`/?pair=lite&backend=${backend}#${screen}`);
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Starts a run with `epochs` and waits for it to finish; returns the mean loss of each epoch from the table. */
async function train(page: Page, name: string, epochs: number): Promise<number[]> {
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-head-name').fill(name);
  await page.getByTestId('setting-epochs').fill(String(epochs));
  await page.getByTestId('setting-warmupSteps').fill('0');
  await page.getByTestId('start-training').click();
  const progress = page.getByTestId('train-progress');
  await expect(progress).toHaveAttribute('data-phase', 'finished', { timeout: TRAIN_TIMEOUT });
  await expect(page.getByTestId('train-done')).toBeVisible();
  const rows = page.getByTestId('epoch-table').locator('tbody tr');
  await expect(rows).toHaveCount(epochs);
  return rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-loss'))));
}

test('import RAVDESS clips, train on WebGPU and WASM, reload, classify, evaluate, export and import a head', async ({
  page,
}) => {
  test.setTimeout(600_000);
  page.on('pageerror', (err) => {
    console.log(`[pageerror] ${err.message}`);
  });
  const files = chosenClips();
  expect(files).toHaveLength(ACTORS.length * EMOTIONS.length * PER_ACTOR_AND_EMOTION);

  await open(page, 'webgpu', 'library');
  await page.getByTestId('library-files').setInputFiles(files);
  await expect(page.getByTestId('import-summary')).toContainText(`Added ${String(files.length)} clip(s).`, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('clip-count')).toHaveText(String(files.length));
  // Labelled from the file names; speakers are the actors, so the automatic split keeps each actor on one side.
  for (const emotion of EMOTIONS)
    await expect(
      page.locator(`[data-testid="label-counts"] tr[data-label="${emotion}"] td[data-split="all"]`),
    ).toHaveText('12');
  await shot(page, 'library');

  const losses = await train(page, 'webgpu head', 2);
  expect(losses.filter((v) => !Number.isFinite(v))).toEqual([]);
  expect(losses[1]).toBeLessThan(losses[0] ?? Number.NaN);
  await expect(page.getByTestId('train-engine')).toHaveAttribute('data-engine', 'webgpu');
  await expect(page.getByTestId('engine-warning')).toHaveCount(0);
  await expect(page.getByTestId('loss-chart')).not.toHaveAttribute('data-points', '0');
  await shot(page, 'training');

  // Everything survives a reload: the clips, the head, and the head's role as the classifier.
  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('tab-library').click();
  await expect(page.getByTestId('clip-count')).toHaveText(String(files.length));
  await page.getByTestId('tab-heads').click();
  const item = page.getByTestId('head-item').filter({ hasText: 'webgpu head' });
  await expect(item).toBeVisible();
  await expect(item.getByTestId('active-badge')).toBeVisible({ timeout: 60_000 });

  await page.getByTestId('tab-classify').click();
  await page.getByTestId('file-input').setInputFiles(join(RAVDESS_DIR, HELD_OUT));
  const panel = page.getByTestId('emotion-panel');
  await expect(panel).toHaveAttribute('data-state', 'scores', { timeout: 120_000 });
  const shown = await panel
    .locator('[data-label]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-label')));
  expect([...shown].sort()).toEqual([...EMOTIONS].sort());

  // Evaluation on the test split: metrics, a confusion matrix whose counts add up to the clips evaluated.
  await page.getByTestId('tab-heads').click();
  await item.getByTestId('evaluate-head').click();
  const evaluation = page.getByTestId('evaluation');
  await expect(evaluation).toBeVisible({ timeout: 120_000 });
  const cells = await evaluation
    .locator('[data-testid="confusion"] td')
    .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-count'))));
  const predictions = await evaluation.getByTestId('prediction').count();
  expect(predictions).toBeGreaterThan(0);
  expect(cells.reduce((a, b) => a + b, 0)).toBe(predictions);
  await shot(page, 'evaluation');

  // Export gives the CLI's two files; importing them back adds a second head that loads.
  const downloads: string[] = [];
  page.on('download', (d) => {
    downloads.push(d.suggestedFilename());
    void d.saveAs(join(test.info().outputDir, d.suggestedFilename()));
  });
  await item.getByTestId('export-head').click();
  await expect.poll(() => downloads.length).toBe(2);
  expect([...downloads].sort()).toEqual(['config.json', 'model.safetensors']);
  await expect
    .poll(
      () =>
        existsSync(join(test.info().outputDir, 'model.safetensors')) &&
        existsSync(join(test.info().outputDir, 'config.json')),
    )
    .toBe(true);
  await page
    .getByTestId('library-head-input')
    .setInputFiles([join(test.info().outputDir, 'config.json'), join(test.info().outputDir, 'model.safetensors')]);
  await expect(page.getByTestId('head-item')).toHaveCount(2, { timeout: 60_000 });

  // The same library trains on WASM too.
  await open(page, 'wasm', 'train');
  const wasmLosses = await train(page, 'wasm head', 1);
  expect(wasmLosses.filter((v) => !Number.isFinite(v))).toEqual([]);
  await expect(page.getByTestId('train-engine')).toHaveAttribute('data-engine', 'wasm');
  await expect(page.getByTestId('engine-warning')).toBeVisible();
  // The warning says how much slower, from a matmul timed on this engine at the start of the run.
  const estimate = page.getByTestId('slowdown-estimate');
  await expect(estimate).toContainText(/about [\d.]+(-\d+)? times slower than on a laptop GPU/);
  await expect(estimate).toContainText(/at \d+(\.\d)? GFLOP\/s/);
  const [low, high] = [
    Number(await estimate.getAttribute('data-low')),
    Number(await estimate.getAttribute('data-high')),
  ];
  expect(low).toBeGreaterThanOrEqual(1);
  expect(high).toBeGreaterThan(low);
});
