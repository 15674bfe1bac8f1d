/**
 * onnxruntime-web adapter (worker side). Each backend gets the onnxruntime-web build made for it, loaded on first use:
 * WebGPU needs the Asyncify build (27 MB of WASM), while the WASM backend runs on the plain build (14 MB), which
 * also opens sessions about twice as fast (bench `profile` case, 2026-11-26: wav2vec2-base int8 3.0 s vs 6.1 s,
 * fp32 7.1 s vs 10.0 s) and runs a pass as fast or faster. A page that only ever uses WASM never downloads the other.
 */
// Served from our own origin: the runtime must never fetch its WASM from a CDN (offline use, COEP, privacy).
import asyncifyWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import asyncifyMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import plainWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import plainMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import { EXTERNAL_WEIGHTS_PATH, externalizeWeights } from './external-weights';
import { OnnxWriter } from './onnx-writer';
import type { Backend } from './runtime-types';
import type { OrtAdapter, OrtSession, OrtTensor } from './ort-types';

/** Both builds share onnxruntime-common's API; the WASM-only one's type stands for either. */
type OrtModule = typeof import('onnxruntime-web/wasm');
type Build = 'webgpu' | 'wasm';

let configuredThreads: number | null = null;
const builds = new Map<Build, Promise<OrtModule>>();
const started = new Map<Build, Promise<void>>();

/**
 * Sets the thread count of every build loaded from now on. Threads are fixed once a WASM runtime starts, so later
 * calls have no effect (the worker is restarted to change them).
 */
export function configureOrtWeb(threads: number): void {
  configuredThreads ??= threads;
}

/** The thread count set by `configureOrtWeb` (1 before it is called): the worker's one choice for WASM threads. */
export function ortWebThreads(): number {
  return configuredThreads ?? 1;
}

/** The build `backend` runs on, imported and configured on first use. */
function buildFor(backend: Backend): Promise<OrtModule> {
  const build: Build = backend === 'webgpu' ? 'webgpu' : 'wasm';
  let module = builds.get(build);
  if (module === undefined) {
    const imported: Promise<OrtModule> =
      build === 'webgpu' ? import('onnxruntime-web/webgpu') : import('onnxruntime-web/wasm');
    const [wasm, mjs] = build === 'webgpu' ? [asyncifyWasm, asyncifyMjs] : [plainWasm, plainMjs];
    module = imported.then((ort) => {
      ort.env.wasm.wasmPaths = {
        wasm: new URL(wasm, self.location.href).href,
        mjs: new URL(mjs, self.location.href).href,
      };
      ort.env.wasm.numThreads = configuredThreads ?? 1;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return ort;
    });
    builds.set(build, module);
  }
  return module;
}

/** An adapter whose sessions run on `backend` (tensors must come from the same build as the session they feed). */
export async function webAdapter(backend: Backend): Promise<OrtAdapter> {
  const ort = await buildFor(backend);
  const executionProviders = backend === 'webgpu' ? ['webgpu'] : ['wasm'];
  function tensor(type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
  function tensor(type: 'int64', data: BigInt64Array, dims: readonly number[]): OrtTensor;
  function tensor(type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]): OrtTensor {
    return type === 'float32'
      ? new ort.Tensor('float32', data as Float32Array, dims)
      : new ort.Tensor('int64', data as BigInt64Array, dims);
  }
  return {
    name: `onnxruntime-web (${backend}, ${ort.env.wasm.numThreads ?? 1} threads)`,
    tensor,
    async createSession(model: Uint8Array): Promise<OrtSession> {
      const options = { executionProviders, graphOptimizationLevel: 'all' } as const;
      const graph = externalizeWeights(model);
      if (graph === null) return ort.InferenceSession.create(model, options);
      return ort.InferenceSession.create(graph, {
        ...options,
        externalData: [{ path: EXTERNAL_WEIGHTS_PATH, data: model }],
      });
    },
    // WebGPU's build has started by the time a pair loads (the backend choice's self-test opened a session on it).
    ...(backend === 'webgpu' ? {} : { start: () => startRuntime(backend) }),
  };
}

/** A graph of one Identity node on one float: opening it starts the runtime and costs nothing else. */
function identityGraph(): Uint8Array {
  const w = new OnnxWriter();
  w.node('Identity', ['x'], {}, 'y');
  return w.toBytes('start-runtime', [{ name: 'x', dims: [1] }], [{ name: 'y', dims: [1] }]);
}

/**
 * Starts the WASM runtime of `backend`'s build now (once per build), by opening and releasing a one-node session.
 * Otherwise it starts inside the first real session: fetching and compiling its WASM and starting its threads then
 * add to that session's opening, and the first pass after it ran at about half speed. Started while the first graph
 * is read from the model cache, they overlap that read instead (bench, warm load of the base int8 pair, 4 loads each
 * way, alternating: RoBERTa's session opened in 0.9-1.1 s instead of 2.4-4.2 s, the first 5 s clip's audio pass took
 * as long as a later clip's, first result 9.4-11.4 s instead of 11.3-19.3 s on a slow, busy machine). Never rejects:
 * a runtime that cannot start fails the first real session with onnxruntime's own error, as before.
 */
export function startRuntime(backend: Backend): Promise<void> {
  const build: Build = backend === 'webgpu' ? 'webgpu' : 'wasm';
  let start = started.get(build);
  if (start === undefined) {
    start = webAdapter(backend)
      .then((ort) => ort.createSession(identityGraph()))
      .then((session) => session.release())
      .catch(() => undefined);
    started.set(build, start);
  }
  return start;
}
