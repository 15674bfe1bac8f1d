/**
 * Bad heads, metadata.csv files and model files for the bad-input table. Head and metadata cases act on a page whose
 * library already holds clips and a head; model cases reload the page with the network changed under it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { REPO_ROOT } from '../../shared-data.ts';
import { fixtureHeadFiles, LOAD_TIMEOUT, ravdessClipsOf, writeTempFile, writeTempHead } from '../helpers.ts';
import type { Case } from './table.ts';

const head = fixtureHeadFiles();

/** The head the table's library holds and the Classify screen uses (imported by the runner's setup). */
export const SEEDED_HEAD = 'config.json + model.safetensors';

const chooseHead = (files: readonly string[]) => async (page: Page) => {
  await page.getByTestId('tab-classify').click();
  await page.getByTestId('head-input').setInputFiles([...files]);
};

/** The head in use did not change. */
async function headKept(page: Page): Promise<void> {
  await expect(page.getByTestId('head-name')).toHaveText(SEEDED_HEAD);
}

const otherPairConfig = (): string => {
  const config = JSON.parse(head.config) as { encoders: Record<string, unknown> };
  config.encoders = { pair: 'lite', audio: 'lite-acoustic', text: 'lite-ngram', hiddenStateLayer: 'head-input' };
  return JSON.stringify(config);
};

/** Head files imported on the Classify screen. */
export const HEAD_CASES: readonly Case[] = [
  {
    name: 'one of the two files',
    act: chooseHead([writeTempHead('head-one', head.config, head.weights)[0]]),
    expect: { banner: 'head-error', code: 'bad-model', message: 'config.json and model.safetensors' },
    then: headKept,
  },
  {
    name: 'weights cut short',
    act: chooseHead(writeTempHead('head-cut', head.config, head.weights.slice(0, head.weights.length - 1000))),
    expect: { banner: 'head-error', code: 'bad-model', message: 'not a readable safetensors file' },
    then: headKept,
  },
  {
    name: 'a head trained on other encoders',
    act: chooseHead(writeTempHead('head-lite', otherPairConfig(), head.weights)),
    expect: { banner: 'head-error', code: 'bad-model', message: 'pair "lite"' },
    then: headKept,
  },
  {
    name: 'a config.json that is not JSON',
    act: chooseHead(writeTempHead('head-text', '{"config": {"labels": [', head.weights)),
    expect: { banner: 'head-error', code: 'bad-model', message: 'config.json' },
    then: headKept,
  },
  {
    name: 'a picture in place of the weights',
    act: chooseHead(writeTempHead('head-png', head.config, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]))),
    expect: { banner: 'head-error', code: 'bad-model', message: 'model.safetensors' },
    then: headKept,
  },
];

const CLIPS = ravdessClipsOf(['02'], ['happy', 'sad', 'calm'], 1);
const clipBytes = CLIPS.map((p) => readFileSync(p));

/** Imports metadata.csv (`lines` after its header) with three RAVDESS clips named a.wav, b.wav and c.wav. */
const importWithMetadata =
  (header: string, lines: readonly string[], files = ['a.wav', 'b.wav', 'c.wav']) =>
  async (page: Page) => {
    await page.getByTestId('tab-library').click();
    const csv = writeTempFile('metadata.csv', [header, ...lines].join('\n'));
    const audio = files.map((name, i) => writeTempFile(name, clipBytes[i % clipBytes.length] ?? new Uint8Array()));
    await page.getByTestId('library-files').setInputFiles([csv, ...audio]);
    await expect(page.getByTestId('import-progress')).toHaveCount(0, { timeout: LOAD_TIMEOUT });
  };

