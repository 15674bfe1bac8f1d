/**
 * Runs in the 'fake-mic' project, whose Chromium offers WebGPU only through SwiftShader (a CPU renderer). Auto must
 * not pick it: the encoders run about 100 times slower there than on WASM. Asking for WebGPU by name still gets it.
 */
import { expect, test } from '@playwright/test';
import { openReady } from './helpers.ts';

test('auto passes over a software WebGPU adapter for threaded WASM and says why', async ({ page }) => {
  await openReady(page, 'auto');
  await expect(page.getByTestId('backend')).toHaveText('wasm-mt');
  await expect(page.getByTestId('backend-rejected')).toContainText(/software renderer/);
  await expect(page.getByTestId('backend-rejected')).toContainText(/swiftshader/i);
});
