/**
 * The active MMER emotion head of a pipeline: loads one from its two files, refuses one that does not fit the loaded
 * encoders (before it replaces anything), and scores a clip's features. TensorFlow.js code: the worker imports this
 * module lazily, the first time a head is loaded, after the engine has been started (engine-web.ts).
 * Where the encoders' onnxruntime is offered, a loaded head is also built as an ONNX graph and scored there (several
 * times faster than tfjs-WASM; docs/decisions.md); tfjs keeps the parameters and scores whenever that is not possible.
 */
import { AppError } from '../core/errors';
import type { FeatureMatrix } from '../encoders/types';
import { decodeCheckpoint, type HeadManifest } from '../mmer/checkpoint';
import type { ParamStore } from '../mmer/params';
import type { UtteranceSpec } from '../mmer/utterance';
import { predict } from '../mmer/trainer';
import { rankScores } from '../mmer/ranking';
import type { OrtAdapter } from '../runtime/ort-types';
import type { EmotionScores, HeadCard, HeadFiles, HeadInfo, TrainingFacts } from '../worker-api/protocol';
import type { HeadTarget } from './head-target';
import { OnnxHeadSession, softmaxScores } from './head-onnx-session';

/**
 * Where a head comes from: a built-in head of the manifest (with its description, and the license and model card
 * the manifest gives it) or an import.
 */
export type HeadOrigin =
  | {
      readonly kind: 'builtin';
      readonly id: string;
      readonly description: string;
      readonly license?: string | null;
      readonly cardUrl?: string | null;
    }
  | { readonly kind: 'imported' };

interface ActiveHead {
  readonly manifest: HeadManifest;
  readonly params: ParamStore;
  readonly info: HeadInfo;
  /** The head on onnxruntime once built and opened; null when it cannot run there (then tfjs scores). */
  onnx: Promise<OnnxHeadSession | null>;
  /** The session once `onnx` has opened it: until then tfjs scores, so no clip waits for the graph to be built. */
  ready: OnnxHeadSession | null;
  /** Why tfjs scores this head (null while it is on onnxruntime, or when no runtime was offered). */
  fallbackReason: string | null;
}

/** Which engine scores the active head, and why tfjs does when it does. */
export interface HeadScorer {
  readonly engine: 'onnxruntime' | 'tfjs';
  /** Why the head is not on onnxruntime (null when it is, or when no runtime was offered). */
  readonly reason: string | null;
}

function layerName(layer: 'head-input' | number): string {
  return layer === 'head-input' ? 'the input of the CTC head' : `the output of transformer layer ${layer}`;
}

/**
 * Why a head cannot run on the target's features, or null when it can. Messages name both sides, so the user sees
 * which pair the head needs.
 */
export function headMismatch(manifest: HeadManifest, target: HeadTarget): string | null {
  const e = manifest.encoders;
  if (e.audio !== target.audio || e.text !== target.text) {
    return (
      `This head was trained on ${e.audio} + ${e.text} features (pair "${e.pair}"), but the loaded models are ` +
      `${target.audio} + ${target.text} (pair "${target.pair}"). Load it with the pair it was trained on.`
    );
  }
  if (e.hiddenStateLayer !== target.hiddenStateLayer) {
    return (
      `This head was trained on ${layerName(e.hiddenStateLayer)} of ${e.audio}, but the loaded model exposes ` +
      `${layerName(target.hiddenStateLayer)}.`
    );
  }
  const c = manifest.config;
  if (c.audioDim !== target.audioDim || c.textDim !== target.textDim) {
    return (
      `This head expects ${c.audioDim}-value audio frames and ${c.textDim}-value text tokens, but ${target.audio} + ` +
      `${target.text} give ${target.audioDim}-value audio frames and ${target.textDim}-value text tokens.`
    );
  }
  return null;
}

