/**
 * The bad-input table's shape and the checks every case shares: the page answers with the expected code or warning,
 * stays usable, and loses nothing it had stored. One runner (bad-input.spec.ts) goes through every case.
 */
import { expect, type Page } from '@playwright/test';
import type { ErrorCode } from '../../../src/core/errors.ts';
import { ANALYSE_TIMEOUT, tone, writeTempWav } from '../helpers.ts';

/** What the page must answer: an error (its banner's test id and code) or a warning next to a result. */
export type Answer =
  | { readonly banner: string; readonly code: ErrorCode; readonly message?: string }
  | { readonly warning: string; readonly message: string }
  /** Nothing to see: the page recovers by itself (a damaged cache entry fetched again). */
  | { readonly recovers: true };

/** One row of the table. */
export interface Case {
  readonly name: string;
  /** Does the bad thing. */
  readonly act: (page: Page) => Promise<void>;
  readonly expect: Answer;
  /** Further checks of what the page offers (and the undoing of what `act` changed outside the page's data). */
  readonly then?: (page: Page) => Promise<void>;
  /** Clips the case stores on purpose (the readable lines of a faulty metadata.csv). */
  readonly adds?: number;
}

/** How many records each store of the library holds. */
export type Stored = Record<'clips' | 'audio' | 'heads' | 'headFiles' | 'checkpoints', number>;

/** Counts the library's records straight from IndexedDB, beside the page's own connection. */
export async function stored(page: Page): Promise<Stored> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('mmer-library');
      req.onsuccess = () => {
        resolve(req.result);
      };
      req.onerror = () => {
        reject(req.error ?? new Error('open failed'));
      };
    });
    const names = ['clips', 'audio', 'heads', 'headFiles', 'checkpoints'] as const;
    const tx = db.transaction([...names], 'readonly');
    const counts = await Promise.all(
      names.map(
        (n) =>
          new Promise<number>((resolve, reject) => {
            const req = tx.objectStore(n).count();
            req.onsuccess = () => {
              resolve(req.result);
            };
            req.onerror = () => {
              reject(req.error ?? new Error('count failed'));
            };
          }),
      ),
    );
    db.close();
    return {
      clips: counts[0] ?? -1,
      audio: counts[1] ?? -1,
      heads: counts[2] ?? -1,
      headFiles: counts[3] ?? -1,
      checkpoints: counts[4] ?? -1,
    };
  });
}

/** Checks the page's answer to a case. */
export async function expectAnswer(page: Page, answer: Answer): Promise<void> {
  if ('recovers' in answer) {
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
    await expect(page.getByTestId('error')).toHaveCount(0);
    return;
  }
  if ('warning' in answer) {
    const notice = page.getByTestId(answer.warning);
    await expect(notice).toBeVisible({ timeout: ANALYSE_TIMEOUT });
    await expect(notice).toContainText(answer.message);
    await expect(page.getByTestId('error')).toHaveCount(0);
    return;
  }
  const banner = page.getByTestId(answer.banner);
  await expect(banner).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(banner).toHaveAttribute('data-code', answer.code);
  if (answer.message !== undefined)
    await expect(page.getByTestId(`${answer.banner}-message`)).toContainText(answer.message);
  // Never a score that is not a number, whatever went wrong (the panel is absent while no models are loaded).
  const panel = page.getByTestId('emotion-panel');
  if ((await panel.count()) > 0) await expect(panel).not.toContainText('NaN');
}

/** The page still does its main job: a good clip chosen on the Classify screen gets its result and no error. */
export async function expectUsable(page: Page): Promise<void> {
  for (const banner of await page.locator('[data-testid^="dismiss-"]').all()) await banner.click();
  await page.getByTestId('tab-classify').click();
  await page.getByTestId('file-input').setInputFiles(writeTempWav('usable.wav', tone(1.5)));
  await expect(page.getByTestId('transcript')).toBeVisible({ timeout: ANALYSE_TIMEOUT });
  await expect(page.getByTestId('duration')).toHaveText('1.50 s');
  await expect(page.getByTestId('error')).toHaveCount(0);
}
