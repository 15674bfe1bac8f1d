/**
 * One code path for the CLI and the page. A head trained by `npm run mmer -- train` (lite pair, a few RAVDESS
 * clips) is imported on the Heads screen, and the page's scores for a clip equal `npm run mmer -- predict --json` on
 * the same clip; and `npm run cli -- transcribe` scores a clip as the page does with the same pair and head.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ravdessClip, REPO_ROOT } from '../shared-data.ts';
import { E2E_TMP, LOAD_TIMEOUT } from './helpers.ts';

const CLIPS = [
  ['Actor_01/03-01-04-01-01-01-01.wav', 'sad', '01'],
  ['Actor_01/03-01-04-01-02-01-01.wav', 'sad', '01'],
  ['Actor_01/03-01-05-01-01-01-01.wav', 'angry', '01'],
  ['Actor_01/03-01-05-01-02-01-01.wav', 'angry', '01'],
  ['Actor_02/03-01-04-01-01-01-02.wav', 'sad', '02'],
  ['Actor_02/03-01-05-01-01-01-02.wav', 'angry', '02'],
] as const;
const PROBE = 'Actor_03/03-01-05-02-01-01-03.wav';
/** Same kernels (tfjs WASM in both), same weights, same features: only float32 summation order may differ. */
const TOLERANCE = 1e-4;

/** The page's scores for a clip chosen with the file picker on the Classify screen. */
async function pageScores(page: Page, file: string): Promise<{ label: string; score: number }[]> {
  await page.getByTestId('file-input').setInputFiles(file);
  const panel = page.getByTestId('emotion-panel');
  await expect(panel).toHaveAttribute('data-state', 'scores', { timeout: 120_000 });
  return panel
    .locator('[data-label]')
    .evaluateAll((els) =>
      els.map((e) => ({ label: e.getAttribute('data-label') ?? '', score: Number(e.getAttribute('data-score')) })),
    );
}

function mmer(args: string[]): string {
  return execFileSync('npx', ['tsx', 'cli/mmer.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

test('a head trained by the CLI imports into the page and scores a clip as `predict` does', async ({ page }) => {
  test.setTimeout(180_000);
  const dir = join(E2E_TMP, `cli-head-${String(process.pid)}-${String(Date.now())}`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const rows = CLIPS.map(([rel, emotion, speaker], i) => {
    copyFileSync(ravdessClip(rel), join(dir, 'data', `${String(i)}.wav`));
    return `${String(i)}.wav,${emotion},${speaker}`;
  });
  writeFileSync(join(dir, 'data', 'metadata.csv'), `path,emotion,speaker\n${rows.join('\n')}\n`);
  const head = join(dir, 'head');
  mmer([
    'train',
    '--data',
    join(dir, 'data'),
    '--encoders',
    'lite',
    '--out',
    head,
    '--val-speakers',
    '02',
    '--epochs',
    '1',
    '--batch',
    '4',
  ]);
  const predicted = JSON.parse(mmer(['predict', '--head', head, '--json', ravdessClip(PROBE)])) as {
    scores: { label: string; score: number }[];
  }[];
  const cli = new Map((predicted[0]?.scores ?? []).map((s) => [s.label, s.score]));
  expect([...cli.keys()].sort()).toEqual(['angry', 'sad']);
  // A trained head's scores are not uniform, so agreeing within the tolerance below says something.
  expect(Math.abs((cli.get('angry') ?? 0.5) - 0.5)).toBeGreaterThan(10 * TOLERANCE);

  await page.goto('/?pair=lite&backend=wasm#heads');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page
    .getByTestId('library-head-input')
    .setInputFiles([join(head, 'config.json'), join(head, 'model.safetensors')]);
  await expect(page.getByTestId('head-item').getByTestId('active-badge')).toBeVisible({ timeout: 60_000 });

  await page.getByTestId('tab-classify').click();
  const shown = await pageScores(page, ravdessClip(PROBE));
  expect(shown.map((s) => s.label).sort()).toEqual(['angry', 'sad']);
  for (const s of shown) expect(Math.abs(s.score - (cli.get(s.label) ?? Number.NaN))).toBeLessThan(TOLERANCE);
});

test('`npm run cli -- transcribe` scores a clip as the page does with the same pair and head', async ({ page }) => {
  test.setTimeout(300_000);
  const out = execFileSync(
    'npx',
    ['tsx', 'cli/main.ts', 'transcribe', '--pair', 'fixture', '--json', ravdessClip(PROBE)],
    { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
  );
  const line = JSON.parse(out.trim()) as {
    emotion: { label: string; score: number }[] | null;
    scorer: { source: string; head: string } | null;
  };
  expect(line.scorer?.source).toBe('pair');
  const cli = new Map((line.emotion ?? []).map((s) => [s.label, s.score]));
  expect(cli.size).toBeGreaterThan(1);

  await page.goto('/?pair=fixture&backend=wasm');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  const shown = await pageScores(page, ravdessClip(PROBE));
  expect(shown.map((s) => s.label).sort()).toEqual([...cli.keys()].sort());
  // The encoders run on onnxruntime-web's WASM kernels in the page and on onnxruntime-node's in the CLI: the head's
  // scores may differ only by float32 rounding carried through both encoders.
  for (const s of shown) expect(Math.abs(s.score - (cli.get(s.label) ?? Number.NaN)), s.label).toBeLessThan(1e-3);
});
