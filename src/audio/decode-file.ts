/**
 * Turns a user's file into the app's clip format: mono, 16 kHz, Float32 samples.
 *
 * The bytes are looked at before anything else, so a text file renamed `.wav` is reported as text rather than as
 * a broken recording. WAV goes through our own decoder (exact, identical in every browser); every other format
 * (MP3, Ogg, WebM, FLAC, M4A, ...) through the browser's `decodeAudioData`. The result is downmixed and resampled
 * with the same code as microphone recordings.
 *
 * Web Audio is reached through `globalThis` with minimal local types, so this module also type-checks (and can be
 * unit-tested with an injected decoder) where the DOM library is absent.
 */
import { AppError } from '../core/errors';
import { clippingWarning, type ClipWarning } from './clip-warnings';
import { downmix } from './downmix';
import { resample } from './resample';
import { decodeWav, wavWarnings } from './wav';
import { SAMPLE_RATE } from './rate';

/** A 60 s clip never needs this much even as 8-channel 96 kHz float WAV; bigger files are refused before reading. */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;

/** Extensions offered by the file picker and accepted without further ado. */
export const AUDIO_EXTENSIONS = [
  'wav',
  'wave',
  'mp3',
  'ogg',
  'oga',
  'opus',
  'webm',
  'flac',
  'm4a',
  'mp4',
  'aac',
  'aif',
  'aiff',
  'caf',
] as const;

/** The `accept` attribute for `<input type="file">`. */
export const FILE_ACCEPT = 'audio/*,.wav,.mp3,.ogg,.webm,.flac,.m4a';

/** Audio as a decoder hands it over: one array per channel. */
export interface DecodedChannels {
  readonly sampleRate: number;
  readonly channels: readonly Float32Array[];
}

/** Decodes compressed audio bytes; the default uses Web Audio's `decodeAudioData`. */
export type CompressedDecoder = (bytes: ArrayBuffer) => Promise<DecodedChannels>;

export interface DecodeFileOptions {
  /** Replaces the browser decoder (tests, or environments without Web Audio). */
  readonly decodeCompressed?: CompressedDecoder;
}

/** A File, or a Blob with an optional name. */
export type AudioSource = Blob & { readonly name?: string };

/** What the first bytes say the file is. */
type Sniffed =
  | { readonly kind: 'wav' }
  | { readonly kind: 'audio'; readonly format: string }
  | { readonly kind: 'other'; readonly description: string }
  | { readonly kind: 'text' }
  | { readonly kind: 'unknown' };

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) s += String.fromCharCode(bytes[i] ?? 0);
  return s;
}

function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let printable = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b === 9 || b === 10 || b === 13 || b >= 32) printable++;
  }
  if (printable / head.length < 0.95) return false;
  // A multi-byte character may be cut at the end of the sample; only the part before it has to be valid UTF-8.
  const cut = head.length >= 1024 ? head.subarray(0, head.length - 4) : head;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(cut);
    return true;
  } catch {
    return false;
  }
}

