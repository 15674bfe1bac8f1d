/**
 * What the recognizer holds of the loaded pair between calls: the pair, the last analysed clip, and moving the audio
 * cut (which drops that clip's features). Kept apart from recognizer.ts, which adds loading, scoring and training.
 */
import { AppError } from '../core/errors';
import type { FeatureMatrix } from '../encoders/types';
import type { WorkerClip } from '../inference/clip-scoring';
import type { HeadTarget } from '../inference/head-target';
import type { LoadedPair } from '../inference/loaded-pair';
import type { LoadProgress } from '../runtime/runtime-types';

type Layer = 'head-input' | number;

/** The loaded pair and the last clip; see the file comment. */
export abstract class PairState {
  /** The loaded model pair; null while none is loaded. */
  protected loaded: LoadedPair | null = null;
  /** The last analysed clip (its features, summary and audio); null before the first and after the encoders change. */
  protected lastClip: WorkerClip | null = null;

  /** Whether a training job is running (the cut must not move under it). */
  protected abstract get jobRunning(): boolean;

  /** Copies of the last clip's feature matrices (tests compare backends on them). */
  lastFeatures(): { audio: FeatureMatrix; text: FeatureMatrix } | null {
    if (this.lastClip === null) return null;
    const { audioFeatures: a, textFeatures: t } = this.lastClip.analysis;
    return { audio: { ...a, data: a.data.slice() }, text: { ...t, data: t.data.slice() } };
  }

  /** The loaded pair; `code` and `doing` word the error when there is none yet. */
  protected requirePair(code: 'internal' | 'training', doing = ''): LoadedPair {
    if (this.loaded === null) throw new AppError(code, `The models are not loaded yet${doing}.`);
    return this.loaded;
  }

  /** What the loaded pair gives a head: widths from the last clip, else from one probe pass (LoadedPair.target). */
  protected async currentTarget(): Promise<HeadTarget> {
    const pair = this.loaded;
    if (pair === null)
      throw new AppError('internal', 'The models are not loaded yet; load a head once they are ready.');
    const last = this.lastClip?.analysis;
    if (last === undefined) return pair.target();
    return { ...pair.identity, audioDim: last.audioFeatures.dim, textDim: last.textFeatures.dim };
  }

  /** Moves the audio graph's cut to `layer` (see LoadedPair.cutAt); never under a running training job. */
  protected async cutAudioAt(layer: Layer | null, onProgress?: (p: LoadProgress) => void): Promise<void> {
    if (layer === null || this.loaded === null || this.loaded.identity.hiddenStateLayer === layer) return;
    if (this.jobRunning)
      throw new AppError('training', 'A training run is using the models; wait for it to end, or cancel it, first.');
    // The last clip's features were cut elsewhere: no head may score them now.
    if (await this.loaded.cutAt(layer, onProgress)) this.lastClip = null;
  }
}
