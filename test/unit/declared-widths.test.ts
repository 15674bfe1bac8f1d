/**
 * Feature widths without a probe pass: the edited fixture graphs declare their hidden states' widths, those agree
 * with what a pass gives, and `measureWidths` runs an encoder only when its graph declares nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AudioEncoderModel, TextEncoderModel } from '../../src/encoders/types';
import { measureWidths } from '../../src/inference/head-target';
import { LoadedPair } from '../../src/inference/loaded-pair';
import { MemoryStore } from '../../src/runtime/cache';
import { parseManifest } from '../../src/runtime/manifest-parse';
import { fileAwareFetch } from '../../src/runtime/node-io';
import { nodeAdapter } from '../../src/runtime/ort-node';
import { declaredWidth, type OrtSession } from '../../src/runtime/ort-types';
import { REPO_ROOT } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

beforeAll(async () => {
  await ensureFixtures();
});

describe('declared widths', () => {
  it('the edited fixture graphs declare the widths a pass gives', async () => {
    const path = join(REPO_ROOT, 'public', 'models', 'manifest.json');
    const manifest = parseManifest(JSON.parse(readFileSync(path, 'utf8')));
    const ctx = {
      manifest,
      manifestUrl: pathToFileURL(path).href,
      store: new MemoryStore(),
      fetchImpl: fileAwareFetch,
      onProgress: () => undefined,
      ort: nodeAdapter(1),
      backend: 'wasm' as const,
      hasShaderF16: false,
    };
    const pair = await LoadedPair.load(ctx, 'fixture');
    const { audio, text } = pair.encoders;
    const passed = {
      audio: (await audio.encode(Float32Array.from({ length: 8000 }, (_, i) => Math.sin(i / 9)))).hidden.dim,
      text: (await text.encode('kids are talking by the door')).hidden.dim,
    };
    expect(audio.hiddenWidth).toBe(passed.audio);
    expect(text.hiddenWidth).toBe(passed.text);
    expect(await pair.target()).toMatchObject({ audioDim: passed.audio, textDim: passed.text });
    await pair.dispose();
  });

  const session = (shape?: (number | string)[]): OrtSession => ({
    inputNames: [],
    outputNames: ['h'],
    ...(shape === undefined ? {} : { outputMetadata: [{ name: 'h', isTensor: true, shape }] }),
    run: () => Promise.reject(new Error('not run here')),
    release: () => Promise.resolve(),
  });

  it.each([
    { shape: ['batch', 'frames', 768], want: 768 },
    { shape: ['batch', 'frames', 'hidden_size'], want: null },
    { shape: [], want: null },
    { shape: [1, 5, 0], want: null },
    { shape: undefined, want: null },
  ])('reads $want from a declared shape $shape', ({ shape, want }) => {
    expect(declaredWidth(session(shape), 'h')).toBe(want);
    expect(declaredWidth(session(shape), 'other')).toBeNull();
  });

  it('measureWidths runs only the encoder whose graph declares no width', async () => {
    const calls: string[] = [];
    const hidden = (dim: number) => ({ rows: 1, dim, data: new Float32Array(dim) });
    const audio: AudioEncoderModel = {
      id: 'a',
      hasAsr: false,
      vocab: [],
      hiddenWidth: 12,
      dispose: () => Promise.resolve(),
      encode: () => {
        calls.push('audio');
        return Promise.resolve({ hidden: hidden(99), logits: null });
      },
    };
    const text: TextEncoderModel = {
      id: 't',
      hiddenWidth: null,
      dispose: () => Promise.resolve(),
      encode: () => {
        calls.push('text');
        return Promise.resolve({ hidden: hidden(7), tokenIds: [] });
      },
    };
    expect(await measureWidths({ audio, text })).toEqual({ audioDim: 12, textDim: 7 });
    expect(calls).toEqual(['text']);
  });
});
