/**
 * The emotion panel with a head: the fixture pair's built-in random-weight head scores an uploaded RAVDESS clip;
 * importing head files (picker or drop) replaces it and re-scores the clip on screen without analysing it again;
 * broken or foreign heads are refused with the previous head and its scores kept; removing the head leaves the
 * embedded head scoring (said as such); switching pairs sets an imported head aside with a notice, and it comes back
 * with its pair. A head imported on the Classify screen is kept in the library like one imported on the Heads
 * screen, and the choice survives a reload.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { ANALYSE_TIMEOUT, fixtureHeadFiles, LOAD_TIMEOUT, openReady, ravdessPath, writeTempHead } from './helpers.ts';

interface HeadConfig {
  config: { labels: string[] };
  encoders: { pair: string; audio: string; text: string; hiddenStateLayer: string | number };
}

const head = fixtureHeadFiles();
const LABELS = (JSON.parse(head.config) as HeadConfig).config.labels;

/** Labels and scores of the panel's rows, in display order. */
async function shownScores(panel: Locator): Promise<{ label: string; score: number }[]> {
  const rows = panel.locator('[data-label]');
  const n = await rows.count();
  const out: { label: string; score: number }[] = [];
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i);
    out.push({
      label: (await row.getAttribute('data-label')) ?? '',
      score: Number(await row.getAttribute('data-score')),
    });
  }
  return out;
}

function expectScores(scores: { label: string; score: number }[]): void {
  expect(scores.map((s) => s.label).sort()).toEqual([...LABELS].sort());
  for (const s of scores) expect(Number.isFinite(s.score), s.label).toBe(true);
  expect(Math.abs(scores.reduce((a, s) => a + s.score, 0) - 1)).toBeLessThan(1e-5);
  for (let i = 1; i < scores.length; i++)
    expect(scores[i - 1]?.score).toBeGreaterThanOrEqual(scores[i]?.score ?? Number.NaN);
}

/** Drops files on the head's drop target as a drag from the desktop would. */
async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, bytes: Array.from(f.bytes) }));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    return dt;
  }, payload);
  await page.getByTestId('head-drop').dispatchEvent('drop', { dataTransfer });
}

