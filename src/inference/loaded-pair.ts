/**
 * The model pair the ML worker has loaded: its encoders, what they give a head (ids and the audio hidden state), the
 * audio graph for a run's encoder layers, and cutting that graph at another layer. A head reads the hidden state it
 * was trained on and a run with k trainable layers reads the one below them, so the worker moves the cut for them
 * instead of asking the person to reload the models.
 */
import type { AudioGraphReader, EncoderGraph } from './load-encoders';
import type { LoadProgress } from '../runtime/runtime-types';
import { measureWidths, pairIdentity, type HeadTarget, type PairIdentity } from './head-target';
import { loadEncodersWithGraph, type EncoderContext, type EncoderPair } from './load-encoders';
import { exposedLayer, resolvePair, withAudioLayer, type Manifest } from '../runtime/manifest';

type Layer = 'head-input' | number;

export class LoadedPair {
  /** The encoders' feature widths, measured by one probe pass the first time a head needs them (again after a cut). */
  private widths: Promise<{ audioDim: number; textDim: number }> | null = null;
  /** The manifest as the loaded graphs are cut (the context's, until the first `cutAt`). */
  private cutManifest: Manifest;
  /** Passes running on the encoders now (`using`); a cut releases the old encoders only after them. */
  private readonly passes = new Set<Promise<unknown>>();

  private constructor(
    private readonly ctx: EncoderContext,
    readonly name: string,
    private loaded: { encoders: EncoderPair; audioGraph: AudioGraphReader },
    private id: PairIdentity,
  ) {
    this.cutManifest = ctx.manifest;
  }

  /** Loads both encoders of `name` as the manifest in `ctx` cuts them. */
  static async load(ctx: EncoderContext, name: string): Promise<LoadedPair> {
    const loaded = await loadEncodersWithGraph(ctx, name);
    return new LoadedPair(ctx, name, loaded, pairIdentity(ctx.manifest, name));
  }

  get encoders(): EncoderPair {
    return this.loaded.encoders;
  }

  /**
   * Runs `fn` on the encoders, after the passes before it (a session runs one pass at a time); a cut meanwhile waits
   * for it before releasing them.
   */
  async using<T>(fn: (encoders: EncoderPair) => Promise<T>): Promise<T> {
    const pass = Promise.allSettled([...this.passes]).then(() => fn(this.loaded.encoders));
    this.passes.add(pass);
    try {
      return await pass;
    } finally {
      this.passes.delete(pass);
    }
  }

  /** Which encoders and which audio hidden state the loaded graphs give a head. */
  get identity(): PairIdentity {
    return this.id;
  }

  /** What the loaded encoders give a head: their ids, the audio hidden state and the feature widths. */
  async target(): Promise<HeadTarget> {
    const measuring = (this.widths ??= this.using(measureWidths));
    // A failed probe is not kept: the next head load measures again.
    measuring.catch(() => {
      if (this.widths === measuring) this.widths = null;
    });
    return { ...this.id, ...(await measuring) };
  }

  /** The audio graph as loaded (null for lite), read from the model cache when a new run needs it. */
  audioGraph(onProgress?: (p: LoadProgress) => void): Promise<EncoderGraph | null> {
    return this.loaded.audioGraph(onProgress);
  }

  /** Where a new run with `k` trainable audio layers reads the audio encoder; null for encoders without a graph. */
  trainingLayer(k: number): Layer | null {
    const { audio } = resolvePair(this.ctx.manifest, this.name);
    return audio.format === 'onnx' ? exposedLayer(k, audio.numLayers) : null;
  }

  /**
   * Reloads the encoders with the audio graph cut at `layer` (edited graphs are cached per cut, so only the first
   * cut at a layer edits the graph). Resolves true when it reloaded, false when nothing had to change.
   */
  async cutAt(layer: Layer, onProgress: (p: LoadProgress) => void = () => undefined): Promise<boolean> {
    if (this.id.hiddenStateLayer === layer || resolvePair(this.ctx.manifest, this.name).audio.format !== 'onnx')
      return false;
    const manifest = withAudioLayer(this.ctx.manifest, this.name, layer);
    // Quiet by default: the page's progress view belongs to the init that loaded the pair.
    // The graph cached at the current cut is re-cut: moving the cut downloads nothing.
    const next = await loadEncodersWithGraph(
      { ...this.ctx, manifest, cutFrom: this.cutManifest, onProgress },
      this.name,
    );
    this.cutManifest = manifest;
    // A probe or a clip's pass may still be running on the old encoders; they are released after it.
    await Promise.allSettled([...this.passes]);
    await this.dispose();
    this.loaded = next;
    this.id = pairIdentity(manifest, this.name);
    this.widths = null;
    return true;
  }

  async dispose(): Promise<void> {
    await Promise.all([this.loaded.encoders.audio.dispose(), this.loaded.encoders.text.dispose()]);
  }
}
