/**
 * Times bare passes of one ONNX graph through the app's own onnxruntime adapter (`nodeAdapter` in Node,
 * `webAdapter` in the bench page's worker), so case 5's native and browser figures come from the same loop. No Node
 * imports: the browser bundle takes this file as it is.
 */
import type { OrtAdapter } from '../../src/runtime/ort-types';
import { measure, type RepeatPlan } from './stats';

/** One float32 graph input. */
export interface GraphInput {
  readonly name: string;
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** What `timeGraph` measured. */
export interface GraphTiming {
  /** The adapter's own description (runtime, backend, threads). */
  readonly adapter: string;
  /** Session creation (ms): parsing, optimisation and weight prepacking. */
  readonly loadMs: number;
  /** Timed passes (ms), warm-ups excluded. */
  readonly samples: readonly number[];
}

/**
 * Creates a session for `model` and times `plan` passes of it on `input`. A fresh input tensor per pass, as the
 * pipeline makes one per clip; outputs are disposed, the session released.
 */
export async function timeGraph(
  ort: OrtAdapter,
  model: Uint8Array,
  input: GraphInput,
  plan: RepeatPlan,
): Promise<GraphTiming> {
  const t0 = performance.now();
  const session = await ort.createSession(model);
  const loadMs = performance.now() - t0;
  try {
    const timing = await measure(async () => {
      const x = ort.tensor('float32', input.data, input.dims);
      const out = await session.run({ [input.name]: x });
      for (const t of Object.values(out)) t.dispose?.();
      x.dispose?.();
      return undefined;
    }, plan);
    return { adapter: ort.name, loadMs, samples: timing.samples };
  } finally {
    await session.release();
  }
}

/** A file's bytes over HTTP, for the bench workers; a failed response is an error naming the URL and status. */
export async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${String(r.status)}`);
  return r.arrayBuffer();
}
