/**
 * The local clip library: what the page and the ML worker keep in IndexedDB (clips and their audio, label sets,
 * trained heads, cached encoder features, training checkpoints). Plain data and one interface, so the page, the
 * worker and tests share one definition; `idb-library.ts` is the IndexedDB implementation.
 */
import type { FeatureMatrix } from '../../encoders/types';

/** The three splits. Model selection uses `validation`; `test` is only ever evaluated. */
export type SplitName = 'train' | 'validation' | 'test';

/** Where a clip's transcript came from; an edited transcript is `user` and becomes the CTC target. */
export type TranscriptSource = 'asr' | 'user' | 'metadata' | 'filename';

/** How a clip entered the library. */
export type ClipSource = 'recording' | 'file' | 'folder';

/** A clip's metadata (its audio lives apart, so listing a large library reads no audio). */
export interface LibraryClip {
  readonly id: string;
  /** File name, or "Recording 3" for a recording. */
  readonly name: string;
  /** Null for an unlabelled clip. A label outside the active set is kept and flagged, never dropped. */
  readonly label: string | null;
  /** Null when there is none: such clips train without CTC. */
  readonly transcript: string | null;
  readonly transcriptSource: TranscriptSource | null;
  readonly speaker: string | null;
  /** Null: assigned automatically (speaker-disjoint where speakers are tagged), see `effectiveSplits`. */
  readonly split: SplitName | null;
  readonly durationS: number;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly source: ClipSource;
  /** Incremented whenever the audio or the transcript changes; cached features are keyed by it. */
  readonly revision: number;
}

/** A clip's audio: 16 kHz mono PCM, plus the original file when it was small enough to keep. */
export interface ClipAudio {
  readonly clipId: string;
  readonly pcm: Float32Array;
  readonly original: Blob | null;
}

/** What the page hands the library to add a clip (id, dates, revision and duration are the library's job). */
export interface NewClip extends Pick<
  LibraryClip,
  'name' | 'label' | 'transcript' | 'transcriptSource' | 'speaker' | 'split' | 'source'
> {
  readonly pcm: Float32Array;
  readonly original: Blob | null;
}

/** The fields of a clip a person can edit. */
export type ClipPatch = Partial<
  Pick<LibraryClip, 'name' | 'label' | 'transcript' | 'transcriptSource' | 'speaker' | 'split'>
>;

/** Deleted clips with their audio, as `deleteClips` returns them, so `restoreClips` can undo the deletion. */
export interface DeletedClips {
  readonly clips: readonly LibraryClip[];
  readonly audio: readonly ClipAudio[];
}

export interface LabelDef {
  readonly name: string;
  /** CSS colour, e.g. "#d9480f". */
  readonly colour: string;
}

/** An ordered list of labels; the order is the head's logit order. */
export interface LabelSet {
  readonly id: string;
  readonly name: string;
  readonly labels: readonly LabelDef[];
  /** The IEMOCAP-4 default; it can be copied but not deleted. */
  readonly builtin: boolean;
}

/** What the library lists about a trained head (weights are read separately). */
export interface StoredHeadInfo {
  readonly id: string;
  readonly name: string;
  /** Model pair the head was trained on. */
  readonly pair: string;
  readonly labels: readonly string[];
  /** Validation metrics from config.json, or test metrics measured later (keys ua, wa, macroF1, ...). */
  readonly metrics: Readonly<Record<string, number>> | null;
  /** Training settings from config.json's `training`, shown beside the head. */
  readonly training: Readonly<Record<string, unknown>> | null;
  /** ISO 8601. */
  readonly createdAt: string;
  /** 'trained' in this page, 'imported' from files. */
  readonly origin: 'trained' | 'imported';
}

/** A head's files, exactly as the CLI writes them (`training`: a split head's training.safetensors, head-split.ts). */
export interface StoredHeadFiles {
  readonly configJson: string;
  readonly weights: Uint8Array;
  readonly training?: Uint8Array;
}

/** Encoder features of one clip view, cached so a second training run starts at once. */
export interface CachedFeatures {
  /** `featureKey(...)`. */
  readonly key: string;
  readonly clipId: string;
  readonly audio: FeatureMatrix;
  readonly text: FeatureMatrix;
  /** Transcript the ASR produced for this view, if any. */
  readonly asr: string | null;
}

