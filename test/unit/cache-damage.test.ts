/**
 * A cached entry whose bytes changed in the store (a damaged disk, a caller that wrote into the bytes it was handed)
 * is never used: the store drops it, the loader downloads the file again, and the result is the right one. One case
 * per path that reads the cache: an edited graph, a side file, a built-in head's files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchBuiltinHead } from '../../src/inference/builtin-head';
import { MemoryStore } from '../../src/runtime/cache';
import { editedGraphKey, sideFileKey } from '../../src/runtime/cache-keys';
import { fileUrl, headFileUrl, headsForPair, type FileRef } from '../../src/runtime/manifest';
import { loadEditedModel, loadJsonFile } from '../../src/runtime/model-loader';
import { COMMIT, damage, FakeHub, hubManifest, loaderContext, MANIFEST_URL, onnxModel } from './fake-hub';
import { ensureFixtures } from './fixtures-on-disk';

beforeAll(async () => {
  await ensureFixtures();
});

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`no ${what}`);
  return v;
};

describe('MemoryStore', () => {
  it('drops an entry whose bytes were changed after put, or whose buffer was transferred away', async () => {
    const store = new MemoryStore();
    await store.put('a', Uint8Array.from([1, 2, 3]));
    await store.put('b', Uint8Array.from([4, 5, 6]));
    await damage(store, 'a');
    const b = need((await store.get('b')) ?? undefined, 'b');
    structuredClone(b.buffer, { transfer: [b.buffer] });
    expect(await store.get('a')).toBeNull();
    expect(await store.get('b')).toBeNull();
    expect(store.keys()).toEqual([]);
  });
});

describe('MemoryStore put', () => {
  it('returns without waiting for the hash, yet hashes the bytes as they were put', async () => {
    const store = new MemoryStore();
    const bytes = new Uint8Array(1 << 20).fill(7);
    let settled = false;
    const put = store.put('k', bytes).then(() => (settled = true));
    // Written into at once, before any hash could have finished: the entry must not verify.
    bytes[5] = 1;
    await Promise.resolve();
    expect(settled).toBe(true);
    await put;
    expect(await store.get('k')).toBeNull();
    await store.put('k', bytes);
    expect(await store.get('k')).toBe(bytes);
  });
});

describe.each([
  { name: 'pinned', revision: COMMIT, pinned: true },
  { name: 'unpinned (checked against its first-use pin)', revision: 'main', pinned: false },
])('a damaged cache entry of a $name hub model is downloaded again', ({ revision, pinned }) => {
  it('an edited graph', async () => {
    const m = hubManifest(revision, pinned);
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    const entry = onnxModel(m, 'wav2vec2-tiny-fixture');
    const ref = need(entry.weights.fp32, 'fp32 graph');
    const url = fileUrl(m, MANIFEST_URL, entry.source, ref);
    const first = (await loadEditedModel(ctx, entry, 'fp32')).slice();
    const key = await editedGraphKey(url, entry, ref);
    await damage(ctx.store, key);
    const again = await loadEditedModel(ctx, entry, 'fp32');
    expect(hub.count(url)).toBe(2);
    expect(again).toEqual(first);
    expect(await ctx.store.get(key)).toEqual(first);
  });

  it('a side file', async () => {
    const m = hubManifest(revision, pinned);
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    const entry = onnxModel(m, 'roberta-tiny-fixture');
    const ref = need(entry.files.tokenizerConfig, 'tokenizer config');
    const url = fileUrl(m, MANIFEST_URL, entry.source, ref);
    const first = await loadJsonFile(ctx, entry, 'tokenizerConfig');
    await damage(ctx.store, sideFileKey(url, ref));
    const again = await loadJsonFile(ctx, entry, 'tokenizerConfig');
    expect(hub.count(url)).toBe(2);
    expect(again).toEqual(first);
    expect(again).toEqual(JSON.parse(new TextDecoder().decode(hub.bytes(url))));
  });
});

describe('a damaged cache entry of a built-in head', () => {
  it.each(['config', 'weights'] as const)('its %s file is downloaded again', async (which) => {
    const m = hubManifest(COMMIT, true);
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    const head = need(headsForPair(m, 'fixture')[0], 'fixture head');
    const ref: FileRef = head.files[which];
    const url = headFileUrl(MANIFEST_URL, ref);
    const first = await fetchBuiltinHead(ctx, head, 'pair');
    const firstWeights = first.weights.slice();
    const key = need(
      ctx.store.keys().find((k) => k.startsWith(`${url}?`)),
      `cache entry of ${url}`,
    );
    await damage(ctx.store, key);
    const again = await fetchBuiltinHead(ctx, head, 'pair');
    expect(hub.count(url)).toBe(2);
    expect(again.configJson).toBe(first.configJson);
    expect(again.weights).toEqual(firstWeights);
    expect(again.weights).toEqual(hub.bytes(headFileUrl(MANIFEST_URL, head.files.weights)));
  });
});
