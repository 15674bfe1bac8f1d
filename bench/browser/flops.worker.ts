/**
 * Case 5 in the browser: bare passes of one graph (a micro-benchmark or the wav2vec2 encoder) with the app's
 * onnxruntime-web build, WASM files and session options (`configureOrtWeb` + `webAdapter('wasm-mt')`), in a worker
 * as the app's ML worker runs them. One worker per graph, so a large graph's WASM heap never hosts the next one.
 */
import * as Comlink from 'comlink';
import { configureOrtWeb, webAdapter } from '../../src/runtime/ort-web';
import type { RepeatPlan } from '../lib/stats';
import { fetchBytes as bytes, timeGraph, type GraphTiming } from '../lib/time-graph';

const api = {
  /** Times `plan` passes of the graph at `modelUrl` on the raw float32 input at `inputUrl`. */
  async time(
    modelUrl: string,
    inputUrl: string,
    input: string,
    dims: readonly number[],
    threads: number,
    plan: RepeatPlan,
  ): Promise<GraphTiming> {
    configureOrtWeb(threads);
    const [model, data] = await Promise.all([bytes(modelUrl), bytes(inputUrl)]);
    return timeGraph(
      await webAdapter('wasm-mt'),
      new Uint8Array(model),
      { name: input, data: new Float32Array(data), dims },
      plan,
    );
  },
};

/** The worker's API as the page sees it. */
export type FlopsApi = typeof api;

Comlink.expose(api);
