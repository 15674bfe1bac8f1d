/**
 * The page's pair choice, outside the browser: URL options, the download size said before a download, the manifest
 * fields behind them (approximate sizes, a head's license and model card), and the look into the model cache that
 * decides whether a remembered pair loads without a network.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { downloadSizeText } from '../../src/page/download-size';
import { parseUrlOptions, withUrlOptions } from '../../src/page/url-options';
import { editedGraphKey, sideFileKey } from '../../src/runtime/cache-keys';
import { fileUrl, isWeightFree, pairDownloadBytes, resolvePair } from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';
import { isPairCached } from '../../src/runtime/pair-cache';

const raw = JSON.parse(readFileSync(new URL('../../public/models/manifest.json', import.meta.url), 'utf8')) as {
  heads: Record<string, unknown>[];
};
const manifest = parseManifest(raw);
const MANIFEST_URL = 'http://localhost/models/manifest.json';

describe('URL options', () => {
  it('leaves the pair to the page when ?pair is absent or unreadable, and reads ?head=none', () => {
    expect(parseUrlOptions('')).toEqual({ pair: null, backend: 'auto', noBuiltinHead: false });
    expect(parseUrlOptions('?pair=../x&backend=WASM&head=none')).toEqual({
      pair: null,
      backend: 'wasm',
      noBuiltinHead: true,
    });
    expect(parseUrlOptions('?pair=base').pair).toBe('base');
    expect(withUrlOptions('?pair=base&debug=1', { pair: null, backend: 'auto', noBuiltinHead: false })).toBe(
      '?debug=1',
    );
  });
});

describe('download sizes', () => {
  it('sums the approximate sizes of the pair at one precision; the embedded pair downloads nothing', () => {
    expect(pairDownloadBytes(manifest, 'base', 'q8')).toBe(221_100_000);
    expect(pairDownloadBytes(manifest, 'lite', 'q8')).toBe(0);
    expect(isWeightFree(manifest, 'lite')).toBe(true);
    expect(isWeightFree(manifest, 'base')).toBe(false);
  });

  it('says the download the backend would make, before it starts', () => {
    expect(downloadSizeText(manifest, 'base', 'wasm')).toBe('about 221 MB (8-bit weights)');
    expect(downloadSizeText(manifest, 'base', 'webgpu')).toBe(
      'about 439 MB (16-bit weights), or 877 MB (32-bit weights) where the GPU cannot run 16-bit weights',
    );
    expect(downloadSizeText(manifest, 'lite', 'wasm')).toBeNull();
  });
});

describe('head entries', () => {
  const withHead = (head: Record<string, unknown>): unknown => ({ ...raw, heads: [head] });
  const base = raw.heads[0] ?? {};

  it('take an optional license and model card', () => {
    const files = {
      ...(base.files as object),
      card: { path: 'heads/x/MODEL_CARD.md', sha256: 'a'.repeat(64), bytes: 10 },
    };
    const parsed = parseManifest(withHead({ ...base, license: 'CC BY-NC-SA 4.0', files })).heads[0];
    expect(parsed?.license).toBe('CC BY-NC-SA 4.0');
    expect(parsed?.files.card).toEqual({ path: 'heads/x/MODEL_CARD.md', sha256: 'a'.repeat(64), bytes: 10 });
  });

  it('refuse unknown files and fields, naming them', () => {
    expect(() =>
      parseManifest(withHead({ ...base, files: { ...(base.files as object), readme: { path: 'r.md' } } })),
    ).toThrow(/files\.readme is not a head file/);
    expect(() => parseManifest(withHead({ ...base, licence: 'x' }))).toThrow(/licence is not a head field/);
  });
});

describe('is a pair cached?', () => {
  /** Every key the fixture pair's encoders read at init, as the loader stores them. */
  async function fixtureKeys(): Promise<string[]> {
    const keys: string[] = [];
    const { audio, text } = resolvePair(manifest, 'fixture');
    for (const [entry, purposes] of [
      [audio, ['vocab']],
      [text, ['tokenizer', 'tokenizerConfig', 'config']],
    ] as const) {
      if (entry.format !== 'onnx') throw new Error('fixture models are ONNX');
      for (const p of purposes) {
        const ref = entry.files[p];
        if (ref !== undefined) keys.push(sideFileKey(fileUrl(manifest, MANIFEST_URL, entry.source, ref), ref));
      }
      const ref = entry.weights.fp32;
      if (ref === undefined) throw new Error('no fp32 weights');
      keys.push(await editedGraphKey(fileUrl(manifest, MANIFEST_URL, entry.source, ref), entry, ref));
    }
    return keys;
  }

  it('needs every file the encoders read, and one edited graph of each', async () => {
    const keys = await fixtureKeys();
    const has = (present: readonly string[]) => (key: string) => Promise.resolve(present.includes(key));
    expect(await isPairCached(manifest, MANIFEST_URL, 'fixture', has(keys))).toBe(true);
    for (let i = 0; i < keys.length; i++) {
      expect(await isPairCached(manifest, MANIFEST_URL, 'fixture', has(keys.filter((_, j) => j !== i)))).toBe(false);
    }
    expect(await isPairCached(manifest, MANIFEST_URL, 'lite', has([]))).toBe(true);
  });
});
