/**
 * Faults a person does not cause but meets: the engine crashing during analysis and during training, a reload in the
 * middle of a folder import, two tabs on one library, and a disk that fills up in the middle of an import. In each,
 * what was stored before stays stored and the page goes on working.
 */
import { expect, test, type Page } from '@playwright/test';
import { stored } from './bad-input/table.ts';
import { ANALYSE_TIMEOUT, crashWorker, LOAD_TIMEOUT, openReady, ravdessClipsOf, ravdessPath } from './helpers.ts';

const RUN_TIMEOUT = 300_000;
const EMOTIONS = ['neutral', 'calm', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'];

/** Imports RAVDESS clips on the Library screen and waits for the summary. */
async function importClips(page: Page, files: readonly string[]): Promise<void> {
  await page.getByTestId('tab-library').click();
  await page.getByTestId('library-files').setInputFiles([...files]);
  await expect(page.getByTestId('import-summary')).toContainText(`Added ${String(files.length)} clip(s).`, {
    timeout: 120_000,
  });
}

test('a crash during analysis keeps the library and its head; the clip analyses after the restart', async ({
  page,
}) => {
  await openReady(page, 'wasm', '&debug=1');
  await importClips(page, ravdessClipsOf(['01'], ['happy', 'sad'], 1));
  const before = await stored(page);
  await page.getByTestId('tab-classify').click();
  await crashWorker(page, 'during-next-analysis');
  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'worker-crashed', { timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await page.getByTestId('retry').click();
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  expect(await stored(page)).toEqual(before);
});

test('a crash during training keeps the clips, heads and the last checkpoint, and the run resumes', async ({
  page,
}) => {
  test.setTimeout(480_000);
  await page.goto('/?pair=lite&backend=wasm&debug=1');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await importClips(page, ravdessClipsOf(['01', '02', '03'], ['neutral', 'happy', 'sad', 'angry'], 2));
  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-head-name').fill('crashed run');
  await page.getByTestId('setting-epochs').fill('40');
  await page.getByTestId('setting-warmupSteps').fill('0');
  await page.getByTestId('start-training').click();
  const rows = page.getByTestId('epoch-table').locator('tbody tr');
  await expect(rows.first()).toBeVisible({ timeout: RUN_TIMEOUT });
  await expect.poll(async () => (await stored(page)).checkpoints, { timeout: 60_000 }).toBe(1);
  const before = await stored(page);

  await crashWorker(page, 'now');
  await expect(page.getByTestId('notice')).toContainText('restarted', { timeout: 60_000 });
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-phase', 'failed', { timeout: 60_000 });
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  expect(await stored(page)).toEqual(before);
  expect((await stored(page)).checkpoints).toBe(1);

  // The run is offered for resuming from its checkpoint, and goes on from there.
  await expect(page.getByTestId('resume-offer')).toContainText('crashed run', { timeout: 60_000 });
  await page.getByTestId('resume-run').click();
  await expect(page.getByTestId('train-engine')).toContainText('resumed after epoch', { timeout: RUN_TIMEOUT });
  await page.getByTestId('cancel-training').click();
  await expect(page.getByTestId('train-progress')).toHaveAttribute('data-phase', 'cancelled', { timeout: RUN_TIMEOUT });
  expect((await stored(page)).clips).toBe(before.clips);
});

test('a reload in the middle of a folder import keeps every batch stored before it, whole', async ({ page }) => {
  test.setTimeout(300_000);
  await openReady(page, 'wasm');
  const files = ravdessClipsOf(['04', '05', '10'], EMOTIONS, 8);
  await page.getByTestId('tab-library').click();
  await page.getByTestId('library-files').setInputFiles(files);
  // The reload comes as soon as the first batch is stored, long before the last file is read.
  await expect.poll(async () => (await stored(page)).clips, { timeout: 120_000, intervals: [50] }).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  const kept = await stored(page);
  // Whole batches only, each clip with its audio.
  expect(kept.clips).toBeGreaterThanOrEqual(8);
  expect(kept.clips).toBeLessThan(files.length);
  expect(kept.clips % 8).toBe(0);
  expect(kept.audio).toBe(kept.clips);
  await page.getByTestId('tab-library').click();
  await expect(page.getByTestId('clip-count')).toHaveText(String(kept.clips));
  // The library takes more after the reload.
  await importClips(page, files.slice(0, 2));
  expect((await stored(page)).clips).toBe(kept.clips + 2);
});

test('two tabs on one library see each other’s changes', async ({ page, context }) => {
  await openReady(page, 'wasm');
  const other = await context.newPage();
  await openReady(other, 'wasm');
  await other.getByTestId('tab-library').click();
  await expect(other.getByTestId('clip-count')).toHaveText('0');

  await importClips(page, ravdessClipsOf(['06'], ['happy', 'sad', 'angry'], 1));
  await expect(other.getByTestId('clip-count')).toHaveText('3');

  // Deleted in the other tab: gone here too, and both agree with what is stored.
  await other.getByTestId('clip-row').first().getByTestId('delete-clip').click();
  await expect(page.getByTestId('clip-count')).toHaveText('2');
  expect((await stored(page)).clips).toBe(2);
});

test('a disk that fills up in the middle of an import keeps what was stored and says what was not', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openReady(page, 'wasm');
  await importClips(page, ravdessClipsOf(['07'], ['happy'], 1));
  const before = await stored(page);
  // Chromium's own quota cannot be lowered from a test here (CDP's Storage.overrideQuotaForOrigin leaves the estimate
  // at 10 GB and writes go on), so IndexedDB is made to refuse audio past a budget with the error a full disk gives:
  // room for one batch of 8 clips (2.2-3.8 MB of samples and originals), not for two.
  await page.evaluate((budget) => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the store as `this`
    const add = IDBObjectStore.prototype.add;
    let left = budget;
    IDBObjectStore.prototype.add = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (this.name === 'audio') {
        const audio = value as { pcm: Float32Array; original: Blob | null };
        left -= audio.pcm.byteLength + (audio.original?.size ?? 0);
        if (left < 0) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      }
      return add.call(this, value, key);
    };
  }, 4_000_000);
  const files = ravdessClipsOf(['08', '09'], EMOTIONS.slice(1), 2);
  await page.getByTestId('library-files').setInputFiles(files);
  const error = page.getByTestId('add-error');
  await expect(error).toHaveAttribute('data-code', 'storage-full', { timeout: 120_000 });
  const summary = page.getByTestId('import-summary');
  await expect(summary).toContainText('were not stored');
  const added = Number(/Added (\d+) clip/.exec((await summary.textContent()) ?? '')?.[1]);
  expect(added).toBe(8);
  await expect(summary).toContainText(`${String(files.length - added)} clip(s) were not stored`);
  const after = await stored(page);
  expect(after).toEqual({ ...before, clips: before.clips + added, audio: before.audio + added });
  await expect(page.getByTestId('clip-count')).toHaveText(String(after.clips));
});

test('the Library says how much it stores and asks the browser to keep it once, at the first clip', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const storage = navigator.storage;
    const asked = { count: 0 };
    (window as unknown as { __persistAsked: typeof asked }).__persistAsked = asked;
    storage.persist = () => {
      asked.count++;
      return Promise.resolve(true);
    };
  });
  await openReady(page, 'wasm');
  await page.getByTestId('tab-library').click();
  const line = page.getByTestId('storage');
  await expect(line).toContainText(/The page stores [\d.]+ [kMG]B of the [\d.]+ [kMG]B this browser allows it\./);
  const asked = (): Promise<number> =>
    page.evaluate(() => (window as unknown as { __persistAsked: { count: number } }).__persistAsked.count);
  expect(await asked()).toBe(0);
  const before = (await line.textContent()) ?? '';
  await importClips(page, ravdessClipsOf(['11'], ['sad'], 1));
  await expect.poll(asked).toBe(1);
  // The figure follows the import.
  await expect(line).not.toHaveText(before);
  await importClips(page, ravdessClipsOf(['11'], ['angry'], 1));
  expect(await asked()).toBe(1);
});
