/**
 * Hub files are verified: against the manifest's sha256 and bytes where it pins them (never cached when they differ),
 * else against the pin this device recorded at the first download (trust on first use), which a person can forget.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { editedGraphKey, sideFileKey } from '../../src/runtime/cache-keys';
import { fileUrl, type Manifest } from '../../src/runtime/manifest';
import { loadEditedModel, loadJsonFile } from '../../src/runtime/model-loader';
import { forgetPins, pinKey, readPin } from '../../src/runtime/pins';
import { COMMIT, FakeHub, HUB, loaderContext, MANIFEST_URL, onnxModel, sha256, hubManifest } from './fake-hub';
import { ensureFixtures } from './fixtures-on-disk';

const W2V = 'wav2vec2-tiny-fixture';

function graphUrl(manifest: Manifest): string {
  const entry = onnxModel(manifest, W2V);
  const ref = entry.weights.fp32;
  if (ref === undefined) throw new Error('no fp32 graph');
  return fileUrl(manifest, MANIFEST_URL, entry.source, ref);
}

function vocabUrl(manifest: Manifest): string {
  const entry = onnxModel(manifest, W2V);
  const ref = entry.files.vocab;
  if (ref === undefined) throw new Error('no vocab');
  return fileUrl(manifest, MANIFEST_URL, entry.source, ref);
}

async function graphKey(manifest: Manifest): Promise<string> {
  const entry = onnxModel(manifest, W2V);
  const ref = entry.weights.fp32;
  if (ref === undefined) throw new Error('no fp32 graph');
  return editedGraphKey(graphUrl(manifest), entry, ref);
}

/** The same bytes with one byte changed, or with one byte more. */
const flipped = (b: Uint8Array): Uint8Array => b.map((v, i) => (i === 100 ? v ^ 1 : v));
const longer = (b: Uint8Array): Uint8Array => Uint8Array.from([...b, 0]);

beforeAll(async () => {
  await ensureFixtures();
});

describe('a pinned hub file', () => {
  const manifest = (): Manifest => hubManifest(COMMIT, true);

  it('is fetched from the manifest commit, verified, edited and cached', async () => {
    const m = manifest();
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    const graph = await loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    expect(graphUrl(m)).toBe(`${HUB}/fixtures/wav2vec2-tiny/resolve/${COMMIT}/onnx/model.onnx`);
    expect(hub.requests).toEqual([graphUrl(m)]);
    expect(ctx.progress.map((p) => p.status)).toContain('verify');
    expect(await ctx.store.get(await graphKey(m))).toEqual(graph);
    // A pinned file needs no pin of this device's own.
    expect(await ctx.store.get(pinKey(graphUrl(m)))).toBeNull();
  });

  it.each([
    { name: 'size', change: longer, message: /integrity check.*expected \d+ bytes, the server announced \d+/ },
    { name: 'hash', change: flipped, message: /integrity check.*SHA-256 mismatch/ },
  ])('of another $name is refused and never cached', async ({ change, message }) => {
    const m = manifest();
    const hub = new FakeHub();
    hub.replace(graphUrl(m), change(hub.bytes(graphUrl(m))));
    const ctx = loaderContext(m, hub);
    const run = loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    await expect(run).rejects.toMatchObject({ code: 'integrity', message: expect.stringMatching(message) as string });
    expect(ctx.store.keys()).toEqual([]);
  });
});

