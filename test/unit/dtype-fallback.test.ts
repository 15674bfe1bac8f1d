/**
 * A precision the model repository does not have (a 404, e.g. no int8 export) falls through to the next one the
 * manifest allows, and the loader says so ('missing' progress); with none left the load fails as a download failure
 * naming the file. The download itself does not retry a 404.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNodeEncoders } from '../../src/inference/node';
import { downloadVerified, MissingFileError } from '../../src/runtime/download';
import { MemoryStore } from '../../src/runtime/cache';
import type { LoadProgress } from '../../src/runtime/runtime-types';
import { REPO_ROOT } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

const MODELS = join(REPO_ROOT, 'public', 'models');

interface LooseModel {
  id: string;
  source?: { path?: string };
  weights?: Record<string, { path: string }>;
}

/** The shipped manifest, written elsewhere, with the fixture models' weights replaced by `weights`. */
function manifestWith(weights: Record<string, { path: string }>): string {
  const m = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as { models: LooseModel[] };
  for (const e of m.models) {
    if (!e.id.endsWith('-fixture') || e.source?.path === undefined) continue;
    e.source.path = pathToFileURL(join(MODELS, e.source.path)).href;
    e.weights = weights;
  }
  const path = join(mkdtempSync(join(tmpdir(), 'mmer-dtype-')), 'manifest.json');
  writeFileSync(path, JSON.stringify(m));
  return path;
}

describe('a precision the server does not have', () => {
  beforeAll(async () => {
    await ensureFixtures();
  });

  it('is not retried', async () => {
    let calls = 0;
    const fetchImpl = (() => {
      calls += 1;
      return Promise.resolve(new Response('not found', { status: 404, statusText: 'Not Found' }));
    }) as typeof fetch;
    const run = downloadVerified('https://example.test/onnx/model_fp16.onnx', { fetchImpl, retryDelayMs: 1 });
    await expect(run).rejects.toBeInstanceOf(MissingFileError);
    await expect(run).rejects.toMatchObject({
      code: 'download-failed',
      message: 'The server has no file model_fp16.onnx (server answered 404 Not Found).',
    });
    expect(calls).toBe(1);
  });

  it('falls through to the next precision the manifest allows, and says so', async () => {
    const progress: LoadProgress[] = [];
    // The WASM backend prefers int8; the fixtures ship only fp32.
    const manifestPath = manifestWith({ q8: { path: 'onnx/model_quantized.onnx' }, fp32: { path: 'onnx/model.onnx' } });
    const pair = await loadNodeEncoders({
      pair: 'fixture',
      manifestPath,
      store: new MemoryStore(),
      onProgress: (p) => progress.push(p),
    });
    await Promise.all([pair.audio.dispose(), pair.text.dispose()]);
    const missing = progress.filter((p) => p.status === 'missing');
    expect(missing.map((p) => p.model).sort()).toEqual(['roberta-tiny-fixture', 'wav2vec2-tiny-fixture']);
    expect(missing.map((p) => [p.file, p.next])).toEqual([
      ['onnx/model_quantized.onnx', 'fp32'],
      ['onnx/model_quantized.onnx', 'fp32'],
    ]);
    expect(progress.filter((p) => p.status === 'ready').map((p) => p.dtype)).toEqual(['fp32', 'fp32']);
  });

  it('fails the load as a download failure naming the file when no precision is left', async () => {
    const progress: LoadProgress[] = [];
    const manifestPath = manifestWith({ q8: { path: 'onnx/model_quantized.onnx' } });
    const load = loadNodeEncoders({
      pair: 'fixture',
      manifestPath,
      store: new MemoryStore(),
      onProgress: (p) => progress.push(p),
    });
    await expect(load).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringContaining('has no file model_quantized.onnx') as unknown,
    });
    const missing = progress.flatMap((p) => (p.status === 'missing' ? [p.next] : []));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.filter((next) => next !== null)).toEqual([]);
  });
});
