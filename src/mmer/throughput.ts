/**
 * How fast the training engine's backend multiplies matrices on this device, and what that says about training off
 * the GPU. A fallback engine cannot time WebGPU (there is none, or only a software one), so the slowdown is an
 * estimate: the measured rate here against the rates laptop GPUs reach through WebGPU.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One measurement of dense float32 matmul throughput on the active tfjs backend. */
export interface MatmulRate {
  readonly backend: string;
  /** Square side n of the [n x n] x [n x n] products timed. */
  readonly size: number;
  /** Products timed after the warm-up. */
  readonly runs: number;
  /** Milliseconds per product, median. */
  readonly msPerRun: number;
  /** 2 n^3 / time, from the median. */
  readonly gflops: number;
}

/** Options of `measureMatmulRate`. */
export interface MatmulRateOptions {
  /** Side of the square operands (default 512: the head's 256-768 widths times a few hundred frames). */
  readonly size?: number;
  /** Time budget for the timed products, in ms (default 400); at least 3 products run whatever the budget. */
  readonly budgetMs?: number;
}

/**
 * Times [n x n] x [n x n] products on the active backend (one untimed warm-up, then as many as fit the budget), each
 * read back, so a GPU backend's queue is drained inside the timing. Operands are made once and disposed.
 */
export async function measureMatmulRate(options: MatmulRateOptions = {}): Promise<MatmulRate> {
  const n = options.size ?? 512;
  const budget = options.budgetMs ?? 400;
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    return performance.now() - t0;
  };
  try {
    await once();
    const times: number[] = [];
    const start = performance.now();
    while (times.length < 3 || (performance.now() - start < budget && times.length < 50)) times.push(await once());
    times.sort((x, y) => x - y);
    const msPerRun = times[Math.floor(times.length / 2)] ?? Number.NaN;
    return { backend: tf.getBackend(), size: n, runs: times.length, msPerRun, gflops: (2 * n ** 3) / (msPerRun * 1e6) };
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Dense float32 matmul rates that laptop GPUs reach through WebGPU, in GFLOP/s: ~100 on an Intel integrated GPU of
 * a 2019 MacBook Pro and ~900 on an Apple M1, both with tuned WebGPU kernels (published measurements, jott.live
 * "m1_webgpu_perf"). Not measured by this project: no hardware GPU was available where it was written. Replace them
 * with `npm run bench` figures from real GPUs when there are some.
 */
export const WEBGPU_REFERENCE_GFLOPS = { low: 100, high: 900 } as const;

/** How many times slower a run on a fallback backend is than on a laptop GPU (a range, never below 1). */
export interface SlowdownEstimate {
  readonly low: number;
  readonly high: number;
  /** The measurement it rests on. */
  readonly rate: MatmulRate;
}

/** The slowdown range of training at `rate` against the WebGPU reference rates. */
export function estimateSlowdown(rate: MatmulRate): SlowdownEstimate | null {
  if (!(rate.gflops > 0) || !Number.isFinite(rate.gflops)) return null;
  const ratio = (gpu: number): number => Math.max(1, gpu / rate.gflops);
  return { low: ratio(WEBGPU_REFERENCE_GFLOPS.low), high: ratio(WEBGPU_REFERENCE_GFLOPS.high), rate };
}
