/**
 * The clip library on IndexedDB. Every write is one transaction over every store it touches, so a crash, a closed
 * tab or a full disk leaves the library as it was before the write, never half-changed.
 */
import { AppError } from '../../core/errors';
import { inParallel, tight, tightHead, type OpenLibraryOptions } from './db';
import { LibraryConnection, type Store, type WriteTx } from './idb-connection';
import { BUILTIN_LABEL_SET, labelSetProblems } from './label-sets';
import type {
  CachedFeatures,
  ClipAudio,
  ClipLibrary,
  ClipPatch,
  DeletedClips,
  LabelSet,
  LibraryClip,
  NewClip,
  SettingKey,
  StoredHeadFiles,
  StoredHeadInfo,
  TrainCheckpoint,
} from './library-types';
import { SAMPLE_RATE } from '../../audio/rate';

const bad = (message: string): AppError => new AppError('bad-dataset', message);

function patched(clip: LibraryClip, patch: ClipPatch): LibraryClip {
  const name = patch.name === undefined ? clip.name : patch.name.trim();
  if (name === '') throw bad('A clip needs a name.');
  const transcript = patch.transcript === undefined ? clip.transcript : patch.transcript;
  return {
    ...clip,
    name,
    label: patch.label === undefined ? clip.label : patch.label,
    transcript,
    transcriptSource: patch.transcriptSource === undefined ? clip.transcriptSource : patch.transcriptSource,
    speaker: patch.speaker === undefined ? clip.speaker : patch.speaker,
    split: patch.split === undefined ? clip.split : patch.split,
    // Only the transcript feeds the cached features (text encoder, CTC target); a relabel keeps them.
    revision: transcript === clip.transcript ? clip.revision : clip.revision + 1,
  };
}

async function deleteFeaturesOf(tx: WriteTx<Store[]>, clipId: string): Promise<void> {
  const store = tx.objectStore('features');
  const keys = await store.index('clipId').getAllKeys(clipId);
  await inParallel(keys.map((key) => () => store.delete(key)));
}

/** `ClipLibrary` on IndexedDB (`openLibraryDb`). Reopens by itself after another tab's upgrade closed it. */
export class IdbClipLibrary implements ClipLibrary {
  private constructor(private readonly conn: LibraryConnection) {}

  /** Opens (creating or upgrading) the library; rejects when IndexedDB is unavailable. */
  static async open(options: OpenLibraryOptions = {}): Promise<IdbClipLibrary> {
    const conn = new LibraryConnection(options);
    await conn.db();
    return new IdbClipLibrary(conn);
  }

  async listClips(): Promise<LibraryClip[]> {
    return (await this.conn.db()).getAllFromIndex('clips', 'createdAt');
  }

  async getClip(id: string): Promise<LibraryClip | null> {
    return (await (await this.conn.db()).get('clips', id)) ?? null;
  }

  async getAudio(id: string): Promise<ClipAudio | null> {
    return (await (await this.conn.db()).get('audio', id)) ?? null;
  }

  async addClips(clips: readonly NewClip[]): Promise<LibraryClip[]> {
    const base = Date.now();
    const rows = clips.map((c, i) => {
      const id = crypto.randomUUID();
      // One millisecond apart, so the createdAt index lists a batch in the order it was given.
      const clip: LibraryClip = {
        id,
        name: c.name,
        label: c.label,
        transcript: c.transcript,
        transcriptSource: c.transcriptSource,
        speaker: c.speaker,
        split: c.split,
        durationS: c.pcm.length / SAMPLE_RATE,
        createdAt: new Date(base + i).toISOString(),
        source: c.source,
        revision: 1,
      };
      const audio: ClipAudio = { clipId: id, pcm: tight(c.pcm), original: c.original };
      return { clip, audio };
    });
    if (rows.length === 0) return [];
    await this.conn.write(['clips', 'audio'], async (tx) => {
      const clipStore = tx.objectStore('clips');
      const audioStore = tx.objectStore('audio');
      await inParallel(rows.flatMap(({ clip, audio }) => [() => clipStore.add(clip), () => audioStore.add(audio)]));
    });
    return rows.map((r) => r.clip);
  }

