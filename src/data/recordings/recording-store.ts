/**
 * Long recordings kept while they are recorded: the audio goes to IndexedDB in chunks as it arrives, never into one
 * growing array, so a half-hour recording costs no memory and a reload (or a crash) in the middle loses nothing
 * captured before it. A database of its own ("mmer-recordings"): recordings in progress are not library clips, and
 * the library's schema stays as it is.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { AppError } from '../../core/errors';

/** What is known of a recording without reading its audio. */
export interface RecordingInfo {
  readonly id: string;
  readonly startedAt: string;
  /** 'recording' until it is stopped; one left 'recording' after a reload was interrupted. */
  readonly state: 'recording' | 'stopped';
  /** 16 kHz samples stored so far. */
  readonly samples: number;
}

interface Chunk {
  readonly recordingId: string;
  readonly seq: number;
  /** Index of the chunk's first sample in the recording. */
  readonly offset: number;
  readonly pcm: Float32Array;
}

interface RecordingSchema extends DBSchema {
  recordings: { key: string; value: RecordingInfo };
  chunks: { key: [string, number]; value: Chunk; indexes: { recording: string } };
}

export const RECORDINGS_DB_NAME = 'mmer-recordings';

/** IndexedDB's quota error is the disk: said as the library says it. */
function storeError(err: unknown): Error {
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  if (name === 'QuotaExceededError')
    return new AppError(
      'storage-full',
      "The browser's storage for this page is full: the recording cannot be kept. What was recorded before is stored.",
      { cause: err },
    );
  return err instanceof Error ? err : new Error(String(err));
}

/** Recordings and their chunks. */
export class RecordingStore {
  private constructor(private readonly db: IDBPDatabase<RecordingSchema>) {}

  /** Opens the store. */
  static async open(): Promise<RecordingStore> {
    const db = await openDB<RecordingSchema>(RECORDINGS_DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore('recordings', { keyPath: 'id' });
        d.createObjectStore('chunks', { keyPath: ['recordingId', 'seq'] }).createIndex('recording', 'recordingId');
      },
    });
    return new RecordingStore(db);
  }

  /** Starts a recording. */
  async create(id: string = crypto.randomUUID()): Promise<RecordingInfo> {
    const info: RecordingInfo = { id, startedAt: new Date().toISOString(), state: 'recording', samples: 0 };
    await this.db.put('recordings', info);
    return info;
  }

  /** Appends the next chunk (samples at 16 kHz); the recording's length grows in the same transaction. */
  async append(id: string, seq: number, pcm: Float32Array): Promise<void> {
    try {
      const tx = this.db.transaction(['recordings', 'chunks'], 'readwrite');
      const info = await tx.objectStore('recordings').get(id);
      if (info === undefined) throw new AppError('internal', 'That recording no longer exists.');
      await tx.objectStore('chunks').put({ recordingId: id, seq, offset: info.samples, pcm });
      await tx.objectStore('recordings').put({ ...info, samples: info.samples + pcm.length });
      await tx.done;
    } catch (err) {
      throw storeError(err);
    }
  }

  /** Marks a recording stopped. */
  async stop(id: string): Promise<void> {
    const info = await this.db.get('recordings', id);
    if (info !== undefined) await this.db.put('recordings', { ...info, state: 'stopped' });
  }

  /** Every recording, newest first. */
  async list(): Promise<RecordingInfo[]> {
    return (await this.db.getAll('recordings')).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** A recording's chunks in order, one at a time (memory holds one chunk). */
  async *chunks(id: string): AsyncGenerator<Float32Array> {
    for (let seq = 0; ; seq++) {
      const chunk = await this.db.get('chunks', [id, seq]);
      if (chunk === undefined) return;
      yield chunk.pcm;
    }
  }

  /** Samples `[from, to)` of a recording (to play or keep a segment). */
  async range(id: string, from: number, to: number): Promise<Float32Array> {
    const out = new Float32Array(Math.max(0, to - from));
    let cursor = await this.db.transaction('chunks').store.index('recording').openCursor(id);
    while (cursor !== null) {
      const { offset, pcm } = cursor.value;
      const lo = Math.max(from, offset);
      const hi = Math.min(to, offset + pcm.length);
      if (hi > lo) out.set(pcm.subarray(lo - offset, hi - offset), lo - from);
      cursor = await cursor.continue();
    }
    return out;
  }

  /** Deletes a recording and its audio. */
  async delete(id: string): Promise<void> {
    const tx = this.db.transaction(['recordings', 'chunks'], 'readwrite');
    await tx.objectStore('recordings').delete(id);
    let cursor = await tx.objectStore('chunks').index('recording').openCursor(id);
    while (cursor !== null) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
  }

  close(): void {
    this.db.close();
  }
}
