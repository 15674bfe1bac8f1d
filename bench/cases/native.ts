/**
 * Case 1, native: the shared pipeline (src/inference) on onnxruntime-node's CPU execution provider, loaded through
 * `loadNodeEncoders` exactly as the CLI loads it, and the emotion head on tfjs-wasm as `npm run mmer -- predict` runs
 * it. Times the audio stage (wav2vec2 + CTC decoding: the transcript) and the whole analysis (plus RoBERTa on that
 * transcript and the head) separately, since only the first has a transformers.js peer.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadHeadDir } from '../../src/mmer/checkpoint-node';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { predict } from '../../src/mmer/trainer';
import { analyseClip, encodeAudio } from '../../src/inference/analyse';
import { loadNodeEncoders } from '../../src/inference/node';
import type { ByteStore } from '../../src/runtime/cache';
import { speechClip } from '../lib/audio';
import { benchHeadFolder, TMP, type ModelSet } from '../lib/models';
import { measure, summarise, type RepeatPlan, type Timing } from '../lib/stats';

/** One measured row of an inference case. */
export interface InferenceRow {
  readonly runtime: string;
  readonly dtype: string;
  readonly seconds: number;
  /** wav2vec2 pass(es) + CTC decoding (our pipeline), or the ASR pipeline call (transformers.js). */
  readonly asr: Timing;
  /** ASR + RoBERTa on the transcript + the emotion head (our pipeline only). */
  readonly full: Timing | null;
  /** The emotion head alone (inside `full`); null for runtimes without one. */
  readonly head: Timing | null;
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
  tf.env().set('PROD', true);
  const engine = await initNodeEngine(['wasm', 'cpu']);
  for (const set of sets) {
    // The loader runs fp16 graphs only on WebGPU with shader-f16 (manifest.ts dtypeCandidates); Node has neither.
    if (set.dtype === 'fp16') {
      log('native fp16: skipped (the pipeline picks fp16 only on WebGPU with shader-f16)');
      continue;
    }
    const head = await loadHeadDir(join(TMP, benchHeadFolder(set.pair)));
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
        const headMs: number[] = [];
        const full = await measure(async () => {
          const a = await analyseClip(encoders, pcm);
          chars = a.summary.transcript?.length ?? 0;
          const t0 = performance.now();
          await predict(head.params, head.manifest.config, [{ audio: a.audioFeatures, text: a.textFeatures }]);
          headMs.push(performance.now() - t0);
          return undefined;
        }, plan);
        rows.push({
          runtime: `onnxruntime-node (${threads} threads; head: tfjs-${engine.backend})`,
          dtype: set.dtype,
          seconds,
          asr,
          full,
          head: summarise(headMs.slice(plan.warmup)),
          transcriptChars: chars,
        });
        log(`native ${set.dtype} ${seconds} s: asr ${asr.median.toFixed(0)} ms, full ${full.median.toFixed(0)} ms`);
      }
    } finally {
      await encoders.audio.dispose();
      await encoders.text.dispose();
      head.params.dispose();
    }
  }
  return rows;
}
