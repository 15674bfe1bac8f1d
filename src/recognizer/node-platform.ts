/**
 * The recognizer's platform in Node (CLI, tests, benchmarks): onnxruntime-node's native CPU kernels (reported as the
 * 'wasm' backend, the CPU path the page also has), the manifest read from disk, the on-disk model cache, and
 * TensorFlow.js on WASM or CPU. There is no clip library: the CLI trains with `npm run mmer`.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { AppError } from '../core/errors';
import { defaultCacheDir, readNodeManifest } from '../inference/node';
import type { ByteStore } from '../runtime/cache';
import { DirectoryStore, fileAwareFetch } from '../runtime/node-io';
import { nodeAdapter } from '../runtime/ort-node';
import { VAD_MODEL_PATH, VAD_PACKAGE } from '../timeline/vad-model';
import type { RecognizerPlatform } from './platform';

export interface NodePlatformOptions {
  /** Intra-op threads of onnxruntime-node (default 2). */
  readonly threads?: number;
  /** Model cache (default: the CLI's folder, defaultCacheDir()). */
  readonly store?: ByteStore;
  readonly fetchImpl?: typeof fetch;
}

/** The Node platform; the manifest location given to `Recognizer.load` is a file path. */
export function nodePlatform(options: NodePlatformOptions = {}): RecognizerPlatform {
  const threads = options.threads ?? 2;
  return {
    headOnOnnx: true,
    chooseBackend(requested) {
      if (requested === 'webgpu')
        return Promise.reject(
          new AppError(
            'backend-unavailable',
            "WebGPU is a browser backend; in Node the encoders run on onnxruntime-node's CPU kernels.",
          ),
        );
      const info = {
        backend: 'wasm' as const,
        reason: `onnxruntime-node on the CPU with ${String(threads)} threads`,
        threads,
        adapter: null,
        rejected: [],
      };
      return Promise.resolve({ info, shaderF16: false, ort: nodeAdapter(threads) });
    },
    async readManifest(location, hubUrl) {
      const path = resolve(location);
      return {
        manifest: await readNodeManifest({ manifestPath: path, ...(hubUrl === null ? {} : { hubUrl }) }),
        manifestUrl: pathToFileURL(path).href,
      };
    },
    openStore: () => options.store ?? new DirectoryStore(defaultCacheDir()),
    fetchImpl: options.fetchImpl ?? fileAwareFetch,
    startEngine: async (order) => (await import('../mmer/engine-node')).initNodeEngine(order),
    readVadModel: () => readFile(createRequire(import.meta.url).resolve(`${VAD_PACKAGE}/${VAD_MODEL_PATH}`)),
    vadAdapter: () => Promise.resolve(nodeAdapter(1)),
  };
}
