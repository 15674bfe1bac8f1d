/**
 * A small RIFF/WAVE codec. Decoding here (rather than with Web Audio) keeps the original sample rate and
 * channels, works in a Worker and in Node, and gives precise errors for the files people actually upload.
 */
import { AppError } from '../core/errors';
import { clippingWarning, truncationWarning, type ClipWarning } from './clip-warnings';
import { FORMAT_FLOAT, FORMAT_PCM, wavLayoutOf, type WavFormat } from './wav-layout';

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
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { format, dataOffset, dataBytes, promisedBytes, frameBytes } = wavLayoutOf(u8);
  const { sampleRate } = format;
  const frames = dataBytes / frameBytes;
  const channels = deinterleave(new DataView(u8.buffer, u8.byteOffset, u8.byteLength), dataOffset, frames, format);
  const promised = Math.floor(promisedBytes / frameBytes);
  // A missing last pad byte or a partial last frame is common and harmless; a missing tenth of a second is not.
  return truncationWarning(frames / sampleRate, promised / sampleRate) === null
    ? { sampleRate, channels }
    : { sampleRate, channels, promisedFrames: promised };
}

/** What a decoded WAV file's reader should be told: cut short (see `promisedFrames`), clipped. */
export function wavWarnings(wav: DecodedWav): ClipWarning[] {
  const frames = wav.channels[0]?.length ?? 0;
  const cut =
    wav.promisedFrames === undefined
      ? null
      : truncationWarning(frames / wav.sampleRate, wav.promisedFrames / wav.sampleRate);
  return [cut, clippingWarning(wav.channels)].filter((w): w is ClipWarning => w !== null);
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
