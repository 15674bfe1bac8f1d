import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { DEFAULT_NGRAM, embedText } from '../../src/text/ngram-embed';

function row(e: { dim: number; data: Float32Array }, t: number): Float32Array {
  return e.data.subarray(t * e.dim, (t + 1) * e.dim);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/** Cosine similarity of the vectors of two single words (their rows are unit length). */
function cosine(a: string, b: string, options?: Parameters<typeof embedText>[1]): number {
  const ea = embedText(a, options);
  const eb = embedText(b, options);
  return dot(row(ea, 1), row(eb, 1));
}

describe('embedText tokens', () => {
  it.each([
    { text: 'Kids are talking by the door.', tokens: ['kids', 'are', 'talking', 'by', 'the', 'door'] },
    { text: '', tokens: [] },
    { text: '  ...!?  ', tokens: [] },
    { text: "Don't STOP—now!", tokens: ["don't", 'stop', 'now'] },
    { text: 'It\u2019s “quoted” and \u2018single\u2019', tokens: ["it's", 'quoted', 'and', 'single'] },
    { text: "'tis the dogs' bone", tokens: ['tis', 'the', 'dogs', 'bone'] },
    { text: 'e-mail,at 5pm;Zoë', tokens: ['e', 'mail', 'at', '5pm', 'zoë'] },
  ])('"$text"', ({ text, tokens }) => {
    const e = embedText(text);
    expect(e.tokens).toEqual(['<s>', ...tokens, '</s>']);
    expect(e.dim).toBe(256);
    expect(e.data.length).toBe(e.tokens.length * 256);
  });
});

describe('embedText vectors', () => {
  it('uses 256 dimensions and 2^20 buckets by default', () => {
    expect(DEFAULT_NGRAM.dim).toBe(256);
    expect(DEFAULT_NGRAM.buckets).toBe(2 ** 20);
    expect([DEFAULT_NGRAM.minN, DEFAULT_NGRAM.maxN]).toEqual([3, 5]);
  });

  it('is deterministic', () => {
    const text = 'Kids are talking by the door.';
    expect(embedText(text).data).toEqual(embedText(text).data);
  });

  it('gives every token a unit-length vector', () => {
    const e = embedText('The quick brown fox, a cat and an elephant.');
    for (let t = 0; t < e.tokens.length; t++) expect(dot(row(e, t), row(e, t))).toBeCloseTo(1, 5);
  });

  it('gives the same word the same vector wherever it appears, whatever its case', () => {
    const e = embedText('The cat saw THE dog');
    expect(row(e, 1)).toEqual(row(e, 4));
    expect(row(e, 1)).toEqual(row(embedText('the'), 1));
  });

  it.each([
    { a: 'talking', b: 'walking', min: 0.4 },
    { a: 'talking', b: 'talked', min: 0.15 },
    { a: 'happy', b: 'happiness', min: 0.3 },
    { a: 'angry', b: 'angrily', min: 0.2 },
  ])('words sharing n-grams are similar: $a ~ $b', ({ a, b, min }) => {
    expect(cosine(a, b)).toBeGreaterThan(min);
  });

  it.each([
    ['cat', 'elephant'],
    ['door', 'kids'],
    ['sad', 'wonderful'],
    ['by', 'the'],
    ['yes', 'qx'],
  ])('unrelated words are nearly orthogonal: %s / %s', (a, b) => {
    expect(Math.abs(cosine(a, b))).toBeLessThan(0.25);
  });

  it('keeps the sentence markers distinct from each other and from words', () => {
    const e = embedText('s');
    const [bos, word, eos] = [row(e, 0), row(e, 1), row(e, 2)];
    expect(Math.abs(dot(bos, eos))).toBeLessThan(0.25);
    expect(Math.abs(dot(bos, word))).toBeLessThan(0.5);
  });

  it('changes the embedding space with the seed', () => {
    const a = row(embedText('talking'), 1);
    const b = row(embedText('talking', { seed: 7 }), 1);
    expect(Math.abs(dot(a, b))).toBeLessThan(0.25);
  });

  it('hashes into the given number of buckets (one bucket makes every word alike)', () => {
    expect(cosine('cat', 'elephant', { buckets: 1 })).toBeCloseTo(1, 5);
  });

  it('supports a dimension that is not a multiple of 32', () => {
    const e = embedText('hello world', { dim: 100 });
    expect(e.dim).toBe(100);
    expect(e.data.length).toBe(4 * 100);
    expect(dot(row(e, 1), row(e, 1))).toBeCloseTo(1, 5);
    // Entries are sums of ±1/sqrt(dim), so they are not all equal.
    expect(new Set(row(e, 1)).size).toBeGreaterThan(5);
  });

  it.each([{ dim: 0 }, { buckets: 0 }, { minN: 4, maxN: 3 }, { dim: 1.5 }])('rejects invalid options %o', (options) => {
    expect(() => embedText('hi', options)).toThrow(AppError);
  });
});
