/**
 * The app after one visit: the service worker opens the page without a network and the embedded pair classifies a
 * RAVDESS clip, with the page and its worker still cross-origin isolated; the web app manifest is linked and its
 * icons load; a new build is found on the next visit and waits for the person's reload.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from '../shared-data.ts';
import { ANALYSE_TIMEOUT, ravdessPath } from './helpers.ts';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'public', 'models', 'manifest.json'), 'utf8')) as {
  defaultPair: string;
};

/** Opens `/` and waits until the service worker is active and controls the page (its precache is then complete). */
async function openControlled(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  // A controller means the worker installed (its precache complete), activated and claimed the page; polled, so a
  // failed registration fails here instead of waiting forever on navigator.serviceWorker.ready.
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 60_000 })
    .toBe(true);
}

/** `self.crossOriginIsolated` in the page and in the ML worker. */
async function isolation(page: Page): Promise<{ page: boolean; worker: boolean | null }> {
  const worker = page.workers().find((w) => w.url().includes('ml.worker'));
  return {
    page: await page.evaluate(() => self.crossOriginIsolated),
    worker: worker === undefined ? null : await worker.evaluate(() => self.crossOriginIsolated),
  };
}

test('after one visit the page opens offline, isolated, and the embedded pair classifies a clip', async ({
  page,
  context,
}) => {
  await openControlled(page);
  expect(await isolation(page)).toEqual({ page: true, worker: true });

  await context.setOffline(true);
  // Truly offline: a file the service worker does not keep cannot be fetched.
  const unkept = await page.evaluate(async () =>
    fetch('/models/fixtures/heads/fixture/config.json').then(
      (r) => r.status,
      () => 'failed',
    ),
  );
  expect(unkept).toBe('failed');

  const response = await page.reload();
  expect(response?.fromServiceWorker()).toBe(true);
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('pair-select')).toHaveValue(manifest.defaultPair);
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect.poll(() => isolation(page)).toEqual({ page: true, worker: true });

  await page.getByTestId('file-input').setInputFiles(ravdessPath());
  const panel = page.getByTestId('emotion-panel');
  await expect(panel).toHaveAttribute('data-state', 'scores', { timeout: ANALYSE_TIMEOUT });
  await expect(panel).toHaveAttribute('data-scorer', 'pair');
  await expect(page.getByTestId('top-emotion')).toHaveAttribute('data-emotion', /^[a-z]+$/);
  await expect(page.getByTestId('top-emotion')).toContainText(/\d+%/);
});

/** Width and height from a PNG's IHDR chunk (after the 8-byte signature and the chunk's length and type). */
function pngSize(bytes: Buffer): [number, number] {
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('the web app manifest is linked, says how to install the app, and its icons load', async ({ page }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).not.toBeNull();
  const url = new URL(href ?? '', page.url());
  const res = await page.request.get(url.href);
  expect(res.ok()).toBe(true);
  const app = (await res.json()) as {
    name: string;
    short_name: string;
    start_url: string;
    display: string;
    theme_color: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
  };
  expect(app.name).toContain('MMER');
  expect(app.short_name).toBe('MMER');
  expect(new URL(app.start_url, url).pathname).toBe('/');
  expect(app.display).toBe('standalone');
  expect(app.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', app.theme_color);
  const icons = app.icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort();
  expect(icons).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
  for (const icon of app.icons) {
    const image = await page.request.get(new URL(icon.src, url).href);
    expect(image.ok()).toBe(true);
    expect(image.headers()['content-type']).toBe('image/png');
    const side = Number(icon.sizes.split('x')[0]);
    expect(pngSize(await image.body())).toEqual([side, side]);
  }
});

test('a new build is installed on the next visit and starts only when the person reloads', async ({ page }) => {
  await openControlled(page);
  await expect(page.getByTestId('update-notice')).toHaveCount(0);

  // A new build: the service worker lists another revision of index.html, as a rebuild with a changed page does.
  const swPath = join(REPO_ROOT, 'dist', 'sw.js');
  const original = readFileSync(swPath, 'utf8');
  const revision = /url:"index\.html",revision:"([0-9a-f]+)"/.exec(original)?.[1];
  if (revision === undefined) throw new Error('the built sw.js lists no revision of index.html');
  const next = `${revision.startsWith('0') ? '1' : '0'}${revision.slice(1)}`;
  const precached = (): Promise<string[]> =>
    page.evaluate(async () => {
      const keys = await Promise.all(
        (await caches.keys()).map(async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)),
      );
      return keys.flat().filter((u) => u.includes('index.html'));
    });
  expect(await precached()).toEqual([expect.stringContaining(revision)]);
  // The page's own model cache (src/runtime/cache.ts) holds the shipped head; an update must leave it alone.
  const modelCache = (): Promise<string[]> =>
    page.evaluate(async () => (await (await caches.open('mmer-models-v1')).keys()).map((r) => r.url).sort());
  const models = await modelCache();
  expect(models.length).toBeGreaterThan(0);
  try {
    writeFileSync(swPath, original.replace(`revision:"${revision}"`, `revision:"${next}"`));
    await page.reload();
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('update-notice')).toContainText('A new version', { timeout: 60_000 });
    // Installed and waiting: the page still runs on the version it opened with.
    expect(
      await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        return reg?.waiting !== null && reg?.waiting !== undefined;
      }),
    ).toBe(true);

    await Promise.all([page.waitForEvent('load'), page.getByTestId('update-reload').click()]);
    await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
    expect(
      await page.evaluate(async () => {
        const reg = await navigator.serviceWorker.getRegistration();
        return reg?.waiting === null && navigator.serviceWorker.controller !== null;
      }),
    ).toBe(true);
    // The new version's precache replaced the old one's copy of the page.
    await expect.poll(precached).toEqual([expect.stringContaining(next)]);
    expect(await modelCache()).toEqual(models);
  } finally {
    writeFileSync(swPath, original);
  }
});
