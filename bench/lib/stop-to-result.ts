/**
 * How long after stop the whole timeline is there, measured one way for every host: the CLI's TimelineSession in
 * Node and the app's worker in the page both run this loop, so their rows in the timeline table compare like with
 * like. No Node imports: the bench page bundles it.
 */

/** A timeline host as the measurement drives it (a TimelineSession, or the worker's calls with errors thrown). */
export interface TimelineDriver {
  start(): Promise<unknown>;
  push(pcm: Float32Array): Promise<unknown>;
  finish(): Promise<unknown>;
}

/** Medians (ms) of the two ways of getting to the result, over the timed turns. */
export interface StopTimes {
  /** Fed half a second at a time as the recorder does, the segments analysed as they close; only the finish timed. */
  readonly incrementalMs: number;
  /** Everything at stop: the whole recording pushed at once, then finished, both timed. */
  readonly atStopMs: number;
}

/** Samples a recorder hands on at a time: half a second at 16 kHz. */
const HALF_SECOND = 8000;

const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * Times `pcm` (a recording stopped shortly after its speech) both ways, taking turns, `repeats` times after one
 * warm-up turn. Every push gets its own copy, since the worker's pushes transfer their buffers.
 */
export async function stopToResult(d: TimelineDriver, pcm: Float32Array, repeats: number): Promise<StopTimes> {
  const inc: number[] = [];
  const all: number[] = [];
  for (let k = 0; k < repeats + 1; k++) {
    await d.start();
    for (let at = 0; at < pcm.length; at += HALF_SECOND) await d.push(pcm.slice(at, at + HALF_SECOND));
    let t = performance.now();
    await d.finish();
    const incremental = performance.now() - t;
    await d.start();
    t = performance.now();
    await d.push(pcm.slice());
    await d.finish();
    const atStop = performance.now() - t;
    // The first turn warms both paths up.
    if (k > 0) {
      inc.push(incremental);
      all.push(atStop);
    }
  }
  return { incrementalMs: Number(median(inc).toFixed(1)), atStopMs: Number(median(all).toFixed(1)) };
}