/** metadata.csv files imported with their clips on the Library screen. */
export const METADATA_CASES: readonly Case[] = [
  {
    name: 'no path and emotion columns',
    act: importWithMetadata('file,label', ['a.wav,happy', 'b.wav,sad', 'c.wav,calm']),
    expect: { banner: 'add-error', code: 'bad-dataset', message: 'needs the columns "path" and "emotion"' },
  },
  {
    name: 'an empty emotion cell',
    act: importWithMetadata('path,emotion', ['a.wav,happy', 'b.wav,', 'c.wav,calm']),
    expect: { warning: 'import-summary', message: 'metadata.csv line 3 (b.wav) has no emotion' },
    adds: 2,
  },
  {
    name: 'a quote that is never closed',
    act: importWithMetadata('path,emotion,transcript', ['a.wav,happy,', 'b.wav,sad,"it was', 'c.wav,calm,']),
    expect: {
      warning: 'import-summary',
      message: 'metadata.csv line 3: a quote (") opened on this line is never closed',
    },
    adds: 2,
  },
  {
    name: 'no line that can be read',
    act: importWithMetadata('path,emotion', ['a.wav,', ',sad']),
    expect: { banner: 'add-error', code: 'bad-dataset', message: 'lists no clip that can be imported' },
  },
  {
    name: 'a listed file that was not chosen',
    act: importWithMetadata('path,emotion', ['a.wav,happy', 'gone.wav,sad'], ['a.wav']),
    expect: { warning: 'import-summary', message: '1 file listed in metadata.csv is not in the selection: "gone.wav"' },
    adds: 1,
  },
];

const MODEL = '**/models/fixtures/wav2vec2-tiny/onnx/model.onnx';

/** Empties the model cache and reloads with `route` answering for the audio encoder's graph. */
const reloadWith = (answer: 'missing' | 'altered') => async (page: Page) => {
  await page.evaluate(() => caches.delete('mmer-models-v1'));
  await page.context().route(MODEL, async (route) => {
    if (answer === 'missing') {
      await route.fulfill({ status: 404, body: 'not found' });
      return;
    }
    const response = await route.fetch();
    const body = await response.body();
    body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff;
    await route.fulfill({ response, body });
  });
  await page.reload();
};

/** Puts the network back and loads the models again with the page's own Retry. */
async function networkBack(page: Page): Promise<void> {
  await page.context().unrouteAll({ behavior: 'wait' });
  await page.getByTestId('retry-init').click();
  await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
}

/** The cache entries the damage case changed (its `then` checks that each is back, whole). */
let damagedEntries: string[] = [];

/** Every model-cache entry that holds a graph gets one byte changed, behind the loader's back. */
async function damageCache(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const cache = await caches.open('mmer-models-v1');
    const damaged: string[] = [];
    for (const request of await cache.keys()) {
      const res = await cache.match(request);
      if (res === undefined) continue;
      const body = new Uint8Array(await res.arrayBuffer());
      if (body.length < 4096) continue;
      body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff;
      await cache.put(request, new Response(body, { headers: res.headers }));
      damaged.push(request.url);
    }
    return damaged;
  });
}

/** Cache entries whose bytes no longer match the hash stored with them, and how many entries there are. */
async function cacheCheck(page: Page): Promise<{ damaged: string[]; urls: string[] }> {
  return page.evaluate(async () => {
    const cache = await caches.open('mmer-models-v1');
    const damaged: string[] = [];
    const urls: string[] = [];
    for (const request of await cache.keys()) {
      urls.push(request.url);
      const res = await cache.match(request);
      if (res === undefined) continue;
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await res.arrayBuffer()));
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      if (res.headers.get('x-mmer-sha256') !== hex) damaged.push(request.url);
    }
    return { damaged, urls };
  });
}

const FIXTURES = join(REPO_ROOT, 'public', 'models', 'fixtures');

/**
 * Serves the audio encoder of the fixture pair as if from a hub on branch `main` (no hash in the manifest, so the
 * loader trusts the first download and records its size and hash). `changed()` says whether the publisher has since
 * changed the graph.
 */
