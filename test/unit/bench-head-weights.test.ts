/**
 * The bench stores each pair's head as that precision's head is shipped, so the load case fetches what people
 * would.
 */
import { describe, expect, it } from 'vitest';
import { benchHeadWeights } from '../../bench/lib/models';

describe('benchHeadWeights', () => {
  it.each([
    ['q8', false, 'Q8'],
    ['fp32', false, 'F16'],
    ['fp16', false, 'F16'],
    ['q8', true, 'F32'],
    ['fp32', true, 'F32'],
  ] as const)('stores the head of a %s pair (quick %s) as %s', (dtype, quick, stored) => {
    expect(benchHeadWeights(dtype, quick)).toBe(stored);
  });
});
