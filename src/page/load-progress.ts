/**
 * Folds the worker's `LoadProgress` events into a per-file table and overall totals. Pure (no React), so the
 * hook can batch updates and the view can be computed anywhere.
 */
import type { Dtype, LoadProgress } from '../runtime/runtime-types';

export type FileStatus = Exclude<LoadProgress['status'], 'ready'>;

export interface FileProgress {
  readonly model: string;
  readonly file: string;
  readonly status: FileStatus;
  readonly loaded: number;
  /** Bytes expected, or null while the server has not said. */
  readonly total: number | null;
  readonly fromCache: boolean;
  /** Download attempt (1 for the first), raised by 'retry' events. */
  readonly attempt: number;
  readonly retryReason: string | null;
  /** For a file the server does not have: the precision loaded instead (null: none). */
  readonly fallback?: Dtype | null;
}

export interface ReadyModel {
  readonly model: string;
  readonly dtype: Dtype | 'none';
}

export interface LoadSnapshot {
  readonly files: readonly FileProgress[];
  readonly ready: readonly ReadyModel[];
}

export const EMPTY_SNAPSHOT: LoadSnapshot = { files: [], ready: [] };

export interface Overall {
  readonly loaded: number;
  /** Sum of the known totals; null when some unfinished file has no known size yet. */
  readonly total: number | null;
  /** 0..1, or null when indeterminate. */
  readonly fraction: number | null;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly fromCache: number;
}

/** Accumulates events; `snapshot()` gives an immutable copy for rendering. */
export class LoadTracker {
  private readonly files = new Map<string, FileProgress>();
  private readonly ready = new Map<string, ReadyModel>();

  apply(p: LoadProgress): void {
    if (p.status === 'ready') {
      this.ready.set(p.model, { model: p.model, dtype: p.dtype });
      return;
    }
    const key = `${p.model}\u0000${p.file}`;
    const prev: FileProgress = this.files.get(key) ?? {
      model: p.model,
      file: p.file,
      status: 'initiate',
      loaded: 0,
      total: null,
      fromCache: false,
      attempt: 1,
      retryReason: null,
    };
    let next: FileProgress;
    switch (p.status) {
      case 'initiate':
        next = { ...prev, status: 'initiate' };
        break;
      case 'progress':
        next = { ...prev, status: 'progress', loaded: p.loaded, total: p.total ?? prev.total };
        break;
      case 'retry':
        // A retry downloads again from the start.
        next = { ...prev, status: 'retry', loaded: 0, attempt: p.attempt, retryReason: p.reason };
        break;
      case 'verify':
        next = { ...prev, status: 'verify', loaded: prev.total ?? prev.loaded };
        break;
      case 'edit':
        next = { ...prev, status: 'edit', loaded: prev.total ?? prev.loaded };
        break;
      case 'done':
        next = { ...prev, status: 'done', loaded: p.bytes, total: p.bytes, fromCache: p.fromCache };
        break;
      case 'missing':
        // Nothing of it is coming: it no longer counts towards the bytes still to load.
        next = { ...prev, status: 'missing', loaded: 0, total: 0, fallback: p.next };
        break;
    }
    this.files.set(key, next);
  }

  /** Forgets the models' readiness (after a worker restart), keeping the file table for display. */
  resetReady(): void {
    this.ready.clear();
  }

  readyModels(): string[] {
    return [...this.ready.keys()];
  }

  snapshot(): LoadSnapshot {
    return { files: [...this.files.values()], ready: [...this.ready.values()] };
  }
}

/** Overall byte progress across files. Finished files count with their final size. */
export function overall(files: readonly FileProgress[]): Overall {
  let loaded = 0;
  let total = 0;
  let unknown = false;
  let filesDone = 0;
  let fromCache = 0;
  for (const f of files) {
    loaded += f.loaded;
    if (f.total === null) {
      if (f.status !== 'done') unknown = true;
    } else {
      total += f.total;
    }
    if (f.status === 'done' || f.status === 'edit' || f.status === 'missing') filesDone++;
    if (f.fromCache) fromCache++;
  }
  const known = !unknown && total > 0;
  return {
    loaded,
    total: unknown ? null : total,
    fraction: known ? Math.min(1, loaded / total) : null,
    filesDone,
    filesTotal: files.length,
    fromCache,
  };
}

/** "12.3 MB" with one decimal (two below 1 MB, so small fixture files do not all read 0.0). */
export function formatMB(bytes: number): string {
  const mb = bytes / 1_000_000;
  return `${mb < 1 ? mb.toFixed(2) : mb.toFixed(1)} MB`;
}
