/**
 * Scores the worker's clips. The loaded pair's own head scores when it has one; otherwise the embedded pair's shipped
 * head scores the same audio (embedded-scorer.ts). Either is adapted to the person's voice when the page has set a
 * speaker profile and the head reads utterance statistics (block 2 of the prefix, src/mmer/utterance.ts).
 */
import { toErrorInfo } from '../core/errors';
import type { AudioEncoderModel } from '../encoders/types';
import { applyProfile, profileFromStats, utteranceStats, type SpeakerProfile } from '../mmer/utterance';
import type { Manifest } from '../runtime/manifest';
import type { LoaderContext } from '../runtime/model-loader';
import type {
  EmotionScorer,
  EmotionScores,
  HeadInfo,
  HeadNotice,
  UtteranceStatsRow,
  VoiceRecordings,
} from '../worker-api/protocol';
import type { Analysis } from './analyse';
import type { HeadSlot } from './emotion-head';
import { EmbeddedScorer, embeddedPlan, type ClipFeatures } from './embedded-scorer';
import type { HeadRuntimeHost } from './head-runtime';

/** The last analysed clip as the worker keeps it: the loaded pair's analysis and the audio it came from. */
export interface WorkerClip {
  readonly analysis: Analysis;
  readonly pcm: Float32Array;
}

/** A clip's scores, the head that gave them and its time (all null when nothing scored). */
export interface ClipScore {
  readonly emotion: EmotionScores | null;
  readonly scorer: EmotionScorer | null;
  readonly headMs: number | null;
}

const UNSCORED: ClipScore = { emotion: null, scorer: null, headMs: null };

/** The worker's scorer: which head scores a clip, the embedded stand-in it keeps ready, and the voice profile. */
export class ClipScoring {
  private embedded: EmbeddedScorer | null = null;
  private voice: { readonly features: string; readonly profile: SpeakerProfile } | null = null;

  constructor(private readonly heads: HeadRuntimeHost) {}

  /** The embedded head that scores while the loaded pair has none (null when there is none for this pair). */
  get embeddedInfo(): HeadInfo | null {
    return this.embedded?.info ?? null;
  }

  /**
   * After `pair` was loaded: makes the embedded pair's head ready to stand in for it (kept from the last init when
   * the plan is the same), or drops it when the manifest gives the pair none. A failure is a notice, never a failed
   * init. Loaded even when the pair has a head, so removing that head leaves scores, not an empty panel.
   */
  async prepare(manifest: Manifest, ctx: LoaderContext, pair: string): Promise<HeadNotice | null> {
    const plan = embeddedPlan(manifest, pair);
    if (plan !== null && this.embedded?.key === EmbeddedScorer.keyOf(ctx.manifestUrl, plan)) return null;
    this.embedded = null;
    (await this.heads.current())?.embedded.unload();
    if (plan === null) return null;
    try {
      this.embedded = await EmbeddedScorer.prepare(plan, ctx, await this.heads.start());
      ctx.onProgress({ status: 'ready', model: plan.head.id, dtype: 'none' });
      return null;
    } catch (err) {
      return { kind: 'embedded-failed', headId: plan.head.id, error: toErrorInfo(err) };
    }
  }

  /**
   * Sets the person's recordings (null: forget them): their statistics' mean and SD become the speaker profile that
   * later scores are adapted with. Returns the clips in the profile (0 without one).
   */
  setVoice(recordings: VoiceRecordings | null): number {
    const first = recordings?.rows[0];
    if (recordings === null || first === undefined) {
      this.voice = null;
      return 0;
    }
    const dim = first.length;
    const rows = recordings.rows.filter((r) => r.length === dim);
    this.voice = { features: recordings.features, profile: profileFromStats(rows, dim) };
    return rows.length;
  }

  /** `audio` with the speaker profile applied when `slot`'s head reads statistics of the profile's feature set. */
  private adapt(slot: HeadSlot, audio: ClipFeatures['audio']): { audio: ClipFeatures['audio']; clips: number | null } {
    const spec = slot.utterance;
    const voice = this.voice;
    if (spec === null || voice === null || voice.features !== spec.features || voice.profile.mean.length !== spec.dim)
      return { audio, clips: null };
    return { audio: applyProfile(audio, spec.dim, voice.profile), clips: voice.profile.clips };
  }

  private async scoreWith(slot: HeadSlot, features: ClipFeatures, source: EmotionScorer['source']): Promise<ClipScore> {
    const info = slot.info;
    if (info === null) return UNSCORED;
    const t0 = performance.now();
    const { audio, clips } = this.adapt(slot, features.audio);
    const emotion = await slot.score({ audio, text: features.text });
    return {
      emotion,
      scorer: emotion === null ? null : { source, head: info.name, adaptedClips: clips },
      headMs: performance.now() - t0,
    };
  }

  /** Scores `clip` with the pair's head, else the embedded head; unscored when neither is active. */
  async score(clip: WorkerClip): Promise<ClipScore> {
    const runtime = await this.heads.current();
    if (runtime === null) return UNSCORED;
    if (runtime.slot.info !== null) {
      // The head was checked against these encoders when it was loaded, so scoring fails only on a real fault.
      return this.scoreWith(
        runtime.slot,
        { audio: clip.analysis.audioFeatures, text: clip.analysis.textFeatures },
        'pair',
      );
    }
    const embedded = this.embedded;
    if (embedded === null || runtime.embedded.info === null) return UNSCORED;
    return this.scoreWith(runtime.embedded, await embedded.features(clip.pcm), 'embedded');
  }

  /**
   * The clip's raw utterance statistics: from the loaded audio encoder when it computes them, else from the embedded
   * encoders on the same audio; null when neither does.
   */
  async stats(clip: WorkerClip, audio: AudioEncoderModel): Promise<UtteranceStatsRow | null> {
    if (audio.utterance)
      return { features: audio.utterance.id, stats: utteranceStats(clip.analysis.audioFeatures, audio.utterance.dim) };
    const embedded = this.embedded;
    const set = embedded?.utterance ?? null;
    if (embedded === null || set === null) return null;
    return { features: set.id, stats: utteranceStats((await embedded.features(clip.pcm)).audio, set.dim) };
  }
}
