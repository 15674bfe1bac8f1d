/**
 * The profile case's browser side: bare passes of one graph on a chosen onnxruntime-web build, thread count and
 * optimisation level, optionally with onnxruntime's own profiler (which, in WASM, prints its events to the console:
 * they are collected here). One worker per configuration: a WASM runtime's threads are fixed once it starts.
 */
import * as Comlink from 'comlink';
import asyncifyWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import asyncifyMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import plainWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import plainMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import type { RepeatPlan } from '../lib/stats';
import { fetchBytes as bytes } from '../lib/time-graph';

/** Which build: the app's (WebGPU-capable, Asyncify-instrumented) or the WASM-only one. */
export type OrtBuild = 'asyncify' | 'plain';

/** One configuration of the profile case. */
export interface VariantConfig {
  readonly build: OrtBuild;
  readonly threads: number;
  readonly optimization: 'disabled' | 'basic' | 'extended' | 'all';
  readonly profile: boolean;
}

/** What a configuration measured. */
export interface VariantTiming {
  readonly loadMs: number;
  readonly samples: readonly number[];
  /** The profiler's lines (JSON events), when profiling. */
  readonly profile: readonly string[];
}

const captured: string[] = [];
let capturing = false;

const api = {
  /** Times `plan` passes of the graph at `modelUrl` on the float32 input at `inputUrl` under `config`. */
  async time(
    config: VariantConfig,
    modelUrl: string,
    inputUrl: string,
    input: string,
    dims: readonly number[],
    plan: RepeatPlan,
  ): Promise<VariantTiming> {
    // Before onnxruntime loads: Emscripten binds console.log when its module starts, so the wrapper must be in place.
    const log = console.log.bind(console);
    console.log = (...args: unknown[]): void => {
      if (capturing) captured.push(args.map(String).join(' '));
      else log(...args);
    };
    const ort =
      config.build === 'plain' ? await import('onnxruntime-web/wasm') : await import('onnxruntime-web/webgpu');
    const [wasm, mjs] = config.build === 'plain' ? [plainWasm, plainMjs] : [asyncifyWasm, asyncifyMjs];
    ort.env.wasm.wasmPaths = {
      wasm: new URL(wasm, self.location.href).href,
      mjs: new URL(mjs, self.location.href).href,
    };
    ort.env.wasm.numThreads = config.threads;
    ort.env.wasm.proxy = false;
    const [model, data] = await Promise.all([bytes(modelUrl), bytes(inputUrl)]);
    const t0 = performance.now();
    const session = await ort.InferenceSession.create(new Uint8Array(model), {
      executionProviders: ['wasm'],
      graphOptimizationLevel: config.optimization,
      enableProfiling: config.profile,
    });
    const loadMs = performance.now() - t0;
    const samples: number[] = [];
    const pcm = new Float32Array(data);
    for (let i = 0; i < plan.warmup + plan.repeats; i++) {
      const x = new ort.Tensor('float32', pcm, dims);
      const s = performance.now();
      const out = await session.run({ [input]: x });
      const ms = performance.now() - s;
      for (const t of Object.values(out)) t.dispose();
      x.dispose();
      if (i >= plan.warmup) samples.push(ms);
    }
    capturing = true;
    if (config.profile) session.endProfiling();
    capturing = false;
    await session.release();
    return { loadMs, samples, profile: captured.splice(0) };
  },
};

/** The worker's API as the page sees it. */
export type VariantApi = typeof api;

Comlink.expose(api);