describe('an unpinned hub file (trust on first use)', () => {
  const manifest = (): Manifest => hubManifest('main', false);

  it('records its size and sha256 at the first download', async () => {
    const m = manifest();
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    await loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    const original = hub.bytes(graphUrl(m));
    expect(graphUrl(m)).toContain('/resolve/main/');
    expect(await readPin(ctx.store, graphUrl(m))).toMatchObject({
      url: graphUrl(m),
      sha256: sha256(original),
      bytes: original.byteLength,
    });
  });

  it('downloads again with the same bytes once the cache entry is gone', async () => {
    const m = manifest();
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    const first = (await loadEditedModel(ctx, onnxModel(m, W2V), 'fp32')).slice();
    await ctx.store.delete(await graphKey(m));
    const again = await loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    expect(hub.count(graphUrl(m))).toBe(2);
    expect(again).toEqual(first);
    // The second download was checked against the pin.
    expect(ctx.progress.filter((p) => p.status === 'verify')).toHaveLength(1);
  });

  it.each([
    { name: 'other bytes', change: flipped, detail: /SHA-256 mismatch/ },
    { name: 'another size', change: longer, detail: /expected \d+ bytes/ },
  ])('refuses $name after the first download, naming the file, and caches nothing', async ({ change, detail }) => {
    const m = manifest();
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    await loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    const pin = await readPin(ctx.store, graphUrl(m));
    await ctx.store.delete(await graphKey(m));
    hub.replace(graphUrl(m), change(hub.bytes(graphUrl(m))));
    const run = loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    await expect(run).rejects.toMatchObject({ code: 'changed-upstream' });
    await expect(run).rejects.toThrow(
      /The file onnx\/model\.onnx of model "wav2vec2-tiny-fixture" changed upstream since it was first downloaded on this device/,
    );
    await expect(run).rejects.toThrow(detail);
    await expect(run).rejects.toThrow(/accept the new files/);
    expect(await ctx.store.get(await graphKey(m))).toBeNull();
    // The pin stays what it was: a refused download does not move it.
    expect(await readPin(ctx.store, graphUrl(m))).toEqual(pin);
  });

  it('takes the changed file once the pins are forgotten, and pins the new bytes', async () => {
    const m = manifest();
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    const entry = onnxModel(m, W2V);
    expect(await loadJsonFile(ctx, entry, 'vocab')).toMatchObject({ '<pad>': 0 });
    await ctx.store.delete(sideFileKey(vocabUrl(m), { path: 'vocab.json' }));
    const changed = new TextEncoder().encode(JSON.stringify({ '<pad>': 0, A: 1 }));
    hub.replace(vocabUrl(m), changed);
    await expect(loadJsonFile(ctx, entry, 'vocab')).rejects.toThrow(/vocab\.json .*changed upstream/);
    // Forgetting another model's pins does not help; forgetting this model's does.
    expect(await forgetPins(ctx.store, m, MANIFEST_URL, 'roberta-tiny-fixture')).toBe(0);
    expect(await forgetPins(ctx.store, m, MANIFEST_URL, W2V)).toBe(1);
    expect(await loadJsonFile(ctx, entry, 'vocab')).toEqual({ '<pad>': 0, A: 1 });
    expect(await readPin(ctx.store, vocabUrl(m))).toMatchObject({ sha256: sha256(changed), bytes: changed.byteLength });
  });

  it('forgetPins with no model forgets every hub file of the manifest', async () => {
    const m = manifest();
    const hub = new FakeHub();
    const ctx = loaderContext(m, hub);
    await loadEditedModel(ctx, onnxModel(m, W2V), 'fp32');
    await loadJsonFile(ctx, onnxModel(m, W2V), 'vocab');
    await loadJsonFile(ctx, onnxModel(m, 'roberta-tiny-fixture'), 'tokenizer');
    expect(await forgetPins(ctx.store, m, MANIFEST_URL)).toBe(3);
    expect(ctx.store.keys().filter((k) => k.includes('mmer-variant=pin'))).toEqual([]);
  });

  it('does not pin files the app serves itself (a local model)', async () => {
    const m = hubManifest('main', false);
    const local = {
      ...m,
      models: m.models.map((e) =>
        e.id === W2V ? { ...e, source: { type: 'local', path: 'fixtures/wav2vec2-tiny' } as const } : e,
      ),
    };
    const ctx = loaderContext(local, new FakeHub());
    await loadJsonFile(ctx, onnxModel(local, W2V), 'vocab');
    expect(ctx.store.keys().filter((k) => k.includes('mmer-variant=pin'))).toEqual([]);
  });
});
