import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { ctcGreedyDecode, transcriptToTargets, vocabFromJson } from '../../src/asr/ctc';

const VOCAB_JSON: Record<string, number> = {
  '<pad>': 0,
  '<s>': 1,
  '</s>': 2,
  '<unk>': 3,
  '|': 4,
  E: 5,
  T: 6,
  A: 7,
  O: 8,
  N: 9,
  I: 10,
  H: 11,
  S: 12,
  R: 13,
  D: 14,
  L: 15,
  U: 16,
  M: 17,
  W: 18,
  C: 19,
  F: 20,
  G: 21,
  Y: 22,
  P: 23,
  B: 24,
  V: 25,
  K: 26,
  "'": 27,
  X: 28,
  J: 29,
  Q: 30,
  Z: 31,
};
const VOCAB = vocabFromJson(VOCAB_JSON);
const V = VOCAB.length;

/** Logits whose arg-max per frame spells `symbols`; the other scores are noise below the winner. */
function logitsFor(symbols: readonly string[]): Float32Array {
  const logits = new Float32Array(symbols.length * V);
  let seed = 12345;
  symbols.forEach((symbol, f) => {
    const id = VOCAB.indexOf(symbol);
    if (id < 0) throw new Error(`no symbol ${symbol}`);
    for (let v = 0; v < V; v++) {
      seed = (seed * 16807) % 2147483647;
      logits[f * V + v] = v === id ? 5 : -10 + 10 * (seed / 2147483647);
    }
  });
  return logits;
}

function decode(symbols: readonly string[]): { text: string; ids: number[] } {
  return ctcGreedyDecode(logitsFor(symbols), symbols.length, V, VOCAB);
}

const ids = (...symbols: string[]): number[] => symbols.map((s) => VOCAB.indexOf(s));

describe('ctcGreedyDecode', () => {
  it.each([
    { name: 'nothing', frames: [], text: '', ids: [] },
    { name: 'only blanks', frames: ['<pad>', '<pad>'], text: '', ids: [] },
    { name: 'repeats collapse', frames: ['L', 'L'], text: 'L', ids: ids('L') },
    { name: 'a blank separates repeated letters', frames: ['L', '<pad>', 'L'], text: 'LL', ids: ids('L', 'L') },
    {
      name: 'runs with blanks',
      frames: ['H', 'H', '<pad>', 'E', 'L', 'L', '<pad>', 'L', 'O', 'O'],
      text: 'HELLO',
      ids: ids('H', 'E', 'L', 'L', 'O'),
    },
    {
      name: 'delimiter becomes a space',
      frames: ['H', 'I', '|', 'Y', 'O', 'U'],
      text: 'HI YOU',
      ids: ids('H', 'I', '|', 'Y', 'O', 'U'),
    },
    {
      name: 'leading and trailing delimiters are trimmed',
      frames: ['|', '<pad>', 'O', 'K', '|', '|'],
      text: 'OK',
      ids: ids('|', 'O', 'K', '|'),
    },
    {
      name: 'several delimiters become one space',
      frames: ['A', '|', '<pad>', '|', '|', 'B'],
      text: 'A B',
      ids: ids('A', '|', '|', 'B'),
    },
    {
      name: 'specials are dropped from the text',
      frames: ['<s>', 'N', '<unk>', 'O', '</s>'],
      text: 'NO',
      ids: ids('<s>', 'N', '<unk>', 'O', '</s>'),
    },
    {
      name: 'a special between delimiters leaves one space',
      frames: ['A', '|', '<unk>', '|', 'B'],
      text: 'A B',
      ids: ids('A', '|', '<unk>', '|', 'B'),
    },
    {
      name: 'apostrophes are kept',
      frames: ['D', 'O', 'N', "'", 'T'],
      text: "DON'T",
      ids: ids('D', 'O', 'N', "'", 'T'),
    },
  ])('$name', ({ frames, text, ids: expectedIds }) => {
    const result = decode(frames);
    expect(result.text).toBe(text);
    expect(result.ids).toEqual(expectedIds);
  });

  it('honours a different blank index and delimiter', () => {
    const vocab = ['a', 'b', '_', '-'];
    // Frames: a a - b _ _ b with blank 3 ('-') and delimiter '_'.
    const picks = [0, 0, 3, 1, 2, 2, 1];
    const logits = new Float32Array(picks.length * 4);
    picks.forEach((p, f) => logits.fill(1, f * 4 + p, f * 4 + p + 1));
    const result = ctcGreedyDecode(logits, picks.length, 4, vocab, { blank: 3, delimiter: '_' });
    expect(result).toEqual({ text: 'ab b', ids: [0, 1, 2, 1] });
  });

  it('takes the first of equal maxima', () => {
    const logits = new Float32Array(V).fill(1);
    expect(ctcGreedyDecode(logits, 1, V, VOCAB).ids).toEqual([]);
  });

  it('rejects logits smaller than frames x vocabSize', () => {
    expect(() => ctcGreedyDecode(new Float32Array(10), 2, V, VOCAB)).toThrow(AppError);
    expect(() => ctcGreedyDecode(new Float32Array(10), 2, V, VOCAB)).toThrow(/64 expected/);
  });
});