/** The name an imported head was trained under (`training.headName`, as the Train screen and `mmer train` write it). */
function importedName(manifest: HeadManifest): string | null {
  const n = manifest.training?.headName;
  return typeof n === 'string' && n.trim().length > 0 ? n.trim() : null;
}

/** The description an imported head may carry in `training.description` of its config.json. */
function importedDescription(manifest: HeadManifest): string | null {
  const d = manifest.training?.description;
  return typeof d === 'string' && d.length > 0 ? d : null;
}

const CARD_FIELDS = ['data', 'license', 'validation', 'limitations'] as const;

/** The text fields of `training.card` (free-form JSON: anything that is not a non-empty string is left out). */
function cardOf(manifest: HeadManifest): HeadCard | null {
  const raw = manifest.training?.card;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const card: Record<string, string> = {};
  for (const k of CARD_FIELDS) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'string' && v.trim().length > 0) card[k] = v.trim();
  }
  return Object.keys(card).length > 0 ? card : null;
}

/** Clip counts and held-out speakers from `training` (the CLI and the page write these keys). */
function trainingFactsOf(manifest: HeadManifest): TrainingFacts {
  const t = manifest.training ?? {};
  const count = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);
  const speakers = Array.isArray(t.validationSpeakers) ? t.validationSpeakers.map((x) => String(x)) : [];
  return { trainClips: count(t.trainClips), validationClips: count(t.validationClips), validationSpeakers: speakers };
}

/** Holds at most one head; a replaced or removed head's parameters are disposed. */
export class HeadSlot {
  private active: ActiveHead | null = null;

  /**
   * `onnxRuntime` gives the onnxruntime adapter a head loaded now may run on (the encoders' CPU one), or null to
   * score on tfjs only.
   */
  constructor(private readonly onnxRuntime: () => OrtAdapter | null = () => null) {}

  /** The active head's description, or null. */
  get info(): HeadInfo | null {
    return this.active?.info ?? null;
  }

  /** How the active head reads utterance statistics (its config's `utterance`), or null (also without a head). */
  get utterance(): UtteranceSpec | null {
    return this.active?.manifest.config.utterance ?? null;
  }

  /** Encoder pair of the active head (`encoders.pair` of its config.json), or null. */
  get pair(): string | null {
    return this.active?.manifest.encoders.pair ?? null;
  }

  /** Why the active head cannot run on `target`'s features, or null (also when no head is active). */
  mismatch(target: HeadTarget): string | null {
    return this.active === null ? null : headMismatch(this.active.manifest, target);
  }

  /**
   * Reads, validates and activates a head. The engine must be running (its backend is reported in `engine`).
   * On any failure the previously active head stays active and untouched.
   * @throws AppError('bad-model') for unreadable files or a head that does not fit `target`'s features.
   */
  load(files: HeadFiles, target: HeadTarget, origin: HeadOrigin, engine: HeadInfo['engine']): HeadInfo {
    const { manifest, params } = decodeCheckpoint(files.configJson, files.weights, undefined, files.training);
    const mismatch = headMismatch(manifest, target);
    if (mismatch !== null) {
      params.dispose();
      throw new AppError('bad-model', mismatch);
    }
    const card = cardOf(manifest);
    const info: HeadInfo = {
      builtinId: origin.kind === 'builtin' ? origin.id : null,
      name: origin.kind === 'builtin' ? origin.id : (importedName(manifest) ?? files.source),
      source: files.source,
      description: origin.kind === 'builtin' ? origin.description : importedDescription(manifest),
      pair: manifest.encoders.pair,
      encoders: { audio: manifest.encoders.audio, text: manifest.encoders.text },
      labels: [...manifest.config.labels],
      metrics: manifest.metrics,
      createdAt: manifest.createdAt,
      license: (origin.kind === 'builtin' ? origin.license : null) ?? card?.license ?? null,
      card,
      cardUrl: origin.kind === 'builtin' ? (origin.cardUrl ?? null) : null,
      trainingFacts: trainingFactsOf(manifest),
      speakerAdaptable: manifest.config.utterance !== undefined,
      engine,
    };
    this.release();
    const head: ActiveHead = { manifest, params, info, onnx: Promise.resolve(null), ready: null, fallbackReason: null };
    head.onnx = this.openOnnx(head);
    this.active = head;
    return info;
  }

