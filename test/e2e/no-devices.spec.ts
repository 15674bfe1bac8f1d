/**
 * Runs in the 'no-devices' project: Chromium without WebGPU (no --enable-unsafe-webgpu) and without a fake
 * microphone, like a machine with neither a usable GPU nor a microphone.
 */
import { expect, test } from '@playwright/test';
import { LOAD_TIMEOUT, openReady } from './helpers.ts';

test('without WebGPU, auto falls back to threaded WASM and says why', async ({ page }) => {
  await openReady(page, 'auto');
  // vite preview serves COOP/COEP, so threads are available.
  await expect(page.getByTestId('backend')).toHaveText('wasm-mt');
  await expect(page.getByTestId('backend-rejected')).toContainText(/WebGPU/i);
  await expect(page.getByTestId('backend-rejected')).toContainText(/adapter|WebGPU API/);
});

test('forcing WebGPU where there is none gives a no-webgpu error', async ({ page }) => {
  await page.goto('/?pair=fixture&backend=webgpu');
  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: LOAD_TIMEOUT });
  await expect(banner).toHaveAttribute('data-code', 'no-webgpu');
  await expect(page.getByTestId('error-message')).toContainText('WebGPU was requested but cannot run here');
});

test('recording with no microphone gives a mic-absent error and files still work', async ({ page }) => {
  await openReady(page, 'wasm');
  await page.getByTestId('record').click();
  const banner = page.getByTestId('error');
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(banner).toHaveAttribute('data-code', 'mic-absent');
  await expect(page.getByTestId('record')).toBeEnabled();
  await expect(page.getByTestId('file-input')).toBeEnabled();
});