  async updateClip(id: string, patch: ClipPatch): Promise<LibraryClip> {
    const [clip] = await this.updateClips([id], patch);
    if (clip === undefined) throw new AppError('internal', 'The clip was not updated.');
    return clip;
  }

  async updateClips(ids: readonly string[], patch: ClipPatch): Promise<LibraryClip[]> {
    return this.conn.write(['clips', 'features'], async (tx) => {
      const store = tx.objectStore('clips');
      const out: LibraryClip[] = [];
      for (const id of ids) {
        const clip = await store.get(id);
        if (clip === undefined)
          throw bad(
            'The clip you edited no longer exists: it was probably deleted in another tab. Nothing was changed.',
          );
        const next = patched(clip, patch);
        if (next.revision !== clip.revision) await deleteFeaturesOf(tx, id);
        await store.put(next);
        out.push(next);
      }
      return out;
    });
  }

  async deleteClips(ids: readonly string[]): Promise<DeletedClips> {
    return this.conn.write(['clips', 'audio', 'features'], async (tx) => {
      const clips: LibraryClip[] = [];
      const audio: ClipAudio[] = [];
      for (const id of new Set(ids)) {
        const clip = await tx.objectStore('clips').get(id);
        if (clip === undefined) continue; // already gone (another tab): nothing to undo either
        const pcm = await tx.objectStore('audio').get(id);
        clips.push(clip);
        if (pcm !== undefined) audio.push(pcm);
        await deleteFeaturesOf(tx, id);
        await inParallel([() => tx.objectStore('clips').delete(id), () => tx.objectStore('audio').delete(id)]);
      }
      return { clips, audio };
    });
  }

  async restoreClips(deleted: DeletedClips): Promise<void> {
    await this.conn.write(['clips', 'audio'], async (tx) => {
      await inParallel([
        ...deleted.clips.map((clip) => () => tx.objectStore('clips').put(clip)),
        ...deleted.audio.map((audio) => () => tx.objectStore('audio').put(audio)),
      ]);
    });
  }

  async listLabelSets(): Promise<LabelSet[]> {
    const sets = await (await this.conn.db()).getAll('labelSets');
    return sets.sort((a, b) => Number(b.builtin) - Number(a.builtin) || a.name.localeCompare(b.name));
  }

  async putLabelSet(set: LabelSet): Promise<void> {
    if (set.builtin || set.id === BUILTIN_LABEL_SET.id)
      throw bad(`The built-in label set ${BUILTIN_LABEL_SET.name} cannot be changed. Copy it and edit the copy.`);
    const problems = labelSetProblems(set);
    if (problems.length > 0) throw bad(problems.join(' '));
    await this.conn.write(['labelSets'], async (tx) => {
      const store = tx.objectStore('labelSets');
      if ((await store.get(set.id))?.builtin === true)
        throw bad(`The built-in label set ${BUILTIN_LABEL_SET.name} cannot be replaced.`);
      await store.put({
        id: set.id,
        name: set.name.trim(),
        labels: set.labels.map((l) => ({ name: l.name.trim(), colour: l.colour })),
        builtin: false,
      });
    });
  }

  async deleteLabelSet(id: string): Promise<void> {
    await this.conn.write(['labelSets', 'settings'], async (tx) => {
      const set = await tx.objectStore('labelSets').get(id);
      if (set === undefined) return;
      if (set.builtin) throw bad(`The built-in label set ${set.name} cannot be deleted.`);
      await tx.objectStore('labelSets').delete(id);
      if ((await tx.objectStore('settings').get('activeLabelSet')) === id) {
        await tx.objectStore('settings').put(BUILTIN_LABEL_SET.id, 'activeLabelSet');
      }
    });
  }

  async getSetting(key: SettingKey): Promise<string | null> {
    return (await (await this.conn.db()).get('settings', key)) ?? null;
  }

