/**
 * What tests may assume about the shared RAVDESS clips, read from the data itself instead of hard-coded: the rows of
 * `metadata.csv` (with `duration_s`) and the sample count in each WAV file's header. The folder's README documents
 * both; its clips have changed length before (a copy cut at 2.389 s was replaced by the full-length clips), so a test
 * that needs a count, a duration or a number of frames derives it here.
 *
 * Nothing here uses the app's own CSV or WAV code, so tests of that code compare it with an independent reading.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RAVDESS_DIR, ravdessClip } from './shared-data.ts';

/** The columns of `metadata.csv`, in order. */
export const RAVDESS_COLUMNS = [
  'path',
  'actor',
  'gender',
  'emotion',
  'intensity',
  'statement',
  'repetition',
  'transcript',
  'duration_s',
] as const;

/** Every clip is 16 kHz mono 16-bit PCM (README: "Audio format"). */
export const RAVDESS_SAMPLE_RATE = 16_000;

/** One row of `metadata.csv`; `durationS` is `duration_s` (seconds, rounded to 3 decimals). */
export interface RavdessRow {
  readonly path: string;
  readonly actor: string;
  readonly gender: string;
  readonly emotion: string;
  readonly intensity: string;
  readonly statement: string;
  readonly repetition: string;
  readonly transcript: string;
  readonly durationS: number;
}

let cached: readonly RavdessRow[] | null = null;

/**
 * All rows of `metadata.csv`, in file order. The file has no quoted fields, so a plain split reads it; anything else
 * (another header, a short row, a duration that is not a positive number) throws rather than guessing.
 */
export function ravdessMetadata(): readonly RavdessRow[] {
  if (cached !== null) return cached;
  const file = join(RAVDESS_DIR, 'metadata.csv');
  const lines = readFileSync(file, 'utf8')
    .replace(/^\ufeff/, '')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = lines[0] ?? '';
  if (header !== RAVDESS_COLUMNS.join(','))
    throw new Error(`${file}: unexpected header "${header}" (expected "${RAVDESS_COLUMNS.join(',')}")`);
  cached = lines.slice(1).map((line, i) => {
    const f = line.split(',');
    if (f.length !== RAVDESS_COLUMNS.length || line.includes('"'))
      throw new Error(
        `${file} line ${String(i + 2)}: expected ${String(RAVDESS_COLUMNS.length)} plain fields: ${line}`,
      );
    const [
      path = '',
      actor = '',
      gender = '',
      emotion = '',
      intensity = '',
      statement = '',
      repetition = '',
      transcript = '',
      duration = '',
    ] = f;
    const durationS = Number(duration);
    if (!(durationS > 0)) throw new Error(`${file} line ${String(i + 2)}: bad duration_s "${duration}"`);
    return { path, actor, gender, emotion, intensity, statement, repetition, transcript, durationS };
  });
  return cached;
}

/** The row of one clip (path relative to the RAVDESS folder); throws when it is not listed. */
export function ravdessRow(rel: string): RavdessRow {
  const row = ravdessMetadata().find((r) => r.path === rel);
  if (row === undefined) throw new Error(`${rel} is not listed in ${join(RAVDESS_DIR, 'metadata.csv')}`);
  return row;
}

/** What a WAV file's header says: its format and the number of sample frames in its data chunk. */
export interface WavHeader {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** Sample frames (samples per channel) in the data chunk. */
  readonly frames: number;
}

/** Reads the `fmt ` and `data` chunks of a RIFF/WAVE file by walking its chunks (no decoding). */
export function readWavHeader(path: string): WavHeader {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`${path}: not a RIFF/WAVE file`);
  let fmt: { channels: number; sampleRate: number; blockAlign: number; bitsPerSample: number } | null = null;
  let dataBytes: number | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'fmt ')
      fmt = {
        channels: view.getUint16(at + 10, true),
        sampleRate: view.getUint32(at + 12, true),
        blockAlign: view.getUint16(at + 20, true),
        bitsPerSample: view.getUint16(at + 22, true),
      };
    if (tag(at) === 'data') dataBytes = Math.min(size, bytes.length - at - 8);
    at += 8 + size + (size % 2);
  }
  if (fmt === null || dataBytes === null || fmt.blockAlign === 0) throw new Error(`${path}: no fmt or data chunk`);
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bitsPerSample,
    frames: Math.floor(dataBytes / fmt.blockAlign),
  };
}

/**
 * The number of 16 kHz samples in a clip, from its WAV header, after checking that the header agrees with the
 * folder's format (16 kHz mono 16-bit) and with the clip's `duration_s` in `metadata.csv` (to its 3-decimal rounding).
 */
export function ravdessSamples(rel: string): number {
  const header = readWavHeader(ravdessClip(rel));
  const { durationS } = ravdessRow(rel);
  if (header.sampleRate !== RAVDESS_SAMPLE_RATE || header.channels !== 1 || header.bitsPerSample !== 16) {
    throw new Error(
      `${rel}: expected 16 kHz mono 16-bit, the header says ${String(header.sampleRate)} Hz, ${String(header.channels)} channel(s), ${String(header.bitsPerSample)} bits`,
    );
  }
  if (Math.abs(header.frames / RAVDESS_SAMPLE_RATE - durationS) > 0.0005 + 1 / RAVDESS_SAMPLE_RATE) {
    throw new Error(
      `${rel}: ${String(header.frames)} samples (${String(header.frames / RAVDESS_SAMPLE_RATE)} s) disagree with duration_s ${String(durationS)} in metadata.csv`,
    );
  }
  return header.frames;
}
