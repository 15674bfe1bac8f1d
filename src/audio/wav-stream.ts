/**
 * Reading a WAV file block by block: a file of hours never has to be in memory at once. The header is walked with
 * positioned reads (chunks before the samples may be of any size), then the samples are decoded a block of whole
 * frames at a time with the same code as `decodeWav`.
 */
import { truncationWarning, type ClipWarning } from './clip-warnings';
import { downmix } from './downmix';
import { SAMPLE_RATE } from './rate';
import { StreamingResampler } from './resample';
import { deinterleave } from './wav';
import { readWavLayout, type ReadAt, type WavLayout } from './wav-layout';

/** Decodes `bytes` (whole frames of the layout's format) into one array per channel. */
export function decodeFrames(bytes: Uint8Array, layout: WavLayout): Float32Array[] {
  const frames = Math.floor(bytes.length / layout.frameBytes);
  return deinterleave(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, frames, layout.format);
}

/** A WAV file's audio as 16 kHz mono blocks, with what the file holds. */
export interface WavBlocks {
  readonly layout: WavLayout;
  /** Seconds of audio the file holds. */
  readonly duration: number;
  /** Seconds the header promises: more than `duration` for a file cut short. */
  readonly promised: number;
  /** A file cut short says so here (known from the header before a block is read). */
  readonly warnings: readonly ClipWarning[];
  readonly blocks: AsyncGenerator<Float32Array>;
}

/** Bytes read per block: about 16 s of 16-bit mono 16 kHz audio, 2 s of 8-channel 96 kHz float. */
const BLOCK_BYTES = 512 * 1024;

/**
 * Reads a WAV file (through `read`, so a file on disk and a browser File alike) as 16 kHz mono blocks, downmixed
 * and resampled with the clips' own code. `onProgress` gets the seconds read so far.
 */
export async function wavBlocks(
  read: ReadAt,
  size: number,
  onProgress: (seconds: number) => void = () => undefined,
): Promise<WavBlocks> {
  const layout = await readWavLayout(read, size);
  const seconds = (bytes: number): number => bytes / layout.frameBytes / layout.format.sampleRate;
  const step = BLOCK_BYTES - (BLOCK_BYTES % layout.frameBytes);
  async function* blocks(): AsyncGenerator<Float32Array> {
    const resampler = new StreamingResampler(layout.format.sampleRate, SAMPLE_RATE);
    for (let done = 0; done < layout.dataBytes; done += step) {
      const bytes = await read(layout.dataOffset + done, Math.min(step, layout.dataBytes - done));
      const mono = downmix(decodeFrames(bytes, layout));
      onProgress(seconds(done + bytes.length));
      yield resampler.push(mono);
    }
    yield resampler.flush();
  }
  const duration = seconds(layout.dataBytes);
  const promised = seconds(layout.promisedBytes);
  const cut = truncationWarning(duration, promised);
  return { layout, duration, promised, warnings: cut === null ? [] : [cut], blocks: blocks() };
}
