/** Reading an audio file in Node as 16 kHz mono: WAV is decoded in code (no native decoders are assumed). */
import { readFile } from 'node:fs/promises';
import { downmix } from '../src/audio/downmix';
import { resample } from '../src/audio/resample';
import { describeWarning } from '../src/audio/clip-warnings';
import { decodeWav, wavWarnings } from '../src/audio/wav';
import { AppError } from '../src/core/errors';
import { SAMPLE_RATE } from '../src/audio/rate';

/** Reads a WAV file as 16 kHz mono PCM; unreadable or non-WAV files raise an AppError naming the path. */
export async function readClip(path: string): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new AppError('decode-failed', `Cannot read ${path}.`);
  }
  try {
    const wav = decodeWav(bytes);
    for (const warning of wavWarnings(wav)) process.stderr.write(`${path}: ${describeWarning(warning)}\n`);
    return resample(downmix(wav.channels), wav.sampleRate, SAMPLE_RATE);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError(err instanceof AppError ? err.code : 'decode-failed', `${path}: ${why}`);
  }
}

/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10 % otherwise). */
export function progressBar(label: string, total: number): (done: number) => void {
  let lastDecile = -1;
  return (done) => {
    const pct = total === 0 ? 100 : Math.floor((100 * done) / total);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((width * done) / Math.max(1, total));
      process.stderr.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`,
      );
    } else if (Math.floor(pct / 10) !== lastDecile) {
      lastDecile = Math.floor(pct / 10);
      process.stderr.write(`${label}: ${done}/${total} (${pct}%)\n`);
    }
  };
}
