/**
 * The embedded pair's shipped head, standing in for a pair that has no head of its own (the hub pair until a head is
 * trained for it): the embedded pair's weight-free encoders run on the clip's 16 kHz PCM and its head scores them, so
 * the page shows an emotion from a real trained model on the same audio instead of none. The page says which model
 * scored (EmotionScorer.source 'embedded').
 */
import { LiteAudioEncoder, LiteTextEncoder } from '../encoders/lite';
import type { FeatureMatrix, UtteranceFeatureSet } from '../encoders/types';
import { headsForPair, resolvePair, type HeadEntry, type Manifest } from '../runtime/manifest';
import type { LoaderContext } from '../runtime/model-loader';
import type { HeadInfo } from '../worker-api/protocol';
import { analyseClip } from './analyse';
import { builtinOrigin, fetchBuiltinHead } from './builtin-head';
import type { HeadRuntime } from './head-runtime';
import { measureWidths, pairIdentity } from './head-target';
import type { EncoderPair } from './load-encoders';

/** Which pair and head stand in for a pair without a head. */
export interface EmbeddedPlan {
  /** The embedded pair (the manifest's `defaultPair`). */
  readonly pair: string;
  /** Its first listed head. */
  readonly head: HeadEntry;
}

/** A clip's features as a head reads them. */
export interface ClipFeatures {
  readonly audio: FeatureMatrix;
  readonly text: FeatureMatrix;
}

/**
 * The embedded pair and head that stand in for `loadedPair`: the manifest's default pair when it is another pair, is
 * weight-free (so running it beside any pair costs no download and little time) and lists a head. Null otherwise.
 */
export function embeddedPlan(manifest: Manifest, loadedPair: string): EmbeddedPlan | null {
  const pair = manifest.defaultPair;
  if (pair === loadedPair) return null;
  const { audio, text } = resolvePair(manifest, pair);
  const head = headsForPair(manifest, pair)[0];
  if (audio.format !== 'lite' || text.format !== 'lite' || head === undefined) return null;
  return { pair, head };
}

/** The embedded encoders and the head loaded into the runtime's `embedded` slot. */
export class EmbeddedScorer {
  /** Features per clip (keyed by its PCM, which outlives the worker's summary objects), computed once. */
  private readonly cache = new WeakMap<Float32Array, Promise<ClipFeatures>>();

  private constructor(
    /** Identifies what was loaded (manifest URL, pair, head), so a new init with the same plan keeps it. */
    readonly key: string,
    private readonly encoders: EncoderPair,
    readonly info: HeadInfo,
  ) {}

  /** The utterance statistics the embedded audio encoder computes (null when it has none). */
  get utterance(): UtteranceFeatureSet | null {
    return this.encoders.audio.utterance ?? null;
  }

  /**
   * Builds the embedded encoders, downloads (or reads from the cache) the plan's head and loads it into
   * `runtime.embedded`, checked against the encoders' real widths like any head.
   * @throws AppError from the download or the head check.
   */
  static async prepare(plan: EmbeddedPlan, ctx: LoaderContext, runtime: HeadRuntime): Promise<EmbeddedScorer> {
    const { audio, text } = resolvePair(ctx.manifest, plan.pair);
    if (audio.format !== 'lite' || text.format !== 'lite') throw new Error(`pair "${plan.pair}" is not weight-free`);
    const encoders: EncoderPair = {
      audio: new LiteAudioEncoder(audio.id, audio.options),
      text: new LiteTextEncoder(text.id, text.options),
    };
    const files = await fetchBuiltinHead(ctx, plan.head, 'embedded');
    const target = { ...pairIdentity(ctx.manifest, plan.pair), ...(await measureWidths(encoders)) };
    const info = runtime.embedded.load(files, target, builtinOrigin(ctx.manifestUrl, plan.head), runtime.engine);
    return new EmbeddedScorer(EmbeddedScorer.keyOf(ctx.manifestUrl, plan), encoders, info);
  }

  static keyOf(manifestUrl: string, plan: EmbeddedPlan): string {
    return JSON.stringify([manifestUrl, plan.pair, plan.head.id, plan.head.files.weights.sha256 ?? null]);
  }

  /** The clip's features as the embedded pair itself computes them (no transcript: its text encoder reads ''). */
  features(pcm16k: Float32Array): Promise<ClipFeatures> {
    let f = this.cache.get(pcm16k);
    if (f === undefined) {
      f = analyseClip(this.encoders, pcm16k).then((a) => ({ audio: a.audioFeatures, text: a.textFeatures }));
      this.cache.set(pcm16k, f);
    }
    return f;
  }
}
