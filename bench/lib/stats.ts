/** Timing loop and summary statistics shared by every benchmark case. */

/** Median, quartiles and extremes of repeated timings, in milliseconds. */
export interface Timing {
  readonly median: number;
  readonly q1: number;
  readonly q3: number;
  readonly min: number;
  readonly max: number;
  /** Every timed repeat, in run order (warm-ups excluded). */
  readonly samples: readonly number[];
}

/** How many untimed warm-ups and timed repeats a case runs. */
export interface RepeatPlan {
  readonly warmup: number;
  readonly repeats: number;
}

/** Linear-interpolated quantile of sorted values (the numpy default), so small samples still give an IQR. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** Summarises timed samples (ms). */
export function summarise(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    samples: [...samples],
  };
}

/**
 * Runs `fn` `plan.warmup` times untimed, then `plan.repeats` times timed. `fn` may return its own duration (ms) when
 * the part worth timing is narrower than the call (e.g. a worker reporting its compute time without messaging).
 */
export async function measure(fn: () => Promise<number | undefined>, plan: RepeatPlan): Promise<Timing> {
  for (let i = 0; i < plan.warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < plan.repeats; i++) {
    const t0 = performance.now();
    const reported = await fn();
    samples.push(typeof reported === 'number' ? reported : performance.now() - t0);
  }
  return summarise(samples);
}

/** "1234 ms (1200-1300)": median and min-max, rounded for a table cell. */
export function formatTiming(t: Timing): string {
  const r = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `${r(t.median)} (${r(t.min)}-${r(t.max)})`;
}