/** Identifies a file from its first bytes (at least 16 wanted; more improves the text check). */
export function sniff(head: Uint8Array): Sniffed {
  const b = (i: number): number => head[i] ?? -1;
  const riff = ascii(head, 0, 4);
  if (riff === 'RIFF' || riff === 'RIFX' || riff === 'RF64') {
    const form = ascii(head, 8, 4);
    if (form === 'WAVE') return { kind: 'wav' };
    if (form === 'WEBP') return { kind: 'other', description: 'a WebP image' };
    if (form === 'AVI ') return { kind: 'other', description: 'an AVI video' };
  }
  if (ascii(head, 0, 3) === 'ID3') return { kind: 'audio', format: 'MP3' };
  if (ascii(head, 0, 4) === 'OggS') return { kind: 'audio', format: 'Ogg' };
  if (ascii(head, 0, 4) === 'fLaC') return { kind: 'audio', format: 'FLAC' };
  if (b(0) === 0x1a && b(1) === 0x45 && b(2) === 0xdf && b(3) === 0xa3)
    return { kind: 'audio', format: 'WebM/Matroska' };
  if (ascii(head, 4, 4) === 'ftyp') return { kind: 'audio', format: 'MP4/M4A' };
  if (ascii(head, 0, 4) === 'FORM' && ['AIFF', 'AIFC'].includes(ascii(head, 8, 4)))
    return { kind: 'audio', format: 'AIFF' };
  if (ascii(head, 0, 4) === 'caff') return { kind: 'audio', format: 'CAF' };
  if (ascii(head, 0, 5) === '#!AMR') return { kind: 'audio', format: 'AMR' };
  // MPEG audio frame sync (MP3) or ADTS (AAC): eleven set bits.
  if (b(0) === 0xff && (b(1) & 0xe0) === 0xe0) return { kind: 'audio', format: 'MPEG audio' };

  if (b(0) === 0x89 && ascii(head, 1, 3) === 'PNG') return { kind: 'other', description: 'a PNG image' };
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return { kind: 'other', description: 'a JPEG image' };
  if (ascii(head, 0, 4) === 'GIF8') return { kind: 'other', description: 'a GIF image' };
  if (ascii(head, 0, 4) === '%PDF') return { kind: 'other', description: 'a PDF document' };
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04)
    return { kind: 'other', description: 'a ZIP archive (or an Office document)' };
  if (b(0) === 0x1f && b(1) === 0x8b) return { kind: 'other', description: 'a gzip archive' };
  if (ascii(head, 0, 4) === '\x7fELF' || ascii(head, 0, 2) === 'MZ') return { kind: 'other', description: 'a program' };
  if (looksLikeText(head)) return { kind: 'text' };
  return { kind: 'unknown' };
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function isAudioExtension(ext: string): boolean {
  return (AUDIO_EXTENSIONS as readonly string[]).includes(ext);
}

function isAudioMime(mime: string): boolean {
  return mime.startsWith('audio/') || mime.startsWith('video/') || mime === 'application/ogg';
}

/** "a text file (text/plain)", "an image (image/png)", ... for a declared type. */
function describeMime(mime: string): string {
  if (mime === '') return 'a file of unknown type';
  if (mime.startsWith('text/')) return `a text file (${mime})`;
  if (mime.startsWith('image/')) return `an image (${mime})`;
  if (mime === 'application/pdf') return 'a PDF document';
  if (mime === 'application/json') return 'a JSON file';
  return `a file of type ${mime}`;
}

function notAudio(label: string, what: string, cause?: unknown): AppError {
  return new AppError(
    'not-audio',
    `${label} is ${what}, not audio. Choose a sound recording (WAV, MP3, OGG, WebM, FLAC or M4A).`,
    cause === undefined ? undefined : { cause },
  );
}

function formatMB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

interface DecodedBuffer {
  readonly sampleRate: number;
  readonly numberOfChannels: number;
  getChannelData(channel: number): Float32Array;
}
interface DecodingContext {
  decodeAudioData(data: ArrayBuffer): Promise<DecodedBuffer>;
}
type DecodingContextCtor = new (numberOfChannels: number, length: number, sampleRate: number) => DecodingContext;

/**
 * Decodes with an OfflineAudioContext, which needs no user gesture and no audio device. It decodes straight to
 * 16 kHz where the browser allows that rate (then our resampler has nothing to do), else to 48 kHz.
 */
export const browserDecoder: CompressedDecoder = async (bytes) => {
  const g = globalThis as unknown as {
    OfflineAudioContext?: DecodingContextCtor;
    webkitOfflineAudioContext?: DecodingContextCtor;
  };
  const Ctor = g.OfflineAudioContext ?? g.webkitOfflineAudioContext;
  if (!Ctor) throw new Error('this browser has no Web Audio decoder');
  let ctx: DecodingContext;
  try {
    ctx = new Ctor(1, 1, SAMPLE_RATE);
  } catch {
    ctx = new Ctor(1, 1, 48_000);
  }
  const audio = await ctx.decodeAudioData(bytes);
  const channels: Float32Array[] = [];
  for (let c = 0; c < audio.numberOfChannels; c++) channels.push(audio.getChannelData(c));
  return { sampleRate: audio.sampleRate, channels };
};

/** A decoded file: the clip, and what about it the person should know (cut short, clipped). */
export interface DecodedFile {
  readonly pcm: Float32Array;
  readonly warnings: readonly ClipWarning[];
}

