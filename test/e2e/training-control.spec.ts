/**
 * Controlling a run in the page (lite pair, WASM): pause holds the run still and resume continues it; a reload in the
 * middle of a run (as a crash or a closed tab would) leaves its last epoch checkpoint, which the Train screen offers
 * to resume, and the resumed run finishes with the earlier epochs still on the chart; cancel stops a run and stores no
 * head; a run can start from the shipped head.
 */
import { expect, test, type Page } from '@playwright/test';
import { LOAD_TIMEOUT, ravdessClipsOf } from './helpers.ts';

const RUN_TIMEOUT = 300_000;
const EPOCHS = 12;

function clips(): string[] {
  return ravdessClipsOf(['01', '02', '03'], ['neutral', 'happy', 'sad', 'angry'], 2);
}

async function startRun(page: Page, name: string, epochs: number): Promise<void> {
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-head-name').fill(name);
  await page.getByTestId('setting-epochs').fill(String(epochs));
  await page.getByTestId('setting-warmupSteps').fill('0');
  await page.getByTestId('start-training').click();
  await expect(page.getByTestId('train-status')).toContainText(/Epoch \d+ of/, { timeout: RUN_TIMEOUT });
}

const points = async (page: Page): Promise<number> =>
  Number(await page.getByTestId('loss-chart').getAttribute('data-points'));

test('pause and resume, resume after a reload, cancel', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?pair=lite&backend=wasm#library');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  const files = clips();
  await page.getByTestId('library-files').setInputFiles(files);
  await expect(page.getByTestId('clip-count')).toHaveText(String(files.length), { timeout: 120_000 });

  // Pause: no step happens while paused; resume: steps go on.
  // Epochs of the lite-acoustic head take a moment each: enough of them that the run is still going at the reload.
  await startRun(page, 'resumed head', EPOCHS);
  const progress = page.getByTestId('train-progress');
  await page.getByTestId('pause-training').click();
  await expect(progress).toHaveAttribute('data-phase', 'paused');
  const held = await points(page);
  // Nothing may happen while paused, so there is no event to wait for: the run gets 3 s to show it stays still.
  await page.waitForTimeout(3_000);
  expect(await points(page)).toBe(held);
  await page.getByTestId('resume-training').click();
  await expect(progress).toHaveAttribute('data-phase', 'training');

  // A reload after the first checkpoint (as a closed tab would, here while paused so the run cannot finish first):
  // the run is offered for resuming, and finishes.
  const rows = page.getByTestId('epoch-table').locator('tbody tr');
  await expect(rows.first()).toBeVisible({ timeout: RUN_TIMEOUT });
  await page.getByTestId('pause-training').click();
  await expect(progress).toHaveAttribute('data-phase', 'paused');
  expect(await rows.count()).toBeLessThan(EPOCHS);
  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('tab-train').click();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText('resumed head');
  await page.getByTestId('resume-run').click();
  await expect(progress).toHaveAttribute('data-phase', 'finished', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('train-engine')).toContainText('resumed after epoch');
  // Every epoch on the chart: those before the reload come from the checkpoint.
  await expect(rows).toHaveCount(EPOCHS);
  await expect(offer).toHaveCount(0);
  await page.getByTestId('tab-heads').click();
  await expect(page.getByTestId('head-item')).toHaveCount(1);

  // Cancel: the run stops and no head is stored.
  await startRun(page, 'cancelled head', 10 * EPOCHS);
  await page.getByTestId('cancel-training').click();
  await expect(progress).toHaveAttribute('data-phase', 'cancelled', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('train-status')).toContainText('no head was saved');
  await page.getByTestId('tab-heads').click();
  await expect(page.getByTestId('head-item')).toHaveCount(1);
  await expect(page.getByTestId('head-item')).toHaveAttribute('data-name', 'resumed head');

  // Start from the shipped head: it carries the labels it shares with the run, and the run says so.
  await page.getByTestId('tab-train').click();
  const startFrom = page.getByTestId('train-start-from');
  const options = await startFrom.locator('option').allTextContents();
  expect(options[0]).toBe('Nothing (a new head)');
  expect(options.filter((o) => o.startsWith('resumed head (library): carries'))).not.toEqual([]);
  const shipped = options.find((o) => o.includes('(shipped with the app): carries'));
  if (shipped === undefined) throw new Error(`no shipped head offered: ${options.join(' | ')}`);
  // The list says what the run downloads first: the head's training-only weights, which scoring never fetched.
  expect(shipped).toMatch(/\(a run first downloads [\d.]+ MB of training weights\)$/);
  await startFrom.selectOption({ label: shipped });
  await startRun(page, 'from shipped', 1);
  await expect(progress).toHaveAttribute('data-phase', 'finished', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('run-notice').filter({ hasText: /^Starting from builtin:/ })).toContainText(
    'label(s) carried over',
  );
});