/** The state of a training run, written after every epoch so a run survives a reload or a crash. */
export interface TrainCheckpoint {
  readonly runId: string;
  /** Run settings as the trainer takes them (JSON-safe). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Last finished epoch. */
  readonly epoch: number;
  readonly status: 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  /** Parameters after `epoch` (safetensors bytes). */
  readonly params: Uint8Array;
  /** Optimizer moments and step (safetensors bytes plus the step), so a resumed run continues the same schedule. */
  readonly optimizer: { readonly step: number; readonly state: Uint8Array } | null;
  /** Best validation epoch so far and its parameters. */
  readonly best: { readonly epoch: number; readonly ua: number; readonly params: Uint8Array } | null;
  /** Epochs without a better validation UA (for early stopping after a resume). */
  readonly sinceBest: number;
  /** Per-epoch history for the charts (JSON-safe). */
  readonly history: readonly Readonly<Record<string, unknown>>[];
  /** ISO 8601. */
  readonly updatedAt: string;
}

/** Keys of the small settings the library remembers. */
export type SettingKey = 'activeLabelSet' | `activeHead:${string}`;

/** The clip library. Every write is one transaction: it happens completely or not at all. */
export interface ClipLibrary {
  listClips(): Promise<LibraryClip[]>;
  getClip(id: string): Promise<LibraryClip | null>;
  getAudio(id: string): Promise<ClipAudio | null>;
  /** Adds all clips or none; a full disk is AppError('storage-full') and nothing stored before is touched. */
  addClips(clips: readonly NewClip[]): Promise<LibraryClip[]>;
  /** Edits a clip; a changed transcript bumps `revision` and drops the clip's cached features. */
  updateClip(id: string, patch: ClipPatch): Promise<LibraryClip>;
  /** Edits many clips in one transaction (e.g. relabel a selection). */
  updateClips(ids: readonly string[], patch: ClipPatch): Promise<LibraryClip[]>;
  /** Removes clips, their audio and cached features; returns what `restoreClips` needs to undo it. */
  deleteClips(ids: readonly string[]): Promise<DeletedClips>;
  restoreClips(deleted: DeletedClips): Promise<void>;

  listLabelSets(): Promise<LabelSet[]>;
  /** Adds or replaces a label set (the built-in one cannot be replaced). */
  putLabelSet(set: LabelSet): Promise<void>;
  deleteLabelSet(id: string): Promise<void>;

  getSetting(key: SettingKey): Promise<string | null>;
  setSetting(key: SettingKey, value: string | null): Promise<void>;

  listHeads(): Promise<StoredHeadInfo[]>;
  getHeadFiles(id: string): Promise<StoredHeadFiles | null>;
  /** Stores a head's files; `info` is derived from config.json by the caller. */
  putHead(info: StoredHeadInfo, files: StoredHeadFiles): Promise<void>;
  updateHead(id: string, patch: Partial<Pick<StoredHeadInfo, 'name' | 'metrics'>>): Promise<StoredHeadInfo>;
  deleteHead(id: string): Promise<void>;

  getFeatures(key: string): Promise<CachedFeatures | null>;
  /** Best effort: a full disk only means the features are computed again next time (resolves false). */
  putFeatures(entry: CachedFeatures): Promise<boolean>;

  putCheckpoint(checkpoint: TrainCheckpoint): Promise<void>;
  getCheckpoint(runId: string): Promise<TrainCheckpoint | null>;
  /** Most recently updated checkpoint, if any (to offer a resume after a reload). */
  latestCheckpoint(): Promise<TrainCheckpoint | null>;
  deleteCheckpoint(runId: string): Promise<void>;

  close(): void;
}

/** Cache key of one view of a clip's features for one encoder setup (pair + hidden-state cut). */
export function featureKey(
  clip: Pick<LibraryClip, 'id' | 'revision'>,
  encoders: string,
  view: 'orig' | `aug-${number}`,
): string {
  return `${clip.id}|${String(clip.revision)}|${encoders}|${view}`;
}