test('the fixture head scores a clip; imported heads replace it or are refused', async ({ page }) => {
  await openReady(page, 'wasm');
  const panel = page.getByTestId('emotion-panel');
  // The built-in head is there before any clip, and says what it is.
  await expect(page.getByTestId('head-name')).toHaveText('fixture-random', { timeout: LOAD_TIMEOUT });
  await expect(panel).toHaveAttribute('data-state', 'ready');
  await expect(panel).toContainText('random-weight fixture head');
  await expect(page.getByTestId('head-labels')).toHaveText(LABELS.join(', '));
  await expect(page.getByTestId('head-metrics')).toContainText('no validation metrics');
  await expect(page.getByTestId('head-engine')).toHaveAttribute('data-backend', 'wasm');

  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(panel).toHaveAttribute('data-state', 'scores', { timeout: ANALYSE_TIMEOUT });
  await expect(panel.locator('[data-label]')).toHaveCount(LABELS.length);
  const builtIn = await shownScores(panel);
  expectScores(builtIn);
  await expect(page.getByTestId('timings')).toContainText('emotion head');

  // The same head's files, imported: it replaces the built-in one, and the clip is re-scored without re-analysis.
  const valid = writeTempHead('head-valid', head.config, head.weights);
  await page.getByTestId('head-input').setInputFiles(valid);
  await expect(page.getByTestId('head-name')).toHaveText('config.json + model.safetensors');
  await expect(page.getByTestId('head-source')).toHaveText('config.json + model.safetensors');
  await expect(panel).toHaveAttribute('data-state', 'scores');
  expect(await shownScores(panel)).toEqual(builtIn);
  await expect(page.getByTestId('head-error')).toHaveCount(0);

  const refusals: { files: string[]; message: RegExp }[] = [
    // Only one of the two files.
    { files: [valid[0]], message: /two files: config\.json and model\.safetensors.*got config\.json/ },
    // A damaged weights file.
    {
      files: writeTempHead('head-truncated', head.config, head.weights.slice(0, head.weights.length - 1000)),
      message: /model\.safetensors is not a readable safetensors file/,
    },
    // A head trained on other encoders.
    {
      files: writeTempHead(
        'head-lite',
        JSON.stringify({
          ...(JSON.parse(head.config) as HeadConfig),
          encoders: { pair: 'lite', audio: 'lite-acoustic', text: 'lite-ngram', hiddenStateLayer: 'head-input' },
        }),
        head.weights,
      ),
      message:
        /lite-acoustic \+ lite-ngram features \(pair "lite"\), but the loaded models are wav2vec2-tiny-fixture \+ roberta-tiny-fixture \(pair "fixture"\)/,
    },
  ];
  for (const { files, message } of refusals) {
    await page.getByTestId('head-input').setInputFiles(files);
    const error = page.getByTestId('head-error');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('data-code', 'bad-model');
    await expect(page.getByTestId('head-error-message')).toHaveText(message);
    // Nothing lost: the previous head and the clip's scores stay.
    await expect(page.getByTestId('head-name')).toHaveText('config.json + model.safetensors');
    expect(await shownScores(panel)).toEqual(builtIn);
    await page.getByTestId('dismiss-head-error').click();
    await expect(error).toHaveCount(0);
  }
  // The clip's own error banner never appeared: head errors are not clip errors.
  await expect(page.getByTestId('error')).toHaveCount(0);

  // Removed: the clip is scored by the embedded head instead, and the panel says so (never the removed head's labels).
  await page.getByTestId('head-remove').click();
  await expect(panel).toHaveAttribute('data-scorer', 'embedded');
  await expect(panel).toHaveAttribute('data-state', 'scores');
  await expect(page.getByTestId('scored-by')).toContainText('Scored by the embedded acoustic model');
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'embedded');
  expect((await shownScores(panel)).map((s) => s.label).sort()).not.toEqual([...LABELS].sort());

  // Dropping both files brings the head back, and the clip on screen is scored again.
  await dropFiles(page, [
    { name: 'model.safetensors', bytes: head.weights },
    { name: 'config.json', bytes: new TextEncoder().encode(head.config) },
  ]);
  await expect(panel).toHaveAttribute('data-scorer', 'pair');
  await expect(panel).toHaveAttribute('data-state', 'scores');
  expect(await shownScores(panel)).toEqual(builtIn);
});

test('switching pairs sets an imported head aside with a notice; switching back brings it back', async ({ page }) => {
  await openReady(page, 'wasm');
  await expect(page.getByTestId('head-name')).toHaveText('fixture-random', { timeout: LOAD_TIMEOUT });
  // Validation metrics stored with a head are shown as UA/WA, and its model card's facts beside them.
  const base = JSON.parse(head.config) as HeadConfig & { training?: Record<string, unknown> };
  const card = {
    data: 'Six acted clips',
    license: 'CC BY-NC-SA 4.0',
    validation: 'Held-out speaker 02',
    limitations: 'Not for decisions about people',
  };
  const withMetrics = JSON.stringify({
    ...base,
    metrics: { ua: 0.5, wa: 0.625, macroF1: 0.4 },
    training: { ...base.training, validationClips: 2, validationSpeakers: ['02'], card },
  });
  await page.getByTestId('head-input').setInputFiles(
    writeTempHead('head-switch', withMetrics, head.weights, {
      config: 'my-head.json',
      weights: 'my-head.safetensors',
    }),
  );
  await expect(page.getByTestId('head-name')).toHaveText('my-head.json + my-head.safetensors');
  await expect(page.getByTestId('head-metrics')).toHaveText('UA 50.0 % · WA 62.5 %');
  await expect(page.getByTestId('head-validation-set')).toHaveText(
    '2 validation clips, speakers 02. Held-out speaker 02',
  );
  await expect(page.getByTestId('head-data')).toHaveText(card.data);
  await expect(page.getByTestId('head-license')).toHaveText('CC BY-NC-SA 4.0: non-commercial use only');
  await expect(page.getByTestId('head-limitations')).toHaveText(card.limitations);

  await page.getByTestId('pair-select').selectOption('lite');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  const panel = page.getByTestId('emotion-panel');
  await expect(page.getByTestId('head-notice')).toContainText(
    'The head "my-head.json + my-head.safetensors" was trained for pair "fixture", so it does not classify with "lite". It classifies again when you switch back to "fixture".',
  );
  // The lite pair's own shipped head takes its place.
  await expect(panel).toHaveAttribute('data-state', 'ready');
  await expect(panel).toHaveAttribute('data-scorer', 'pair');
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'pair');
  await expect(page.getByTestId('head-name')).not.toHaveText('my-head.json + my-head.safetensors');

  // Back on the pair it was trained for, it classifies again: the choice is kept per pair.
  await page.getByTestId('pair-select').selectOption('fixture');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('head-name')).toHaveText('my-head.json + my-head.safetensors', {
    timeout: LOAD_TIMEOUT,
  });
});