async function serveFromHub(page: Page, changed: () => boolean): Promise<void> {
  const hub = `${new URL(page.url()).origin}/test-hub`;
  await page.context().route('**/models/manifest.json', async (route) => {
    const response = await route.fetch();
    const manifest = (await response.json()) as {
      hubUrl: string;
      models: { id: string; source: unknown; weights: Record<string, { sha256?: string; bytes?: number }> }[];
    };
    manifest.hubUrl = hub;
    for (const model of manifest.models.filter((m) => m.id === 'wav2vec2-tiny-fixture')) {
      model.source = { type: 'hub', repo: 'test/wav2vec2-tiny', revision: 'main' };
      for (const ref of Object.values(model.weights)) {
        delete ref.sha256;
        delete ref.bytes;
      }
    }
    await route.fulfill({ response, json: manifest });
  });
  await page.context().route(`${hub}/test/wav2vec2-tiny/resolve/main/**`, async (route) => {
    const path = new URL(route.request().url()).pathname.split('/resolve/main/')[1] ?? '';
    const body = readFileSync(join(FIXTURES, 'wav2vec2-tiny', path));
    if (changed() && path.endsWith('.onnx')) body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff;
    await route.fulfill({ body });
  });
}

/** Model files that are missing, altered on the way, or damaged in the cache. */
export const MODEL_CASES: readonly Case[] = [
  {
    name: 'a manifest that is not JSON',
    act: async (page) => {
      await page
        .context()
        .route('**/models/manifest.json', (route) => route.fulfill({ body: '{"version": 1, "models": [' }));
      await page.reload();
    },
    expect: { banner: 'error', code: 'bad-manifest', message: 'is not JSON' },
    then: networkBack,
  },
  {
    name: 'a model file the server does not have',
    act: reloadWith('missing'),
    expect: { banner: 'error', code: 'download-failed', message: 'model.onnx' },
    then: networkBack,
  },
  {
    name: 'a model file altered on the way',
    act: reloadWith('altered'),
    expect: { banner: 'error', code: 'integrity', message: 'failed its integrity check' },
    then: async (page) => {
      // Refused bytes are never kept: nothing of the audio encoder's graph is in the cache.
      const { urls } = await cacheCheck(page);
      expect(urls.filter((u) => u.includes('wav2vec2-tiny/onnx/model.onnx'))).toEqual([]);
      await networkBack(page);
    },
  },
  {
    name: 'a hub file that changed since its first download on this device',
    act: async (page) => {
      let changed = false;
      await serveFromHub(page, () => changed);
      await page.evaluate(() => caches.delete('mmer-models-v1'));
      await page.reload();
      await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
      // The files go from the cache (their recorded pins stay), and the publisher changes the graph.
      await page.evaluate(async () => {
        const cache = await caches.open('mmer-models-v1');
        for (const request of await cache.keys())
          if (!request.url.includes('mmer-variant=pin')) await cache.delete(request);
      });
      changed = true;
      await page.reload();
    },
    expect: { banner: 'error', code: 'changed-upstream', message: 'changed upstream since it was first downloaded' },
    then: async (page) => {
      // Retrying would meet the same file: accepting it is offered instead, and loads it.
      await expect(page.getByTestId('retry-init')).toHaveCount(0);
      await page.getByTestId('accept-changed').click();
      await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
      await page.context().unrouteAll({ behavior: 'wait' });
      // The stand-in hub's files are of no use to the real manifest: dropped, as a person clearing the cache would.
      await page.evaluate(async () => {
        const cache = await caches.open('mmer-models-v1');
        for (const request of await cache.keys()) if (request.url.includes('/test-hub/')) await cache.delete(request);
      });
      await page.reload();
      await expect(page.getByTestId('models-ready')).toBeVisible({ timeout: LOAD_TIMEOUT });
    },
  },
  {
    name: 'a cached model file damaged on disk',
    act: async (page) => {
      damagedEntries = await damageCache(page);
      expect(damagedEntries.length).toBeGreaterThan(0);
      await page.reload();
    },
    // Checked on every read: the damaged entries are dropped and fetched again, with nothing to say.
    expect: { recovers: true },
    then: async (page) => {
      // Stored again in the background once fetched: polled until every damaged entry is back and verifies.
      await expect
        .poll(
          async () => {
            const { damaged, urls } = await cacheCheck(page);
            return { damaged, missing: damagedEntries.filter((u) => !urls.includes(u)) };
          },
          { timeout: 60_000 },
        )
        .toEqual({ damaged: [], missing: [] });
    },
  },
];
