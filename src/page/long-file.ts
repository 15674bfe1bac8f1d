/**
 * A long recording chosen in the page, as 16 kHz mono blocks: a WAV file is read a block at a time straight from the
 * File (Blob.slice), so hours of audio never sit in memory; other formats go through the browser's decoder whole
 * (it has no streaming form) and are handed on in blocks.
 */
import type { ClipWarning } from '../audio/clip-warnings';
import { decodeAudioFile } from '../audio/decode-file';
import { SAMPLE_RATE } from '../audio/rate';
import { downmix } from '../audio/downmix';
import { resample } from '../audio/resample';
import { decodeFrames, wavBlocks } from '../audio/wav-stream';
import { AppError } from '../core/errors';

/** A file's audio as blocks, and how long it is. */
export interface FileAudio {
  readonly duration: number;
  readonly blocks: AsyncGenerator<Float32Array>;
  /** What the result should be read with: a WAV cut short (known at once), a clipped compressed file. */
  readonly warnings: readonly ClipWarning[];
  /** The 16 kHz samples between two times (seconds): to play a segment or keep it as a clip. */
  segment(start: number, end: number): Promise<Float32Array>;
}

/**
 * Compressed files are decoded whole by the browser (at 16 kHz where it can, per channel): 100 MB of MP3 is about
 * 1.5 hours, some 350 MB once decoded, which a laptop tab holds.
 */
const MAX_COMPRESSED_BYTES = 100e6;

/** Seconds per block handed to the worker for formats decoded whole. */
const BLOCK_SECONDS = 16;

async function isWav(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  const text = String.fromCharCode(...head);
  return text.startsWith('RIFF') && text.slice(8, 12) === 'WAVE';
}

async function* inBlocks(pcm: Float32Array, onProgress: (seconds: number) => void): AsyncGenerator<Float32Array> {
  const step = BLOCK_SECONDS * SAMPLE_RATE;
  for (let at = 0; at < pcm.length; at += step) {
    onProgress(Math.min(pcm.length, at + step) / SAMPLE_RATE);
    // A turn of the event loop between blocks, as the WAV reader's reads give: the page stays responsive.
    await Promise.resolve();
    yield pcm.slice(at, at + step);
  }
}

/**
 * Opens `file` for the timeline; `onProgress` gets the seconds read so far. Throws AppError as the clip decoder does
 * (`not-audio`, `decode-failed`, `empty-audio`), naming the file.
 */
export async function openFileAudio(file: File, onProgress: (seconds: number) => void): Promise<FileAudio> {
  if (file.size > 0 && (await isWav(file))) {
    const read = async (position: number, length: number): Promise<Uint8Array> =>
      new Uint8Array(await file.slice(position, position + length).arrayBuffer());
    try {
      const audio = await wavBlocks(read, file.size, onProgress);
      const { layout } = audio;
      const rate = layout.format.sampleRate;
      // Read again from the file, a segment's worth: nothing of the recording is kept in memory for it.
      const segment = async (start: number, end: number): Promise<Float32Array> => {
        const first = Math.max(0, Math.floor(start * rate));
        const last = Math.min(layout.dataBytes / layout.frameBytes, Math.ceil(end * rate));
        const bytes = await read(layout.dataOffset + first * layout.frameBytes, (last - first) * layout.frameBytes);
        const mono = downmix(decodeFrames(bytes, layout));
        return rate === SAMPLE_RATE ? mono : resample(mono, rate, SAMPLE_RATE);
      };
      return { duration: audio.duration, blocks: audio.blocks, warnings: audio.warnings, segment };
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      throw new AppError(err.code, `“${file.name}”: ${err.message}`, { cause: err });
    }
  }
  if (file.size > MAX_COMPRESSED_BYTES) {
    throw new AppError(
      'too-long',
      `“${file.name}” is ${(file.size / 1e6).toFixed(0)} MB. Only WAV files are read in parts; a compressed file ` +
        `over ${String(MAX_COMPRESSED_BYTES / 1e6)} MB would not fit in memory once decoded. Convert it to WAV and choose it again.`,
    );
  }
  const { pcm, warnings } = await decodeAudioFile(file);
  return {
    duration: pcm.length / SAMPLE_RATE,
    warnings,
    blocks: inBlocks(pcm, onProgress),
    segment: (start, end) =>
      Promise.resolve(pcm.slice(Math.max(0, Math.floor(start * SAMPLE_RATE)), Math.ceil(end * SAMPLE_RATE))),
  };
}
