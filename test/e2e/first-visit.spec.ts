/**
 * A new visitor sees an emotion out of the box: `/` with no parameters loads the manifest's default pair (the embedded
 * one) and its shipped head, scores a fake-microphone recording and a dropped file, and never sends a request beyond
 * localhost, also after a reload. `?pair=base` without a network says the download failed and offers the embedded
 * model; a pair without a head of its own (`?pair=fixture&head=none`) gets scores from the embedded head, the same
 * scores `npm run mmer -- predict` gives; a pair chosen in the page is used again on the next visit while it is cached.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../shared-data.ts';
import { ANALYSE_TIMEOUT, LOAD_TIMEOUT, ravdessPath, recordedAtLeast } from './helpers.ts';

interface ManifestHead {
  id: string;
  pair: string;
  license?: string;
  files: { config: { path: string } };
}
const MODELS = join(REPO_ROOT, 'public', 'models');
const manifest = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as {
  defaultPair: string;
  heads: ManifestHead[];
};
const SHIPPED = manifest.heads.find((h) => h.pair === manifest.defaultPair);
if (SHIPPED === undefined) throw new Error(`the manifest ships no head for its default pair ${manifest.defaultPair}`);
const LABELS = (
  JSON.parse(readFileSync(join(MODELS, SHIPPED.files.config.path), 'utf8')) as { config: { labels: string[] } }
).config.labels;
/** The clip dropped in these tests (and, padded, what the fake microphone plays). */
const CLIP = ravdessPath();

/** Every URL the page and its workers request, from now on. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.context().on('request', (r) => urls.push(r.url()));
  return urls;
}

/** Requests that left this machine (anything but localhost / 127.0.0.1 over http(s); data: and blob: stay local). */
function external(urls: readonly string[]): string[] {
  return urls.filter((u) => {
    const url = new URL(u);
    if (url.protocol === 'data:' || url.protocol === 'blob:') return false;
    return !['localhost', '127.0.0.1'].includes(url.hostname);
  });
}

/** The panel shows the shipped head's scores: every label once, a softmax, best first, and who scored them. */
async function expectShippedScores(
  page: Page,
  source: 'pair' | 'embedded',
): Promise<{ label: string; score: number }[]> {
  const panel = page.getByTestId('emotion-panel');
  await expect(panel).toHaveAttribute('data-state', 'scores', { timeout: ANALYSE_TIMEOUT });
  await expect(panel).toHaveAttribute('data-scorer', source);
  const rows = await panel
    .locator('[data-label]')
    .evaluateAll((els) =>
      els.map((e) => ({ label: e.getAttribute('data-label') ?? '', score: Number(e.getAttribute('data-score')) })),
    );
  expect(rows.map((r) => r.label).sort()).toEqual([...LABELS].sort());
  expect(Math.abs(rows.reduce((a, r) => a + r.score, 0) - 1)).toBeLessThan(1e-4);
  const top = page.getByTestId('top-emotion');
  await expect(top).toHaveAttribute('data-emotion', rows[0]?.label ?? '');
  await expect(top).toContainText(/\d+%/);
  await expect(page.getByTestId('scored-by')).toHaveAttribute('data-head', SHIPPED?.id ?? '');
  // The head's license forbids commercial use, and the page says so beside the score.
  await expect(page.getByTestId('score-license')).toContainText('Non-commercial use only');
  return rows;
}

/** Drops a file on the audio drop zone as a drag from the desktop would. */
async function dropFile(page: Page, path: string): Promise<void> {
  const bytes = Array.from(readFileSync(path));
  const dataTransfer = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'dropped.wav', { type: 'audio/wav' }));
    return dt;
  }, bytes);
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
}

async function recordOnce(page: Page): Promise<void> {
  await page.getByTestId('record').click();
  await expect(page.getByTestId('stop')).toBeVisible({ timeout: 30_000 });
  await recordedAtLeast(page, 3);
  await page.getByTestId('stop').click();
}

test('a first visit scores a recording and a dropped file with the shipped head, offline, and again after a reload', async ({
  page,
}) => {
  const urls = recordRequests(page);
  await page.goto('/');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('pair-select')).toHaveValue(manifest.defaultPair);
  await expect(page.getByTestId('head-name')).toHaveText(SHIPPED.id);
  // The other models are one click away, with their size said before anything downloads.
  await expect(page.getByTestId('full-pair-size')).toContainText(/about \d+ MB/);

  // Adapting to the voice is opt-in; once on, each recording's statistics are kept (never its audio).
  const voice = page.getByTestId('voice-adaptation');
  await expect(voice).toHaveAttribute('data-enabled', 'false');
  await page.getByTestId('adapt-voice').check();
  await recordOnce(page);
  await expectShippedScores(page, 'pair');
  await expect(voice).toHaveAttribute('data-recordings', '1');
  await expect(page.getByTestId('voice-status')).toContainText('adapting after 8 recordings (1 kept so far)');
  // No empty transcript box: one line says this model gives none.
  await expect(page.getByTestId('transcript')).toHaveCount(0);
  await expect(page.getByTestId('no-transcript')).toContainText('no transcript');
  await expect(page.getByTestId('error')).toHaveCount(0);

  await dropFile(page, CLIP);
  await expect(page.getByTestId('result-source')).toHaveText('dropped.wav', { timeout: ANALYSE_TIMEOUT });
  await expectShippedScores(page, 'pair');
  // The head's card: its labels and where it may be used.
  await expect(page.getByTestId('head-labels')).toHaveText(LABELS.join(', '));
  if (SHIPPED.license !== undefined) await expect(page.getByTestId('head-license')).toContainText(SHIPPED.license);
  // The worker's own fetches are seen too (the head's weights come through the worker).
  expect(urls.filter((u) => u.endsWith('/model.safetensors'))).not.toEqual([]);
  expect(external(urls)).toEqual([]);

  urls.length = 0;
  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  await recordOnce(page);
  await expectShippedScores(page, 'pair');
  // Still on after the reload; a dropped file is not a recording of this voice and is not kept.
  await expect(voice).toHaveAttribute('data-recordings', '2');
  await dropFile(page, CLIP);
  await expect(page.getByTestId('result-source')).toHaveText('dropped.wav', { timeout: ANALYSE_TIMEOUT });
  await expectShippedScores(page, 'pair');
  await expect(voice).toHaveAttribute('data-recordings', '2');
  await page.getByTestId('forget-voice').click();
  await expect(voice).toHaveAttribute('data-recordings', '0');
  expect(urls.length).toBeGreaterThan(0);
  expect(external(urls)).toEqual([]);
});

