/**
 * CTC helpers for character-level wav2vec2 models: greedy decoding of logits into text, the reverse
 * mapping of a transcript into target ids, and reading the model's `vocab.json`.
 */
import { AppError } from '../core/errors';

/** Options for `ctcGreedyDecode`. */
export interface CtcDecodeOptions {
  /** Index of the CTC blank; wav2vec2 uses `<pad>` at 0. */
  readonly blank?: number;
  /** Symbol that marks a word boundary; it becomes a space in the text. */
  readonly delimiter?: string;
}

/** A greedy CTC decoding: the text and the collapsed, non-blank token ids it came from. */
export interface CtcResult {
  readonly text: string;
  readonly ids: number[];
}

/** Tokens such as `<s>`, `</s>`, `<unk>` carry no characters and never appear in text. */
function isSpecial(symbol: string): boolean {
  return symbol.length > 2 && symbol.startsWith('<') && symbol.endsWith('>');
}

/**
 * Greedy (best-path) CTC decoding: takes the arg-max token of each frame, merges runs of the same
 * token, then drops blanks. A blank between two equal tokens keeps both, which is how CTC spells
 * double letters. Special `<...>` tokens are kept in `ids` but left out of `text`; the delimiter
 * becomes a space and the text is trimmed with runs of spaces collapsed.
 *
 * `logits` is frame-major (`frames x vocabSize`). Throws `AppError('bad-model')` if it is too small.
 */
export function ctcGreedyDecode(
  logits: Float32Array,
  frames: number,
  vocabSize: number,
  vocab: readonly string[],
  options: CtcDecodeOptions = {},
): CtcResult {
  const blank = options.blank ?? 0;
  const delimiter = options.delimiter ?? '|';
  if (!Number.isInteger(frames) || frames < 0 || !Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new AppError('bad-model', `The speech model returned an output of invalid shape (${frames} x ${vocabSize}).`);
  }
  if (logits.length < frames * vocabSize) {
    throw new AppError(
      'bad-model',
      `The speech model returned ${logits.length} scores, fewer than the ${frames * vocabSize} expected for ${frames} frames of ${vocabSize} tokens.`,
    );
  }

  const ids: number[] = [];
  let text = '';
  let previous = -1;
  let pendingSpace = false;
  for (let f = 0, base = 0; f < frames; f++, base += vocabSize) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < vocabSize; v++) {
      const score = logits[base + v] ?? Number.NEGATIVE_INFINITY;
      if (score > bestScore) {
        bestScore = score;
        best = v;
      }
    }
    if (best !== previous && best !== blank) {
      ids.push(best);
      const symbol = vocab[best] ?? '';
      if (symbol === delimiter) {
        pendingSpace = true;
      } else if (symbol !== '' && !isSpecial(symbol)) {
        // Spaces are emitted lazily so leading, trailing and repeated delimiters never reach the text.
        if (pendingSpace && text !== '') text += ' ';
        pendingSpace = false;
        text += symbol;
      }
    }
    previous = best;
  }
  return { text, ids };
}

const WHITESPACE = /^\s$/u;
const symbolMaps = new WeakMap<readonly string[], Map<string, number>>();

function symbolMap(vocab: readonly string[]): Map<string, number> {
  const cached = symbolMaps.get(vocab);
  if (cached) return cached;
  const map = new Map<string, number>();
  vocab.forEach((symbol, id) => {
    if (symbol !== '' && !isSpecial(symbol) && !map.has(symbol)) map.set(symbol, id);
  });
  symbolMaps.set(vocab, map);
  return map;
}

/**
 * Maps a transcript to CTC target ids (e.g. for scoring or alignment): upper-cases it, folds accents
 * and typographic apostrophes to plain letters, drops characters the vocabulary lacks, and turns each
 * run of whitespace into one delimiter, with none at either end.
 */
export function transcriptToTargets(text: string, vocab: readonly string[], delimiter = '|'): number[] {
  const map = symbolMap(vocab);
  const delimiterId = map.get(delimiter);
  const cleaned = text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toUpperCase();
  const ids: number[] = [];
  let pendingDelimiter = false;
  for (const ch of cleaned) {
    if (WHITESPACE.test(ch) || ch === delimiter) {
      pendingDelimiter = true;
      continue;
    }
    const id = map.get(ch);
    if (id === undefined) continue;
    if (pendingDelimiter && ids.length > 0 && delimiterId !== undefined) ids.push(delimiterId);
    pendingDelimiter = false;
    ids.push(id);
  }
  return ids;
}

/**
 * Turns a `vocab.json` object (symbol -> index) into an index -> symbol array. Throws
 * `AppError('bad-model')` unless the indices are exactly 0..n-1, each used once.
 */
export function vocabFromJson(json: Record<string, number>): string[] {
  const entries = Object.entries(json);
  const vocab = new Array<string | undefined>(entries.length).fill(undefined);
  for (const [symbol, index] of entries) {
    if (!Number.isInteger(index) || index < 0 || index >= entries.length) {
      throw new AppError(
        'bad-model',
        `The speech model's vocabulary is malformed: "${symbol}" has index ${String(index)}, outside 0..${entries.length - 1}.`,
      );
    }
    const other = vocab[index];
    if (other !== undefined) {
      throw new AppError(
        'bad-model',
        `The speech model's vocabulary is malformed: "${other}" and "${symbol}" share index ${index}.`,
      );
    }
    vocab[index] = symbol;
  }
  // With n entries, in-range and pairwise distinct indices necessarily fill 0..n-1.
  return vocab.map((s) => s ?? '');
}
