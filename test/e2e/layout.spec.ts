/**
 * Narrow screens: on a phone (360 CSS px) and at 200 % zoom of a laptop screen (640 CSS px), no screen is wider than
 * the window, so nothing needs sideways scrolling.
 */
import { expect, test } from '@playwright/test';
import { sidewaysOverflow } from './helpers.ts';

for (const width of [360, 640]) {
  test(`every screen fits ${String(width)} px without sideways scrolling`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    for (const screen of ['classify', 'timeline', 'library', 'train', 'heads']) {
      await page.getByTestId(`tab-${screen}`).click();
      const overflow = await sidewaysOverflow(page);
      expect(overflow, `the ${screen} screen at ${String(width)} px`).toEqual({ scrollWidth: width, wider: [] });
    }
  });
}

test('the head details keep a long Source URL inside its own column', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  // The shipped head's source is its full URL on this server: the longest fact the panel shows.
  await expect(page.getByTestId('head-source')).toContainText('http://');
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    const spilled = await page
      .getByTestId('head-details')
      .evaluate((details) =>
        [...details.querySelectorAll('.facts dd')]
          .filter((dd) => dd.scrollWidth > dd.clientWidth + 1)
          .map(
            (dd) =>
              `${dd.previousElementSibling?.textContent ?? '?'}: ${String(dd.scrollWidth)} > ${String(dd.clientWidth)}`,
          ),
      );
    expect(spilled, `at ${String(width)} px`).toEqual([]);
  }
});
