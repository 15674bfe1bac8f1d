/**
 * The statistics of the person's recordings for "Adapt to my voice": one row of raw utterance statistics (636
 * numbers) per microphone recording, never audio, in this browser's IndexedDB. Kept apart from the clip library: it
 * is written only after the person opted in, and "Forget my voice" deletes the whole store.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

/** One recording's statistics. */
export interface VoiceRow {
  /** Feature-set id of the statistics (rows of different sets never mix in a profile). */
  readonly features: string;
  readonly stats: Float64Array;
  /** When it was recorded (ISO 8601). */
  readonly at: string;
}

interface VoiceSchema extends DBSchema {
  recordings: { key: number; value: VoiceRow };
}

const DB_NAME = 'mmer-voice';
/** The most recent recordings kept: a voice drifts with microphones and rooms, and old rows only dilute the profile. */
export const MAX_VOICE_ROWS = 200;

let opened: Promise<IDBPDatabase<VoiceSchema>> | null = null;

function db(): Promise<IDBPDatabase<VoiceSchema>> {
  opened ??= openDB<VoiceSchema>(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore('recordings', { autoIncrement: true });
    },
  });
  // A failed open (storage switched off) is tried again next time rather than remembered.
  opened.catch(() => {
    opened = null;
  });
  return opened;
}

/** Every stored row, oldest first. */
export async function listVoiceRows(): Promise<VoiceRow[]> {
  return (await db()).getAll('recordings');
}

/** Adds a row and drops the oldest beyond `MAX_VOICE_ROWS`; resolves to the rows now stored, oldest first. */
export async function addVoiceRow(row: VoiceRow): Promise<VoiceRow[]> {
  const d = await db();
  const tx = d.transaction('recordings', 'readwrite');
  await tx.store.add(row);
  const keys = await tx.store.getAllKeys();
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_VOICE_ROWS))) await tx.store.delete(k);
  const rows = await tx.store.getAll();
  await tx.done;
  return rows;
}

/** Deletes every row. */
export async function clearVoiceRows(): Promise<void> {
  await (await db()).clear('recordings');
}
