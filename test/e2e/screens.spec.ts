/**
 * Layout regressions fail CI: every screen in the states a person sees (Classify before and after a result, Library
 * with clips, Train running and done, Heads with an evaluation), at 1280 px and at 360 px (a phone), compared with the
 * committed baselines in test/e2e/screens/ (`npx playwright test screens --update-snapshots` after a deliberate
 * change, then look at the new images before committing them). What changes from run to run (timings, training
 * curves and losses, dates) is masked: the boxes stay, so their size and place are still compared.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { LOAD_TIMEOUT, ravdessClipsOf, ravdessPath, sidewaysOverflow } from './helpers.ts';

const WIDTHS = [1280, 360] as const;
const RUN_TIMEOUT = 180_000;

/** One clip per actor (1-4: the library splits them into train, validation and test) and emotion (four). */
function someClips(): string[] {
  return ravdessClipsOf(['01', '02', '03', '04'], ['neutral', 'happy', 'sad', 'angry'], 1);
}

/** What differs between two runs of the same steps. */
function moving(page: Page): Locator[] {
  return [
    page.getByTestId('timings'),
    page.getByTestId('backend-reason'),
    page.getByTestId('loss-chart'),
    page.getByTestId('epoch-table'),
    page.getByTestId('train-status'),
    page.getByTestId('slowdown-estimate'),
    page.getByTestId('train-engine'),
    page.locator('time'),
  ];
}

/**
 * Compares the page at both widths with its baselines, then goes back to the first width. `style` hides what may or may
 * not be there at the moment of the picture (display: none, so the page's height does not depend on it).
 */
async function expectScreen(page: Page, name: string, style = ''): Promise<void> {
  // The storage line's wording and length follow the machine's disk and quota: never part of a baseline.
  const hidden = await page.addStyleTag({ content: `[data-testid="storage"] { display: none !important; } ${style}` });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // Nothing needs sideways scrolling, with content on screen too (layout.spec.ts checks the empty screens).
    // Charts follow their box's width a frame after a resize: polled until they have.
    await expect
      .poll(() => sidewaysOverflow(page), { message: `${name} at ${String(width)} px` })
      .toEqual({ scrollWidth: width, wider: [] });
    await expect(page).toHaveScreenshot(`${name}-${String(width)}.png`, {
      fullPage: true,
      mask: moving(page),
      maxDiffPixelRatio: 0.01,
    });
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 900 });
  await hidden.evaluate((el: Element) => {
    el.remove();
  });
}

test('every screen matches its baseline at 1280 and 360 px', async ({ page }) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: WIDTHS[0], height: 900 });
  await page.goto('/?pair=lite&backend=wasm');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expectScreen(page, 'classify-ready');

  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(page.getByTestId('emotion-panel')).toHaveAttribute('data-state', 'scores', { timeout: 120_000 });
  await expectScreen(page, 'classify-result');

  await page.getByTestId('tab-library').click();
  const files = someClips();
  await page.getByTestId('library-files').setInputFiles(files);
  await expect(page.getByTestId('clip-count')).toHaveText(String(files.length), { timeout: 120_000 });
  await expectScreen(page, 'library');

  await page.getByTestId('tab-train').click();
  await page.getByTestId('train-head-name').fill('screens head');
  await page.getByTestId('setting-epochs').fill('12');
  await page.getByTestId('start-training').click();
  const progress = page.getByTestId('train-progress');
  // Paused before its first step, so the screen holds still (no epoch done yet) while it is compared.
  await page.getByTestId('pause-training').click();
  await expect(progress).toHaveAttribute('data-phase', 'paused');
  // How many epochs end before the pause takes hold varies: the curves and the epoch table are left out of this
  // picture (the finished run's picture has them).
  await expectScreen(page, 'train-running', '.charts, [data-testid="epoch-table"] { display: none !important; }');
  await page.getByTestId('resume-training').click();
  await expect(progress).toHaveAttribute('data-phase', 'finished', { timeout: RUN_TIMEOUT });
  await expectScreen(page, 'train-done');

  await page.getByTestId('tab-heads').click();
  await page.getByTestId('head-item').first().getByTestId('evaluate-head').click();
  await expect(page.getByTestId('evaluation')).toBeVisible({ timeout: RUN_TIMEOUT });
  await expectScreen(page, 'heads-evaluation');
});
