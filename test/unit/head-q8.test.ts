/**
 * A head shipped with int8 weight matrices (`npm run ship-head -- --weights q8`; the bench's q8 pairs) scores like
 * its float32 original: the same random-weight fixture head, saved both ways and read back through decodeCheckpoint,
 * gives close probabilities and the same top class on the clips where float32 itself is not on a knife edge.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { storedHeadScores } from './stored-head-scores';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Largest probability difference allowed between the float32 and the int8 head. Measured on this fixture head over
 * seeds 11-15, 64 random clips each: 1.2e-4 to 1.8e-4 (float16: 3e-6 to 9e-6). int8 keeps ~8 bits of each weight
 * against float16's 11, so an error ~10-30x float16's is what quantisation costs; 1e-3 leaves 5x room for other
 * backends' rounding, while a wrong scale (one column's or a factor of 2) moves probabilities by 1e-2 and more.
 */
const MAX_PROBABILITY_DIFF = 1e-3;

describe('a head stored as int8 (Q8)', () => {
  it('scores random clips like its float32 original, in about a third of the bytes of this small head', async () => {
    const { wide, narrow, wideBytes, narrowBytes } = await storedHeadScores('Q8', 64, 77);
    // Not a quarter: this head's biases, LayerNorms (F16) and header are a larger share than a base head's.
    expect(narrowBytes).toBeLessThan(0.35 * wideBytes);
    let worst = 0;
    let agree = 0;
    let spread = 0;
    wide.forEach((w, i) => {
      const n = narrow[i];
      w.scores.forEach((s, k) => (worst = Math.max(worst, Math.abs(s - (n?.scores[k] ?? Number.NaN)))));
      if (n?.label === w.label) agree++;
      spread = Math.max(spread, Math.max(...w.scores) - Math.min(...w.scores));
    });
    expect(worst).toBeLessThan(MAX_PROBABILITY_DIFF);
    // The weights were quantised, not copied; and the scores differ between clips by far more than int8 moves them,
    // so the bound above says something.
    expect(worst).toBeGreaterThan(0);
    expect(spread).toBeGreaterThan(20 * worst);
    // A random head is close to uniform, so a few clips have two classes within 1e-4 of each other and may swap
    // (measured 59-64 of 64 over five seeds); a broken decode agrees on about a quarter.
    expect(agree).toBeGreaterThanOrEqual(56);
  });
});
