/**
 * Hashed character n-gram word embeddings: the text half of the weight-free "lite" encoder pair.
 *
 * Like fastText's subword vectors, but with no trained table: each hashed bucket's vector is generated
 * on demand from the bucket index, so the encoder costs no download and no memory, yet words that share
 * spelling get similar vectors and unrelated words get nearly orthogonal ones.
 */
import { AppError } from '../core/errors';
import { encoderText } from './encoder-text';

/** Parameters of `embedText`. */
export interface NgramOptions {
  /** Length of each token vector. */
  readonly dim: number;
  /** Number of hash buckets; more buckets mean fewer n-grams sharing a vector by collision. */
  readonly buckets: number;
  /** Shortest and longest character n-gram, counted over `<word>`. */
  readonly minN: number;
  readonly maxN: number;
  /** Hash seed; a different seed gives an unrelated embedding space. */
  readonly seed: number;
}

/** 256 dimensions, 2^20 buckets, fastText's 3..5-grams, a fixed seed. */
export const DEFAULT_NGRAM: NgramOptions = Object.freeze({
  dim: 256,
  buckets: 1 << 20,
  minN: 3,
  maxN: 5,
  seed: 0x4d4d4552,
});

/** Token vectors, token-major: `data[t * dim + d]`. */
export interface NgramEmbedding {
  readonly tokens: string[];
  readonly dim: number;
  readonly data: Float32Array;
}

const BOS = '<s>';
const EOS = '</s>';
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Whole words are hashed from a different starting state so "<a>" the word and "<a>" the 3-gram differ. */
const WORD_SALT = 0x5bd1e995;
/** Mixes a 32-bit value into the FNV-1a state byte by byte. */
function fnvWord(h: number, value: number): number {
  for (let s = 0; s < 32; s += 8) h = Math.imul(h ^ ((value >>> s) & 0xff), FNV_PRIME);
  return h;
}

/** FNV-1a over the UTF-8 bytes of code points `cps[from .. to - 1]`, starting from state `h`. */
function fnvCodePoints(h: number, cps: readonly number[], from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = cps[i] ?? 0;
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
    } else if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
    }
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: a cheap bijective 32-bit mix with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Adds bucket `bucket`'s vector to `out[row .. row + dim - 1]`. The vector has entries ±1/sqrt(dim)
 * whose signs are the bits of a counter-based hash of (seed, bucket, block), 32 entries per hash.
 */
function addBucket(out: Float32Array, row: number, dim: number, bucket: number, seed: number): void {
  const amplitude = 1 / Math.sqrt(dim);
  const key = fmix32(bucket ^ fmix32(seed));
  for (let block = 0, d = 0; d < dim; block++) {
    const bits = fmix32(key + Math.imul(block + 1, 0x9e3779b9));
    const end = Math.min(dim, d + 32);
    for (let b = 0; d < end; d++, b++) {
      out[row + d] = (out[row + d] ?? 0) + (((bits >>> b) & 1) === 1 ? amplitude : -amplitude);
    }
  }
}

function resolve(options: Partial<NgramOptions> | undefined): NgramOptions {
  const o = { ...DEFAULT_NGRAM, ...options };
  const ok =
    Number.isInteger(o.dim) &&
    o.dim > 0 &&
    Number.isInteger(o.buckets) &&
    o.buckets > 0 &&
    o.buckets <= 2 ** 32 &&
    Number.isInteger(o.minN) &&
    o.minN > 0 &&
    Number.isInteger(o.maxN) &&
    o.maxN >= o.minN &&
    Number.isInteger(o.seed);
  if (!ok) {
    throw new AppError(
      'internal',
      `Invalid n-gram embedding settings ${JSON.stringify(o)}: sizes must be positive integers and minN <= maxN.`,
    );
  }
  return o;
}

/** Splits text into tokens: `<s>`, the words of `encoderText` (so "don't" stays one word), `</s>`. */
export function tokenizeWords(text: string): string[] {
  const words = encoderText(text);
  return [BOS, ...(words === '' ? [] : words.split(' ')), EOS];
}

/**
 * Embeds text as one L2-normalised vector per token. A word's vector is the mean of the vectors of its
 * character n-grams (`minN..maxN` over `<word>`, fastText style) and of the whole word, each hashed with
 * seeded FNV-1a into `buckets`; `<s>` and `</s>` use only their whole-token vector. The same input and
 * options always give the same output, across runs and platforms.
 */
export function embedText(text: string, options?: Partial<NgramOptions>): NgramEmbedding {
  const o = resolve(options);
  const { dim, buckets, minN, maxN, seed } = o;
  const tokens = tokenizeWords(text);
  const data = new Float32Array(tokens.length * dim);
  const base = fnvWord(FNV_OFFSET, seed);
  const wordBase = fnvWord(base, WORD_SALT);
  const bracketed: number[] = [];
  tokens.forEach((token, t) => {
    const row = t * dim;
    bracketed.length = 0;
    for (const ch of token) bracketed.push(ch.codePointAt(0) ?? 0);
    // The word itself, without brackets: its own identity beyond what its n-grams say.
    addBucket(data, row, dim, fnvCodePoints(wordBase, bracketed, 0, bracketed.length) % buckets, seed);
    if (token !== BOS && token !== EOS) {
      bracketed.unshift(0x3c);
      bracketed.push(0x3e);
      for (let n = minN; n <= maxN; n++) {
        for (let s = 0; s + n <= bracketed.length; s++) {
          addBucket(data, row, dim, fnvCodePoints(base, bracketed, s, s + n) % buckets, seed);
        }
      }
    }
    // Dividing by the n-gram count (the mean) would be undone by the normalisation, so it is skipped.
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += (data[row + d] ?? 0) ** 2;
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let d = 0; d < dim; d++) data[row + d] = (data[row + d] ?? 0) * scale;
    }
  });
  return { tokens, dim, data };
}
