/**
 * A WAV file on disk as 16 kHz mono blocks, read a few seconds at a time (src/audio/wav-stream.ts): memory stays
 * flat however long the file. A file cut short is read as far as it goes, with a note on stderr.
 */
import { open } from 'node:fs/promises';
import { describeWarning } from '../src/audio/clip-warnings';
import { wavBlocks, type WavBlocks } from '../src/audio/wav-stream';
import { AppError } from '../src/core/errors';

/**
 * Opens `path` for block reading; `onProgress` gets the seconds read so far. The file closes when the blocks end.
 * @throws AppError naming the path for a file that is not a readable WAV.
 */
export async function openWavBlocks(
  path: string,
  onProgress: (seconds: number) => void = () => undefined,
): Promise<Omit<WavBlocks, 'layout'>> {
  const file = await open(path, 'r').catch(() => {
    throw new AppError('decode-failed', `Cannot read ${path}.`);
  });
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  };
  let audio: WavBlocks;
  try {
    audio = await wavBlocks(read, (await file.stat()).size, onProgress);
  } catch (err) {
    await file.close();
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError(err instanceof AppError ? err.code : 'decode-failed', `${path}: ${why}`);
  }
  for (const warning of audio.warnings) process.stderr.write(`${path}: ${describeWarning(warning)}\n`);
  async function* closing(): AsyncGenerator<Float32Array> {
    try {
      yield* audio.blocks;
    } finally {
      await file.close();
    }
  }
  return { duration: audio.duration, promised: audio.promised, warnings: audio.warnings, blocks: closing() };
}
