/**
 * Accessibility: axe-core finds no serious or critical violation on any screen (Classify with a result, Library,
 * Train, Heads), and the keyboard alone reaches the main controls.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { ANALYSE_TIMEOUT, ravdessPath } from './helpers.ts';

for (const colorScheme of ['light', 'dark'] as const) {
  test(`no serious accessibility violation on any screen (${colorScheme} colours)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await page.goto('/?backend=wasm');
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await page.getByTestId('file-input').setInputFiles(ravdessPath());
    await expect(page.getByTestId('emotion-panel')).toHaveAttribute('data-state', 'scores', {
      timeout: ANALYSE_TIMEOUT,
    });
    for (const screen of ['classify', 'library', 'train', 'heads']) {
      await page.getByTestId(`tab-${screen}`).click();
      const { violations } = await new AxeBuilder({ page }).analyze();
      const serious = violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(serious, `the ${screen} screen`).toEqual([]);
    }
  });
}

test('the keyboard alone reaches recording, the file picker, the tabs and training', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  const reached = new Set<string>();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(
      () => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.getAttribute('for') ?? '',
    );
    if (id !== '') reached.add(id);
  }
  for (const id of ['record', 'file-input', 'tab-library', 'tab-train']) expect([...reached], id).toContain(id);
  // The tabs work from the keyboard: Enter on the Train tab shows the Train screen, and its start button is reachable.
  await page.getByTestId('tab-train').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('train-screen')).toBeVisible();
  await page.getByTestId('train-head-name').focus();
  await expect(page.getByTestId('train-head-name')).toBeFocused();
});
