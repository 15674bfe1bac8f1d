/** SpecAugment masking: spans of frames and bands become 0, the utterance prefix never does, and a seed replays. */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import type { FeatureMatrix } from '../../src/encoders/types';
import { maskFrames, specAugmentChunk, type SpecAugmentOptions } from '../../src/mmer/spec-augment';
import type { TrainExample } from '../../src/mmer/trainer';

/** rows × (stack × bands) of ones: every 0 afterwards was masked. */
const ones = (rows: number, dim: number): FeatureMatrix => ({ rows, dim, data: new Float32Array(rows * dim).fill(1) });
const zeroRows = (m: FeatureMatrix): number[] =>
  Array.from({ length: m.rows }, (_, r) => r).filter((r) =>
    m.data.subarray(r * m.dim, (r + 1) * m.dim).every((x) => x === 0),
  );
/** Columns that are 0 in every row from `from` on. */
const zeroCols = (m: FeatureMatrix, from: number): number[] =>
  Array.from({ length: m.dim }, (_, c) => c).filter((c) =>
    Array.from({ length: m.rows - from }, (_, i) => m.data[(from + i) * m.dim + c]).every((x) => x === 0),
  );

describe('SpecAugment masks', () => {
  const cases: {
    name: string;
    o: SpecAugmentOptions;
    rows: number;
    dim: number;
    skip: number;
    check: (m: FeatureMatrix) => void;
  }[] = [
    {
      name: 'time masks only: whole rows, never longer than the fraction allows, never in the prefix',
      o: { timeMasks: 3, maxTimeFraction: 0.2, freqMasks: 0, maxBands: 0, bands: 8 },
      rows: 56,
      dim: 32,
      skip: 6,
      check: (m) => {
        const z = zeroRows(m);
        expect(Array.from(z).filter((r) => r < 6)).toEqual([]);
        expect(z.length).toBeLessThanOrEqual(3 * Math.floor(0.2 * 50));
        expect(Array.from(m.data.subarray(0, 6 * 32)).filter((x) => x !== 1)).toEqual([]);
      },
    },
    {
      name: 'frequency masks only: the same bands in every stacked frame of every frame row',
      o: { timeMasks: 0, maxTimeFraction: 0, freqMasks: 2, maxBands: 3, bands: 8 },
      rows: 20,
      dim: 32,
      skip: 2,
      check: (m) => {
        const cols = zeroCols(m, 2);
        const bands = [...new Set(cols.map((c) => c % 8))];
        for (const b of bands) for (let slot = 0; slot < 4; slot++) expect(cols).toContain(slot * 8 + b);
        expect(bands.length).toBeLessThanOrEqual(6);
        expect(Array.from(m.data.subarray(0, 2 * 32)).filter((x) => x !== 1)).toEqual([]);
        expect(m.data.filter((x) => x === 0).length).toBe(cols.length * 18);
      },
    },
    {
      name: 'a clip that is all prefix is left alone',
      o: { timeMasks: 2, maxTimeFraction: 1, freqMasks: 2, maxBands: 8, bands: 8 },
      rows: 6,
      dim: 32,
      skip: 6,
      check: (m) => {
        expect(Array.from(m.data).filter((x) => x !== 1)).toEqual([]);
      },
    },
  ];
  it.each(cases)('$name', ({ o, rows, dim, skip, check }) => {
    let masked = 0;
    for (let seed = 0; seed < 20; seed++) {
      const input = ones(rows, dim);
      const m = maskFrames(input, o, skip, mulberry32(seed));
      expect(Array.from(input.data).filter((x) => x !== 1)).toEqual([]);
      check(m);
      masked += m.data.filter((x) => x === 0).length;
    }
    if (rows > skip) expect(masked).toBeGreaterThan(0);
  });

  it('masks both views of a step, the same way for the same seed and differently for another', () => {
    const o: SpecAugmentOptions = { timeMasks: 2, maxTimeFraction: 0.2, freqMasks: 2, maxBands: 4, bands: 8 };
    const clip = (): TrainExample => ({
      audio: ones(40, 32),
      text: ones(3, 4),
      label: 0,
      ctcTarget: null,
      augmented: { audio: ones(40, 32), text: ones(3, 4) },
    });
    const a = specAugmentChunk([clip(), clip()], o, 0, 7);
    const b = specAugmentChunk([clip(), clip()], o, 0, 7);
    const c = specAugmentChunk([clip(), clip()], o, 0, 8);
    expect(a.map((e) => Array.from(e.audio.data))).toEqual(b.map((e) => Array.from(e.audio.data)));
    expect(a.map((e) => Array.from(e.audio.data))).not.toEqual(c.map((e) => Array.from(e.audio.data)));
    expect(Array.from(a[0]?.augmented?.audio.data ?? []).filter((x) => x === 0)).not.toEqual([]);
    expect(Array.from(a[0]?.text.data ?? [0]).filter((x) => x !== 1)).toEqual([]);
  });
});