test('?pair=base without a network says the download failed and offers the embedded model', async ({ page }) => {
  await page.context().route(
    (url) => !['localhost', '127.0.0.1'].includes(url.hostname),
    (route) => route.abort('internetdisconnected'),
  );
  await page.goto('/?pair=base&backend=wasm');
  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(banner).toHaveAttribute('data-code', 'download-failed');
  await expect(page.getByTestId('error-message')).toContainText('Could not download');
  await page.getByTestId('use-embedded-instead').click();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  await expect(page).not.toHaveURL(/pair=/);
  await page.getByTestId('file-input').setInputFiles(CLIP);
  await expectShippedScores(page, 'pair');
});

test('a pair without a head of its own is scored by the embedded head, as `mmer predict` scores the clip', async ({
  page,
}) => {
  await page.goto('/?pair=fixture&backend=wasm&head=none');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  const panel = page.getByTestId('emotion-panel');
  await expect(panel).toHaveAttribute('data-scorer', 'embedded');
  await expect(page.getByTestId('head-details')).toHaveAttribute('data-role', 'embedded');
  await expect(page.getByTestId('head-remove')).toHaveCount(0);

  await page.getByTestId('file-input').setInputFiles(CLIP);
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  const shown = await expectShippedScores(page, 'embedded');
  await expect(page.getByTestId('scored-by')).toHaveText(
    `Scored by the embedded acoustic model (${SHIPPED.id}); the test fixture models have no trained emotion head yet.`,
  );

  const cli = JSON.parse(
    execFileSync(
      'npx',
      ['tsx', 'cli/mmer.ts', 'predict', '--head', join(MODELS, SHIPPED.files.config.path, '..'), '--json', CLIP],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 },
    ),
  ) as { scores: { label: string; score: number }[] }[];
  const expected = new Map((cli[0]?.scores ?? []).map((s) => [s.label, s.score]));
  for (const s of shown) expect(Math.abs(s.score - (expected.get(s.label) ?? Number.NaN))).toBeLessThan(1e-4);
});

// The service worker keeps onnxruntime's WASM once loaded (tools/vite/pwa.ts), and a route cannot fail a request
// that the worker answers from its cache: these visits run without it (offline.spec.ts tests it).
test.describe('without the service worker', () => {
  test.use({ serviceWorkers: 'block' });

  test('a pair chosen in the page is used on the next visit while it is cached; the embedded model is the way back', async ({
    page,
  }) => {
    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('pair-select').selectOption('fixture');
    await expect(page.getByTestId('model-choice')).toHaveAttribute('data-pair', 'fixture', { timeout: LOAD_TIMEOUT });
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });

    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
    await expect(page.getByTestId('pair-select')).toHaveValue('fixture');

    // A remembered pair that fails to load (here its runtime cannot start) gives way to the embedded model, with a
    // notice.
    const ortWasm = /ort-wasm[^/]*\.wasm$/;
    await page.context().route(ortWasm, (route) => route.abort());
    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('pair-notice')).toContainText('could not be loaded', { timeout: LOAD_TIMEOUT });
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('pair-select')).toHaveValue(manifest.defaultPair);
    await page.context().unroute(ortWasm);

    // Once the models are gone from the cache, the next visit takes the embedded model, and says why.
    await page.evaluate(async () => {
      for (const name of await caches.keys()) await caches.delete(name);
    });
    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('pair-select')).toHaveValue(manifest.defaultPair);
    await expect(page.getByTestId('pair-notice')).toContainText('no longer in this browser');

    await page.getByTestId('pair-select').selectOption('fixture');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
    await expect(page.getByTestId('model-choice')).toHaveAttribute('data-pair', 'fixture');
    await page.getByTestId('use-embedded').click();
    await expect(page.getByTestId('pair-select')).toHaveValue(manifest.defaultPair);
    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('pair-select')).toHaveValue(manifest.defaultPair);
    await expect(page.getByTestId('pair-notice')).toHaveCount(0);
  });
});
