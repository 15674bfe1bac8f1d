/** Node entry to the shared pipeline: same manifest, loader and encoders as the worker, onnxruntime-node underneath. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ByteStore } from '../runtime/cache';
import { parseManifest } from '../runtime/manifest-parse';
import { DirectoryStore, fileAwareFetch } from '../runtime/node-io';
import { nodeAdapter } from '../runtime/ort-node';
import type { LoadProgress } from '../worker-api/protocol';
import { loadEncoders, type EncoderPair } from './load-encoders';

export interface NodeLoadOptions {
  readonly pair: string;
  /** Path of manifest.json (default: public/models/manifest.json of this project). */
  readonly manifestPath?: string;
  readonly store?: ByteStore;
  readonly threads?: number;
  readonly onProgress?: (p: LoadProgress) => void;
  readonly fetchImpl?: typeof fetch;
}

/** Default on-disk model cache of the CLI. */
export function defaultCacheDir(): string {
  return process.env.MMER_CACHE_DIR ?? join(homedir(), '.cache', 'mmer-web');
}

/** Loads an encoder pair for Node (CLI, tests, benchmarks). */
export async function loadNodeEncoders(options: NodeLoadOptions): Promise<EncoderPair> {
  const manifestPath = resolve(options.manifestPath ?? 'public/models/manifest.json');
  const manifest = parseManifest(JSON.parse(await readFile(manifestPath, 'utf8')));
  return loadEncoders(
    {
      manifest,
      manifestUrl: pathToFileURL(manifestPath).href,
      store: options.store ?? new DirectoryStore(defaultCacheDir()),
      fetchImpl: options.fetchImpl ?? fileAwareFetch,
      onProgress: options.onProgress ?? (() => undefined),
      ort: nodeAdapter(options.threads ?? 2),
      backend: 'wasm',
      hasShaderF16: false,
    },
    options.pair,
  );
}
