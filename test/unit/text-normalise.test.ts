/**
 * One form of text for every text encoder: a gold transcript (what a head trains on) and the recogniser's upper-case
 * transcript of the same words (what it sees in use) become the same tokens, through `encode` itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EncoderPair } from '../../src/inference/load-encoders';
import { loadNodeEncoders } from '../../src/inference/node';
import { MemoryStore } from '../../src/runtime/cache';
import { encoderText } from '../../src/text/encoder-text';
import { ensureFixtures } from './fixtures-on-disk';

describe('encoderText', () => {
  it.each([
    { name: 'gold transcript', text: 'Kids are talking by the door.', want: 'kids are talking by the door' },
    {
      name: 'recognised transcript (upper case, no punctuation)',
      text: 'KIDS ARE TALKING BY THE DOOR',
      want: 'kids are talking by the door',
    },
    {
      name: 'apostrophes kept inside words, quotes dropped',
      text: "\u2018Don\u2019t,\u2019 she said: 'no!'",
      want: "don't she said no",
    },
    { name: 'hyphens and runs of spaces separate words', text: '  well-known   words\n', want: 'well known words' },
    { name: 'accents and digits stay', text: 'Café 24', want: 'café 24' },
    { name: 'nothing but punctuation', text: '?!. ,', want: '' },
  ])('$name', ({ text, want }) => {
    expect(encoderText(text)).toBe(want);
  });
});

describe('text encoders read the normalised form', () => {
  const pairs: Record<string, EncoderPair> = {};
  beforeAll(async () => {
    await ensureFixtures();
    for (const pair of ['fixture', 'lite']) pairs[pair] = await loadNodeEncoders({ pair, store: new MemoryStore() });
  }, 120_000);

  it.each(['fixture', 'lite'])(
    '%s: gold and recognised forms of one sentence give the same tokens and features',
    async (pair) => {
      const text = pairs[pair]?.text;
      if (text === undefined) throw new Error(`pair ${pair} not loaded`);
      const gold = await text.encode('Kids are talking by the door.');
      const heard = await text.encode('KIDS ARE TALKING BY THE DOOR');
      const other = await text.encode('Dogs are sitting by the door.');
      expect(heard.tokenIds).toEqual(gold.tokenIds);
      expect(heard.hidden.rows).toBe(gold.hidden.rows);
      expect(Array.from(heard.hidden.data)).toEqual(Array.from(gold.hidden.data));
      // A different sentence is not mapped onto the same features.
      expect(Array.from(other.hidden.data)).not.toEqual(Array.from(gold.hidden.data));
    },
  );
});
