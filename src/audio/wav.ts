/**
 * A small RIFF/WAVE codec. Decoding here (rather than with Web Audio) keeps the original sample rate and
 * channels, works in a Worker and in Node, and gives precise errors for the files people actually upload.
 */
import { AppError } from '../core/errors';
import { clippingWarning, TRUNCATION_SLACK_SECONDS, type ClipWarning } from './clip-warnings';

/** Decoded audio: one array per channel, samples in [-1, 1]. */
export interface DecodedWav {
  readonly sampleRate: number;
  readonly channels: Float32Array[];
  /**
   * Set when the data chunk ends before its header says (a cut download or copy): the frames the header promises.
   * The samples that are there are decoded all the same.
   */
  readonly promisedFrames?: number;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
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

/** Decodes interleaved frames into per-channel arrays; one loop per sample type keeps each loop monomorphic. */
export function deinterleave(view: DataView, offset: number, frames: number, fmt: WavFormat): Float32Array[] {
  const { channels: nch, bits, code } = fmt;
  const bytes = bits / 8;
  const stride = nch * bytes;
  const out: Float32Array[] = [];
  for (let c = 0; c < nch; c++) {
    const ch = new Float32Array(frames);
    let p = offset + c * bytes;
    if (code === FORMAT_FLOAT && bits === 32) {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getFloat32(p, true);
    } else if (code === FORMAT_FLOAT) {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getFloat64(p, true);
    } else if (bits === 8) {
      // 8-bit WAV is unsigned with 128 as silence.
      for (let i = 0; i < frames; i++, p += stride) ch[i] = (view.getUint8(p) - 128) / 128;
    } else if (bits === 16) {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getInt16(p, true) / 32768;
    } else if (bits === 24) {
      for (let i = 0; i < frames; i++, p += stride) {
        // Low 16 bits unsigned plus the signed high byte reassemble the two's-complement value.
        ch[i] = (view.getUint16(p, true) + (view.getInt8(p + 2) << 16)) / 8388608;
      }
    } else {
      for (let i = 0; i < frames; i++, p += stride) ch[i] = view.getInt32(p, true) / 2147483648;
    }
    out.push(ch);
  }
  return out;
}

/**
 * Decodes a RIFF/WAVE file: integer PCM (8, 16, 24, 32-bit), IEEE float (32, 64-bit), plain or
 * WAVE_FORMAT_EXTENSIBLE. Unknown chunks are skipped (with their pad byte when odd-sized) and a data
 * chunk cut short by truncation is decoded as far as it goes.
 *
 * Throws `AppError` with code `not-audio` when the bytes are not a WAV file, `decode-failed` when the
 * header is damaged or the encoding unsupported, and `empty-audio` when there are no complete samples.
 */
export function decodeWav(bytes: ArrayBuffer | Uint8Array): DecodedWav {
  const view =
    bytes instanceof Uint8Array ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new DataView(bytes);
  const total = view.byteLength;
  if (total >= 12 && fourCC(view, 0) === 'RIFX' && fourCC(view, 8) === 'WAVE') {
    throw corrupt('it is a big-endian (RIFX) WAV file, which is not supported; convert it to a standard WAV file');
  }
  if (total < 12 || fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') {
    throw new AppError(
      'not-audio',
      'This is not a WAV file: it does not start with a RIFF/WAVE header. Choose a .wav recording.',
    );
  }

  let fmt: WavFormat | null = null;
  let dataOffset = -1;
  let dataBytes = 0;
  let promisedBytes = 0;
  let pos = 12;
  // The RIFF size field is often wrong in the wild, so chunks are walked to the real end of the bytes.
  while (pos + 8 <= total) {
    const id = fourCC(view, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    const available = total - body;
    if (id === 'fmt ') {
      if (size > available) throw corrupt('its format chunk is cut off');
      fmt = parseFormat(view, body, size);
    } else if (id === 'data') {
      dataOffset = body;
      dataBytes = size === UNKNOWN_SIZE ? available : Math.min(size, available);
      promisedBytes = size === UNKNOWN_SIZE ? available : size;
      if (fmt) break;
    }
    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
    pos = body + size + (size & 1);
  }

  if (!fmt) throw corrupt('it has no format ("fmt ") chunk');
  const frameBytes = fmt.channels * (fmt.bits / 8);
  const frames = dataOffset < 0 ? 0 : Math.floor(dataBytes / frameBytes);
  if (frames === 0) throw new AppError('empty-audio', 'The WAV file contains no audio samples.');
  const channels = deinterleave(view, dataOffset, frames, fmt);
  const promised = Math.floor(promisedBytes / frameBytes);
  // A missing last pad byte or a partial last frame is common and harmless; a missing tenth of a second is not.
  const cut = (promised - frames) / fmt.sampleRate > TRUNCATION_SLACK_SECONDS;
  return cut
    ? { sampleRate: fmt.sampleRate, channels, promisedFrames: promised }
    : { sampleRate: fmt.sampleRate, channels };
}

/** What a decoded WAV file's reader should be told: cut short (see `promisedFrames`), clipped. */
export function wavWarnings(wav: DecodedWav): ClipWarning[] {
  const warnings: ClipWarning[] = [];
  const frames = wav.channels[0]?.length ?? 0;
  if (wav.promisedFrames !== undefined) {
    warnings.push({
      kind: 'truncated',
      presentSeconds: frames / wav.sampleRate,
      promisedSeconds: wav.promisedFrames / wav.sampleRate,
    });
  }
  const clipped = clippingWarning(wav.channels);
  if (clipped !== null) warnings.push(clipped);
  return warnings;
}

/**
 * Encodes mono samples as a 16-bit PCM WAV file. Samples outside [-1, 1] are clipped and NaN becomes
 * silence, so any float signal produces a valid file.
 */
export function encodeWav(pcm: Float32Array, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0x7fffffff) {
    throw new AppError(
      'internal',
      `Cannot write a WAV file at ${sampleRate} Hz; the sample rate must be a positive whole number.`,
    );
  }
  const dataBytes = pcm.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0, p = 44; i < pcm.length; i++, p += 2) {
    const s = pcm[i] ?? 0;
    // Scaling by 32768 makes decode (which divides by 32768) an exact inverse up to rounding.
    const q = Number.isNaN(s) ? 0 : Math.max(-32768, Math.min(32767, Math.round(s * 32768)));
    view.setInt16(p, q, true);
  }
  return out;
}