  async setSetting(key: SettingKey, value: string | null): Promise<void> {
    await this.conn.write(['settings'], async (tx) => {
      await (value === null ? tx.objectStore('settings').delete(key) : tx.objectStore('settings').put(value, key));
    });
  }

  async listHeads(): Promise<StoredHeadInfo[]> {
    const heads = await (await this.conn.db()).getAll('heads');
    return heads.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async getHeadFiles(id: string): Promise<StoredHeadFiles | null> {
    return (await (await this.conn.db()).get('headFiles', id)) ?? null;
  }

  async putHead(info: StoredHeadInfo, files: StoredHeadFiles): Promise<void> {
    const stored = tightHead(files);
    await this.conn.write(['heads', 'headFiles'], async (tx) => {
      await inParallel([
        () => tx.objectStore('heads').put(info),
        () => tx.objectStore('headFiles').put(stored, info.id),
      ]);
    });
  }

  async updateHead(id: string, patch: Partial<Pick<StoredHeadInfo, 'name' | 'metrics'>>): Promise<StoredHeadInfo> {
    return this.conn.write(['heads'], async (tx) => {
      const head = await tx.objectStore('heads').get(id);
      if (head === undefined)
        throw bad('The head you edited no longer exists: it was probably deleted in another tab. Nothing was changed.');
      const name = patch.name === undefined ? head.name : patch.name.trim();
      if (name === '') throw bad('A head needs a name.');
      const next: StoredHeadInfo = {
        ...head,
        name,
        metrics: patch.metrics === undefined ? head.metrics : patch.metrics,
      };
      await tx.objectStore('heads').put(next);
      return next;
    });
  }

  async deleteHead(id: string): Promise<void> {
    await this.conn.write(['heads', 'headFiles', 'settings'], async (tx) => {
      const head = await tx.objectStore('heads').get(id);
      await inParallel([() => tx.objectStore('heads').delete(id), () => tx.objectStore('headFiles').delete(id)]);
      if (head === undefined) return;
      // A remembered active head that no longer exists would fail to load on every visit.
      const key: SettingKey = `activeHead:${head.pair}`;
      if ((await tx.objectStore('settings').get(key)) === id) await tx.objectStore('settings').delete(key);
    });
  }

  async getFeatures(key: string): Promise<CachedFeatures | null> {
    return (await (await this.conn.db()).get('features', key)) ?? null;
  }

  /**
   * Resolves false when nothing was cached: the disk is full, or the clip was deleted while its features were
   * computed (such an entry would never be deleted with its clip).
   */
  async putFeatures(entry: CachedFeatures): Promise<boolean> {
    const tightMatrix = (m: CachedFeatures['audio']): CachedFeatures['audio'] => ({
      rows: m.rows,
      dim: m.dim,
      data: tight(m.data),
    });
    const stored: CachedFeatures = { ...entry, audio: tightMatrix(entry.audio), text: tightMatrix(entry.text) };
    try {
      return await this.conn.write(['features', 'clips'], async (tx) => {
        if ((await tx.objectStore('clips').getKey(entry.clipId)) === undefined) return false;
        await tx.objectStore('features').put(stored);
        return true;
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'storage-full') return false;
      throw err;
    }
  }

  async putCheckpoint(checkpoint: TrainCheckpoint): Promise<void> {
    await this.conn.write(['checkpoints'], async (tx) => {
      await tx.objectStore('checkpoints').put(checkpoint);
    });
  }

  async getCheckpoint(runId: string): Promise<TrainCheckpoint | null> {
    return (await (await this.conn.db()).get('checkpoints', runId)) ?? null;
  }

  async latestCheckpoint(): Promise<TrainCheckpoint | null> {
    const tx = (await this.conn.db()).transaction('checkpoints', 'readonly');
    const cursor = await tx.store.index('updatedAt').openCursor(null, 'prev');
    const latest = cursor?.value ?? null;
    await tx.done;
    return latest;
  }

  async deleteCheckpoint(runId: string): Promise<void> {
    await this.conn.write(['checkpoints'], async (tx) => {
      await tx.objectStore('checkpoints').delete(runId);
    });
  }

  close(): void {
    this.conn.close();
  }
}