  /** Which engine scores the active head, once its ONNX session is settled (null without a head). */
  async scorer(): Promise<HeadScorer | null> {
    const head = this.active;
    if (head === null) return null;
    const session = await head.onnx;
    return session === null ? { engine: 'tfjs', reason: head.fallbackReason } : { engine: 'onnxruntime', reason: null };
  }

  /** Builds and opens the head's ONNX graph, or settles on null (with the reason kept) when that is not possible. */
  private openOnnx(head: ActiveHead): Promise<OnnxHeadSession | null> {
    const ort = this.onnxRuntime();
    if (ort === null) return Promise.resolve(null);
    return OnnxHeadSession.open(ort, head.manifest.config, head.params).then(
      (session) => {
        // A head replaced while its graph was being built never scores: release() frees the session.
        if (this.active === head) head.ready = session;
        return session;
      },
      (err: unknown) => {
        head.fallbackReason = err instanceof Error ? err.message : String(err);
        return null;
      },
    );
  }

  /** Frees the active head's parameters and, once it has opened, its ONNX session. */
  private release(): void {
    const head = this.active;
    if (head === null) return;
    head.params.dispose();
    void head.onnx.then((s) => s?.release());
  }

  /** Removes the active head (if any) and frees its parameters. Returns whether one was active. */
  unload(): boolean {
    if (this.active === null) return false;
    this.release();
    this.active = null;
    return true;
  }

  /**
   * Runs the active head once on silent features the size of a 5 s clip and drops the result, so that what a head
   * computes once per set of weights (the cross-attention weight products, derived-weights.ts) is done while the
   * person records rather than on their first clip. Only where the head scores on tfjs, and not for heads reading
   * utterance statistics (small heads, which take the direct order anyway). Best effort: a failure here is a failure
   * of the first clip's scoring, reported there.
   */
  async warmUp(): Promise<void> {
    const head = this.active;
    if (head === null || this.onnxRuntime() !== null || head.manifest.config.utterance !== undefined) return;
    const { config } = head.manifest;
    const silent = (rows: number, dim: number): FeatureMatrix => ({ rows, dim, data: new Float32Array(rows * dim) });
    await predict(head.params, config, [
      { audio: silent(250, config.audioDim), text: silent(16, config.textDim) },
    ]).catch(() => undefined);
  }

  /**
   * The active head's softmax scores for one clip, sorted best first, or null when no head is active.
   * @throws AppError('bad-model') when the features do not have the widths the head was trained on.
   */
  async score(features: {
    readonly audio: FeatureMatrix;
    readonly text: FeatureMatrix;
  }): Promise<EmotionScores | null> {
    const head = this.active;
    if (head === null) return null;
    const { config } = head.manifest;
    if (features.audio.dim !== config.audioDim || features.text.dim !== config.textDim) {
      throw new AppError(
        'bad-model',
        `The emotion head expects ${config.audioDim}-value audio frames and ${config.textDim}-value text tokens, ` +
          `but this clip has ${features.audio.dim} and ${features.text.dim}.`,
      );
    }
    const session = head.ready;
    if (session !== null && session.accepts(features)) {
      try {
        return rankScores(config.labels, softmaxScores(await session.logits(features)));
      } catch (err) {
        // A session that failed once is not trusted again: tfjs scores from now on.
        head.fallbackReason = `onnxruntime failed: ${err instanceof Error ? err.message : String(err)}`;
        head.onnx = Promise.resolve(null);
        head.ready = null;
        void session.release();
      }
    }
    const [result] = await predict(head.params, config, [features]);
    if (result === undefined) throw new AppError('internal', 'The emotion head returned no result.');
    return rankScores(config.labels, result.scores);
  }
}
