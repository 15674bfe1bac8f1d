/**
 * Case 1, native: the shared pipeline (src/pipeline) on onnxruntime-node's CPU execution provider, loaded through
 * `loadNodeEncoders` exactly as the CLI loads it. Times the audio stage (wav2vec2 + CTC decoding: the transcript)
 * and the whole analysis (plus RoBERTa on that transcript) separately, since only the first has a transformers.js peer.
 */
import { analyseClip, encodeAudio } from '../../src/pipeline/analyse';
import { loadNodeEncoders } from '../../src/pipeline/node';
import type { ByteStore } from '../../src/runtime/cache';
import { speechClip } from '../lib/audio';
import type { ModelSet } from '../lib/models';
import { measure, type RepeatPlan, type Timing } from '../lib/stats';

/** One measured row of an inference case. */
export interface InferenceRow {
  readonly runtime: string;
  readonly dtype: string;
  readonly seconds: number;
  /** wav2vec2 pass(es) + CTC decoding (our pipeline), or the ASR pipeline call (transformers.js). */
  readonly asr: Timing;
  /** ASR + RoBERTa on the transcript (our pipeline only; emotion head not included, see the README). */
  readonly full: Timing | null;
  /** Characters of the transcript (random weights: noise, but it sets RoBERTa's input length). */
  readonly transcriptChars: number;
}

/** Nothing is cached between runs: the edited graph is rebuilt in memory at each load (no disk writes). */
const noStore: ByteStore = {
  get: () => Promise.resolve(null),
  put: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};

/** Runs the native case for every model set and clip length. */
export async function runNative(
  manifestPath: string,
  sets: readonly ModelSet[],
  lengths: readonly number[],
  plan: RepeatPlan,
  threads: number,
  log: (line: string) => void,
): Promise<InferenceRow[]> {
  const rows: InferenceRow[] = [];
  for (const set of sets) {
    const t0 = performance.now();
    const encoders = await loadNodeEncoders({ pair: set.pair, manifestPath, store: noStore, threads });
    log(`native ${set.dtype}: loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    try {
      for (const seconds of lengths) {
        const pcm = speechClip(seconds);
        const asr = await measure(async () => {
          await encodeAudio(encoders.audio, pcm);
          return undefined;
        }, plan);
        let chars = 0;
        const full = await measure(async () => {
          chars = (await analyseClip(encoders, pcm)).summary.transcript?.length ?? 0;
          return undefined;
        }, plan);
        rows.push({ runtime: `onnxruntime-node (${threads} threads)`, dtype: set.dtype, seconds, asr, full, transcriptChars: chars });
        log(`native ${set.dtype} ${seconds} s: asr ${asr.median.toFixed(0)} ms, full ${full.median.toFixed(0)} ms`);
      }
    } finally {
      await encoders.audio.dispose();
      await encoders.text.dispose();
    }
  }
  return rows;
}
