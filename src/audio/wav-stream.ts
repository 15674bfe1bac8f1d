/**
 * Reading a WAV file block by block: a file of hours never has to be in memory at once. The header is walked with
 * positioned reads (chunks before the samples may be of any size), then the samples are decoded a block of whole
 * frames at a time with the same code as `decodeWav`.
 */
import { AppError } from '../core/errors';
import { truncationWarning, type ClipWarning } from './clip-warnings';
import { downmix } from './downmix';
import { SAMPLE_RATE } from './rate';
import { StreamingResampler } from './resample';
import { corrupt, deinterleave, fourCC, parseFormat, UNKNOWN_SIZE, type WavFormat } from './wav';

/** Where a WAV file's samples are and how they are stored. */
export interface WavLayout {
  readonly format: WavFormat;
  /** Byte offset of the first sample. */
  readonly dataOffset: number;
  /** Bytes of samples that are really there (whole frames). */
  readonly dataBytes: number;
  /** Bytes of samples the header promises (more than `dataBytes` in a file cut short). */
  readonly promisedBytes: number;
  /** Bytes per frame (one sample of every channel). */
  readonly frameBytes: number;
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

/**
 * Finds the format and the samples of a WAV file of `size` bytes. Throws AppError `not-audio` when it is not a WAV
 * file, `decode-failed` for a damaged header, `empty-audio` when it holds no complete frame.
 */
export async function readWavLayout(read: ReadAt, size: number): Promise<WavLayout> {
  const head = await read(0, 12);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 12 || fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') {
    throw new AppError('not-audio', 'This is not a WAV file: it does not start with a RIFF/WAVE header.');
  }
  let format: WavFormat | null = null;
  // Some writers put the samples before the format: the data chunk's place is kept until the format is known.
  let data: { body: number; chunk: number } | null = null;
  let pos = 12;
  while (pos + 8 <= size && (format === null || data === null)) {
    const header = await read(pos, 8);
    const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const id = fourCC(hv, 0);
    const chunk = hv.getUint32(4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (chunk > size - body) throw corrupt('its format chunk is cut off');
      const bytes = await read(body, chunk);
      format = parseFormat(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, chunk);
    } else if (id === 'data') {
      data = { body, chunk };
      if (chunk === UNKNOWN_SIZE) break;
    }
    pos = body + chunk + (chunk & 1);
  }
  if (format === null) throw corrupt('it has no format ("fmt ") chunk');
  if (data === null) throw new AppError('empty-audio', 'The WAV file contains no audio samples.');
  const frameBytes = format.channels * (format.bits / 8);
  const promised = data.chunk === UNKNOWN_SIZE ? size - data.body : data.chunk;
  const present = Math.max(0, Math.min(promised, size - data.body));
  const dataBytes = present - (present % frameBytes);
  if (dataBytes === 0) throw new AppError('empty-audio', 'The WAV file contains no audio samples.');
  return { format, dataOffset: data.body, dataBytes, promisedBytes: promised, frameBytes };
}

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
