/**
 * The emotion head on tfjs-backend-wasm's threaded build in the built, cross-origin isolated page, under the app's
 * own Content-Security-Policy (the preview server sends it): the head reports as many threads as onnxruntime-web
 * got, and scores a clip. It fails if tfjs' pthread scripts stop reaching its workers (a Blob URL the policy blocks,
 * or a main script broken by the minifier: tools/vite/tfjs-wasm-threads.ts) or if the page quietly falls back to
 * one thread. With `?backend=wasm` the head stays on one thread, as the encoders do.
 */
import { expect, test } from '@playwright/test';
import { ANALYSE_TIMEOUT, openReady, ravdessPath } from './helpers.ts';

test('with threaded WASM the head runs on as many threads as the encoders and scores a clip', async ({ page }) => {
  const workerErrors: string[] = [];
  page.on('console', (m) => {
    if (/worker sent an error|Content Security Policy/i.test(m.text())) workerErrors.push(m.text());
  });
  await openReady(page, 'wasm-mt');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  const engine = page.getByTestId('head-engine');
  await expect(engine).toHaveAttribute('data-backend', 'wasm');
  // The encoders' thread count, as the worker chose it (src/runtime/backend.ts: at least 2 when isolated).
  const encoderThreads = Number(
    /(\d+) threads/.exec((await page.getByTestId('backend-reason').textContent()) ?? '')?.[1],
  );
  expect(encoderThreads).toBeGreaterThan(1);
  await expect(engine).toHaveAttribute('data-threads', String(encoderThreads));
  await expect(engine).toContainText(`${String(encoderThreads)} threads`);

  const panel = page.getByTestId('emotion-panel');
  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  await expect(panel).toHaveAttribute('data-state', 'scores', { timeout: ANALYSE_TIMEOUT });
  expect(workerErrors).toEqual([]);
});

test('with single-threaded WASM the head runs on one thread', async ({ page }) => {
  await openReady(page, 'wasm');
  await expect(page.getByTestId('head-engine')).toHaveAttribute('data-threads', '1');
});
