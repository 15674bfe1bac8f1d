import { describe, expect, it } from 'vitest';
import { classMetrics } from '../../src/mmer/metrics';

describe('classMetrics', () => {
  it('tells UA (mean recall) from WA (accuracy) on an imbalanced set', () => {
    // 8 clips of class 0, 2 of class 1; a model that always says 0.
    const truth = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    const m = classMetrics(truth, new Array<number>(10).fill(0), 2);
    expect(m.wa).toBeCloseTo(0.8, 12);
    expect(m.ua).toBeCloseTo(0.5, 12);
    expect(m.recall).toEqual([1, 0]);
    expect(m.confusion).toEqual([
      [8, 0],
      [2, 0],
    ]);
    // F1: class 0 = 2*8/(8+10) = 0.888..., class 1 = 0.
    expect(m.macroF1).toBeCloseTo((16 / 18 + 0) / 2, 12);
  });

  it('handles a hand-worked three-class case', () => {
    const truth = [0, 0, 1, 1, 1, 2];
    const pred = [0, 1, 1, 1, 2, 2];
    const m = classMetrics(truth, pred, 3);
    expect(m.wa).toBeCloseTo(4 / 6, 12);
    expect(m.recall).toEqual([0.5, 2 / 3, 1]);
    expect(m.ua).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    // F1 per class: 2*1/(2+1), 2*2/(3+3), 2*1/(1+2).
    expect(m.macroF1).toBeCloseTo((2 / 3 + 4 / 6 + 2 / 3) / 3, 12);
  });

  it('leaves a class absent from the truth out of UA, and says so with null', () => {
    const m = classMetrics([0, 0, 1], [0, 0, 1], 3);
    expect(m.recall).toEqual([1, 1, null]);
    expect(m.ua).toBe(1);
  });

  it('rejects mismatched lengths and out-of-range classes', () => {
    expect(() => classMetrics([0, 1], [0], 2)).toThrow(/2 labels but 1 predictions/);
    expect(() => classMetrics([0, 3], [0, 0], 2)).toThrow(/out of range at 1/);
  });
});