test('a worker restart keeps the imported head, and a removed head stays removed', async ({ page }) => {
  const crash = async (): Promise<void> => {
    await page.evaluate(() => {
      const debug = (window as { __mmer?: { crashWorker: (when?: string) => void } }).__mmer;
      if (!debug) throw new Error('window.__mmer missing: is ?debug=1 handled?');
      debug.crashWorker('now');
    });
  };
  await openReady(page, 'wasm', '&debug=1');
  await expect(page.getByTestId('head-name')).toHaveText('fixture-random', { timeout: LOAD_TIMEOUT });
  await page
    .getByTestId('head-input')
    .setInputFiles(
      writeTempHead('head-crash', head.config, head.weights, { config: 'mine.json', weights: 'mine.safetensors' }),
    );
  await expect(page.getByTestId('head-name')).toHaveText('mine.json + mine.safetensors');

  await crash();
  await expect(page.getByTestId('notice')).toContainText('restarted (1)', { timeout: 30_000 });
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  // The restarted worker loaded its built-in head; the page put the user's head back.
  await expect(page.getByTestId('head-name')).toHaveText('mine.json + mine.safetensors', { timeout: LOAD_TIMEOUT });

  await page.getByTestId('head-remove').click();
  const panel = page.getByTestId('emotion-panel');
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'embedded');
  await crash();
  await expect(page.getByTestId('notice')).toContainText('restarted (2)', { timeout: 30_000 });
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  // Still removed after the restart: the embedded head scores, not the fixture's built-in one nor the user's.
  await expect(panel).toHaveAttribute('data-scorer', 'embedded');
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'embedded');
  await expect(page.getByTestId('head-remove')).toHaveCount(0);
});

test('a head imported on the Classify screen is kept in the library and chosen again after a reload', async ({
  page,
}) => {
  await openReady(page, 'wasm');
  await expect(page.getByTestId('head-name')).toHaveText('fixture-random', { timeout: LOAD_TIMEOUT });
  await page
    .getByTestId('head-input')
    .setInputFiles(
      writeTempHead('head-kept', head.config, head.weights, { config: 'kept.json', weights: 'kept.safetensors' }),
    );
  await expect(page.getByTestId('head-name')).toHaveText('kept.json + kept.safetensors');
  // Listed and marked active under Heads & evaluation, as the Heads screen's own import would be.
  await page.getByTestId('tab-heads').click();
  const item = page.getByTestId('head-item').filter({ hasText: 'kept.json + kept.safetensors' });
  await expect(item.getByTestId('active-badge')).toBeVisible();

  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('tab-classify').click();
  await expect(page.getByTestId('head-name')).toHaveText('kept.json + kept.safetensors', { timeout: LOAD_TIMEOUT });

  // Removing it is a choice too: after another reload the embedded head scores, not the fixture's built-in one.
  await page.getByTestId('head-remove').click();
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'embedded');
  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'embedded', { timeout: LOAD_TIMEOUT });
  await expect(page.getByTestId('head-remove')).toHaveCount(0);
});
