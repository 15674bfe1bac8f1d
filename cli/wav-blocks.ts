/**
 * A WAV file on disk as 16 kHz mono blocks, read a few seconds at a time: memory stays flat however long the file.
 * Samples are downmixed and resampled with the same code as clips (the streaming resampler gives what the one-shot
 * resampler gives on the whole file).
 */
import { open } from 'node:fs/promises';
import { describeWarning } from '../src/audio/clip-warnings';
import { downmix } from '../src/audio/downmix';
import { SAMPLE_RATE } from '../src/audio/rate';
import { StreamingResampler } from '../src/audio/resample';
import { decodeFrames, readWavLayout, type WavLayout } from '../src/audio/wav-stream';
import { AppError } from '../src/core/errors';

/** Bytes read per block: about 16 s of 16-bit mono 16 kHz audio, 2 s of 8-channel 96 kHz float. */
const BLOCK_BYTES = 512 * 1024;

/** A file's audio as blocks of 16 kHz mono samples, with its length. */
export interface WavBlocks {
  /** Seconds of audio the file holds. */
  readonly duration: number;
  readonly blocks: AsyncGenerator<Float32Array>;
}

function secondsOf(layout: WavLayout, bytes: number): number {
  return bytes / layout.frameBytes / layout.format.sampleRate;
}

/**
 * Opens `path` for block reading. `onProgress` gets the seconds read so far. A file cut short is read as far as it
 * goes, with a note on stderr. @throws AppError naming the path for a file that is not a readable WAV.
 */
export async function openWavBlocks(
  path: string,
  onProgress: (seconds: number) => void = () => undefined,
): Promise<WavBlocks> {
  const file = await open(path, 'r').catch(() => {
    throw new AppError('decode-failed', `Cannot read ${path}.`);
  });
  const read = async (position: number, length: number): Promise<Uint8Array> => {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  };
  let layout: WavLayout;
  try {
    layout = await readWavLayout(read, (await file.stat()).size);
  } catch (err) {
    await file.close();
    const why = err instanceof Error ? err.message : String(err);
    throw new AppError(err instanceof AppError ? err.code : 'decode-failed', `${path}: ${why}`);
  }
  if (layout.promisedBytes - layout.dataBytes > layout.format.sampleRate * layout.frameBytes * 0.1) {
    const warning = describeWarning({
      kind: 'truncated',
      presentSeconds: secondsOf(layout, layout.dataBytes),
      promisedSeconds: secondsOf(layout, layout.promisedBytes),
    });
    process.stderr.write(`${path}: ${warning}\n`);
  }
  const step = BLOCK_BYTES - (BLOCK_BYTES % layout.frameBytes);
  async function* blocks(): AsyncGenerator<Float32Array> {
    const resampler =
      layout.format.sampleRate === SAMPLE_RATE ? null : new StreamingResampler(layout.format.sampleRate, SAMPLE_RATE);
    try {
      for (let done = 0; done < layout.dataBytes; done += step) {
        const bytes = await read(layout.dataOffset + done, Math.min(step, layout.dataBytes - done));
        const mono = downmix(decodeFrames(bytes, layout));
        onProgress(secondsOf(layout, done + bytes.length));
        yield resampler === null ? mono : resampler.push(mono);
      }
      if (resampler !== null) yield resampler.flush();
    } finally {
      await file.close();
    }
  }
  return { duration: secondsOf(layout, layout.dataBytes), blocks: blocks() };
}
