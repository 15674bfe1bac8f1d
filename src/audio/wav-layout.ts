/**
 * Where a WAV file's samples are and how they are stored: one walk over its chunks for every reader, whether the
 * whole file is in memory (`decodeWav`) or read in parts with positioned reads (`readWavLayout`, for files of hours).
 * The walk is a generator that asks for the bytes it needs, so both drivers share every rule about damaged headers.
 */
import { AppError } from '../core/errors';

/** Integer PCM samples. */
export const FORMAT_PCM = 0x0001;
/** IEEE float samples. */
export const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Streaming writers put this in the data size when they cannot seek back to fix it. */
export const UNKNOWN_SIZE = 0xffffffff;

/** A WAV file's sample format, from its "fmt " chunk (the extensible format resolved to its real code). */
export interface WavFormat {
  readonly code: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bits: number;
}

/** Four ASCII characters at `offset` (a chunk id). */
export function fourCC(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

/** A decode-failed error for a damaged WAV file. */
export function corrupt(detail: string): AppError {
  return new AppError('decode-failed', `The WAV file could not be read: ${detail}.`);
}

/** Reads a "fmt " chunk's body. @throws AppError('decode-failed') for a damaged or unsupported format. */
export function parseFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw corrupt(`its format chunk is ${size} bytes, shorter than the 16 required`);
  let code = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const sampleRate = view.getUint32(offset + 4, true);
  const bits = view.getUint16(offset + 14, true);
  if (code === FORMAT_EXTENSIBLE) {
    // The real format is the first two bytes of the SubFormat GUID, at offset 24 of the chunk.
    if (size < 40) throw corrupt('its extensible format chunk is truncated');
    code = view.getUint16(offset + 24, true);
  }
  if (channels === 0) throw corrupt('the header says it has 0 channels');
  if (sampleRate === 0) throw corrupt('the header says its sample rate is 0 Hz');
  if (code === FORMAT_PCM) {
    if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) {
      throw corrupt(`${bits}-bit integer samples are not supported (8, 16, 24 and 32-bit are)`);
    }
  } else if (code === FORMAT_FLOAT) {
    if (bits !== 32 && bits !== 64) throw corrupt(`${bits}-bit float samples are not supported (32 and 64-bit are)`);
  } else {
    throw corrupt(`it uses compressed format code ${code}; only uncompressed PCM and float WAV files are supported`);
  }
  return { code, channels, sampleRate, bits };
}

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

/** Bytes the walk needs next. */
interface Need {
  readonly position: number;
  readonly length: number;
}

const NOT_WAV = 'This is not a WAV file: it does not start with a RIFF/WAVE header. Choose a .wav recording.';

/**
 * Walks the chunks of a WAV file of `size` bytes, asking for the bytes it needs (it is given fewer at the end of
 * the file). Throws AppError `not-audio` when it is not a WAV file, `decode-failed` for a damaged or unsupported
 * header, `empty-audio` when it holds no complete frame.
 */
function* walk(size: number): Generator<Need, WavLayout, Uint8Array> {
  const head: Uint8Array = yield { position: 0, length: 12 };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length >= 12 && fourCC(view, 0) === 'RIFX' && fourCC(view, 8) === 'WAVE') {
    throw corrupt('it is a big-endian (RIFX) WAV file, which is not supported; convert it to a standard WAV file');
  }
  if (head.length < 12 || fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') {
    throw new AppError('not-audio', NOT_WAV);
  }
  let format: WavFormat | null = null;
  // Some writers put the samples before the format: the data chunk's place is kept until the format is known.
  let data: { body: number; chunk: number } | null = null;
  let pos = 12;
  // The RIFF size field is often wrong in the wild, so chunks are walked to the real end of the file.
  while (pos + 8 <= size && (format === null || data === null)) {
    const header: Uint8Array = yield { position: pos, length: 8 };
    const hv = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const id = fourCC(hv, 0);
    const chunk = hv.getUint32(4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (chunk > size - body) throw corrupt('its format chunk is cut off');
      const bytes: Uint8Array = yield { position: body, length: chunk };
      format = parseFormat(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, chunk);
    } else if (id === 'data') {
      data = { body, chunk };
      if (chunk === UNKNOWN_SIZE) break;
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
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

/** The layout of a WAV file held in memory. Throws as `readWavLayout` does. */
export function wavLayoutOf(bytes: Uint8Array): WavLayout {
  const steps = walk(bytes.length);
  let step = steps.next();
  while (step.done !== true) {
    const { position, length } = step.value;
    step = steps.next(bytes.subarray(position, Math.min(bytes.length, position + length)));
  }
  return step.value;
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

/**
 * Finds the format and the samples of a WAV file of `size` bytes read through `read`. Throws AppError `not-audio`
 * when it is not a WAV file, `decode-failed` for a damaged header, `empty-audio` when it holds no complete frame.
 */
export async function readWavLayout(read: ReadAt, size: number): Promise<WavLayout> {
  const steps = walk(size);
  let step = steps.next();
  while (step.done !== true) step = steps.next(await read(step.value.position, step.value.length));
  return step.value;
}