function toClip(decoded: DecodedChannels, warnings: readonly ClipWarning[]): DecodedFile {
  const mono = downmix(decoded.channels);
  const pcm = decoded.sampleRate === SAMPLE_RATE ? mono : resample(mono, decoded.sampleRate, SAMPLE_RATE);
  return { pcm, warnings };
}

/**
 * Decodes a user's audio file to mono 16 kHz samples, with warnings for a WAV cut short and for clipping.
 *
 * Throws `AppError`: `empty-audio` for a 0-byte file or one without samples, `not-audio` (naming what the
 * file is) for text, images, documents and other non-audio, `too-long` for a file far too large for a 60 s clip,
 * `decode-failed` (naming the file) when the browser cannot decode it. Length and silence are not checked here
 * (`checkClip` does that), so a short or silent clip still comes back and can be saved.
 */
export async function decodeAudioFile(file: AudioSource, options: DecodeFileOptions = {}): Promise<DecodedFile> {
  const name = typeof file.name === 'string' ? file.name : '';
  const label = name === '' ? 'The file' : `“${name}”`;
  const mime = file.type.toLowerCase();
  const ext = extensionOf(name);
  const claimsAudio = isAudioMime(mime) || isAudioExtension(ext);

  if (file.size === 0) throw new AppError('empty-audio', `${label} is empty (0 bytes); it contains no audio.`);
  // A clearly non-audio type with a non-audio name is refused without reading it.
  if (!claimsAudio && mime !== '' && mime !== 'application/octet-stream') throw notAudio(label, describeMime(mime));
  if (file.size > MAX_FILE_BYTES) {
    throw new AppError(
      'too-long',
      `${label} is ${formatMB(file.size)}, far more than a clip of at most 60 s needs. Trim it to the part you want analysed.`,
    );
  }

  let bytes: ArrayBuffer;
  try {
    bytes = await file.arrayBuffer();
  } catch (err) {
    throw new AppError('decode-failed', `${label} could not be read from disk.`, { cause: err });
  }

  const kind = sniff(new Uint8Array(bytes, 0, Math.min(bytes.byteLength, 1024)));
  if (kind.kind === 'text') {
    throw notAudio(label, ext === '' || ext === 'txt' ? 'a text file' : `a text file (despite its .${ext} name)`);
  }
  if (kind.kind === 'other') throw notAudio(label, kind.description);
  if (kind.kind === 'unknown' && !claimsAudio) throw notAudio(label, describeMime(mime));

  let wavError: AppError | null = null;
  if (kind.kind === 'wav') {
    try {
      const wav = decodeWav(bytes);
      return toClip(wav, wavWarnings(wav));
    } catch (err) {
      // No samples is final; an encoding our decoder lacks (ADPCM, mu-law, ...) may still be known to the browser.
      if (err instanceof AppError && (err.code === 'empty-audio' || err.code === 'not-audio')) {
        throw new AppError(err.code, `${label}: ${err.message}`, { cause: err });
      }
      if (!(err instanceof AppError)) throw err;
      wavError = err;
    }
  }

  const decode = options.decodeCompressed ?? browserDecoder;
  let decoded: DecodedChannels;
  try {
    // decodeAudioData detaches its argument; hand it a copy so `bytes` stays usable.
    decoded = await decode(bytes.slice(0));
  } catch (err) {
    if (wavError) throw new AppError('decode-failed', `${label}: ${wavError.message}`, { cause: err });
    const format = kind.kind === 'audio' ? `${kind.format} ` : '';
    throw new AppError(
      'decode-failed',
      `${label} could not be decoded: this browser cannot read this ${format}audio, or the file is damaged. Try a WAV or MP3 file.`,
      { cause: err },
    );
  }
  if (decoded.channels.length === 0 || (decoded.channels[0]?.length ?? 0) === 0) {
    throw new AppError('empty-audio', `${label} contains no audio samples.`);
  }
  // Clipping is judged on the channels as decoded: a downmix or a resampler would soften a flattened stretch.
  const clipped = clippingWarning(decoded.channels);
  return toClip(decoded, clipped === null ? [] : [clipped]);
}