describe('transcriptToTargets', () => {
  it.each([
    { text: 'Kids are talking by the door', spelled: 'KIDS|ARE|TALKING|BY|THE|DOOR' },
    { text: 'Kids are talking by the door.', spelled: 'KIDS|ARE|TALKING|BY|THE|DOOR' },
    { text: '  Dogs are sitting   by the\tdoor!  ', spelled: 'DOGS|ARE|SITTING|BY|THE|DOOR' },
    { text: "Don't — stop", spelled: "DON'T|STOP" },
    { text: 'Don\u2019t', spelled: "DON'T" },
    { text: 'Café naïve', spelled: 'CAFE|NAIVE' },
    { text: 'R2-D2', spelled: 'RD' },
    { text: '', spelled: '' },
    { text: '?!', spelled: '' },
  ])('"$text" -> $spelled', ({ text, spelled }) => {
    expect(transcriptToTargets(text, VOCAB)).toEqual(ids(...Array.from(spelled)));
  });

  it('round-trips through greedy decoding', () => {
    const targets = transcriptToTargets('Kids are talking by the door', VOCAB);
    // Blanks between frames, as a CTC model emits them, keep double letters ("DOOR") apart.
    const frames = targets.flatMap((id) => [VOCAB[id] ?? '', '<pad>']);
    expect(decode(frames).text).toBe('KIDS ARE TALKING BY THE DOOR');
    expect(decode(frames).ids).toEqual(targets);
  });
});

describe('vocabFromJson', () => {
  it('inverts the wav2vec2-base-960h vocabulary', () => {
    expect(VOCAB.length).toBe(32);
    expect(VOCAB.slice(0, 8)).toEqual(['<pad>', '<s>', '</s>', '<unk>', '|', 'E', 'T', 'A']);
    expect(VOCAB[27]).toBe("'");
    expect(VOCAB[31]).toBe('Z');
  });

  it.each([
    { name: 'a gap', json: { a: 0, b: 2 } },
    { name: 'a shared index', json: { a: 0, b: 0 } },
    { name: 'a negative index', json: { a: -1, b: 0 } },
    { name: 'a fractional index', json: { a: 0.5, b: 1 } },
    { name: 'a non-number', json: { a: 0, b: '1' as unknown as number } },
  ])('rejects $name with bad-model', ({ json }) => {
    let code = '';
    try {
      vocabFromJson(json);
    } catch (err) {
      code = err instanceof AppError ? err.code : 'other';
    }
    expect(code).toBe('bad-model');
  });

  it('accepts an empty vocabulary as empty', () => {
    expect(vocabFromJson({})).toEqual([]);
  });
});
