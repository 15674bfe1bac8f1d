/**
 * Tensors computed from parameters alone (products of two weight matrices, per-head re-layouts), kept between forward
 * passes so inference pays for them once per set of weights rather than once per clip.
 *
 * Staleness is ruled out by what `tf.Variable.assign` does: it points the variable at the new value's data (a new
 * `dataId` object) instead of writing into the old one. Every way parameters change (the optimiser, weight averaging,
 * `ParamStore.assign`, a test poking one coordinate) goes through `assign`, so an entry remembers the `dataId` of each
 * source it was computed from and is recomputed when any differs. The entry holds those objects, so a later data
 * object can never be the same one.
 */
import * as tf from '@tensorflow/tfjs-core';

interface Entry {
  readonly sources: readonly tf.DataId[];
  readonly value: tf.Tensor[];
}

/** A cache of parameter-derived tensors, owned by one ParamStore (which clears it when disposed). */
export class DerivedWeights {
  private readonly entries = new Map<string, Entry>();

  /**
   * The tensors `compute` makes from `sources`, cached under `key` until a source is reassigned. Cached tensors
   * belong to this object: callers must not dispose them.
   *
   * Under a gradient tape it is computed afresh each time, as an ordinary op of the caller's scope, so gradients
   * reach the parameters (a cached tensor is a constant to autograd) and the caller's tidy frees it.
   */
  get(key: string, sources: readonly tf.Variable[], compute: () => tf.Tensor[]): tf.Tensor[] {
    if (!this.keeps()) return compute();
    const ids = sources.map((v) => v.dataId);
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.sources.length === ids.length && hit.sources.every((id, i) => id === ids[i])) {
      return hit.value;
    }
    if (hit !== undefined) tf.dispose(hit.value);
    // keep: the caller is usually inside a tidy, which would otherwise free the entry at its end.
    const value = tf.tidy(compute).map((t) => tf.keep(t));
    this.entries.set(key, { sources: ids, value });
    return value;
  }

  /** Whether `get` would keep what it computes now: not under a gradient tape. */
  keeps(): boolean {
    return !tf.engine().isTapeOn();
  }

  /** How many entries are held (for tests and memory accounting). */
  get size(): number {
    return this.entries.size;
  }

  /** Frees every entry. */
  clear(): void {
    for (const e of this.entries.values()) tf.dispose(e.value);
    this.entries.clear();
  }
}
