/**
 * Weight-free utterance features (src/encoders/utterance): layout, the statistics and peak helpers on hand-worked
 * cases, behaviour on synthetic signals, agreement with the numpy/scipy reference (tools/reference/
 * utterance_features.py, fixture committed so no Python is needed) and plausible values on a real RAVDESS clip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameAnalyser, logMel } from '../../src/audio/logmel';
import { decodeWav } from '../../src/audio/wav';
import { parseMetadata } from '../../src/data/metadata';
import {
  UTTERANCE_DIM,
  UTTERANCE_FEATURE_NAMES,
  UTTERANCE_GROUPS,
  utteranceFeatures,
  type UtteranceGroup,
} from '../../src/encoders/utterance';
import { findPeaks } from '../../src/encoders/utterance/peaks';
import { meanSd, percentile, sevenStats } from '../../src/encoders/utterance/stats';
import { RAVDESS_DIR } from '../shared-data';

interface Fixture {
  readonly cases: readonly {
    readonly kind: SyntheticKind;
    readonly samples: number;
    readonly features: readonly (number | null)[];
  }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/utterance-features-synthetic.json', import.meta.url), 'utf8'),
) as Fixture;

const SR = 16000;
const idx = (name: string): number => {
  const i = UTTERANCE_FEATURE_NAMES.indexOf(name);
  if (i < 0) throw new Error(`no feature ${name}`);
  return i;
};
const value = (v: Float32Array, name: string): number => v[idx(name)] ?? Number.NaN;
const semitones = (hz: number): number => 12 * Math.log2(hz / 27.5);

/** 31-bit LCG (glibc constants) in [-1, 1), the same stream as the Python reference's `synthetic`. */
function lcgNoise(n: number): Float64Array {
  const out = new Float64Array(n);
  let state = 12345;
  for (let k = 0; k < n; k++) {
    // Math.imul keeps the low 32 bits exactly; the product itself would overflow a double's 53-bit mantissa.
    state = (Math.imul(1103515245, state) + 12345) & 0x7fffffff;
    out[k] = state / 1073741824 - 1;
  }
  return out;
}

type SyntheticKind = 'harmonic-glide' | 'tone-in-silence' | 'noise-bursts';

/** The fixture's signals, with the Python expressions' order of operations so that the float64 values agree. */
function synthetic(kind: SyntheticKind, n: number): Float32Array {
  const noise = lcgNoise(n);
  const x = new Float32Array(n);
  let cumulative = 0;
  for (let i = 0; i < n; i++) {
    const r = noise[i] ?? 0;
    if (kind === 'harmonic-glide') {
      cumulative += 140 + (80 * i) / n;
      const phase = (2 * Math.PI * cumulative) / SR;
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * i * 3) / n);
      x[i] = env * (0.4 * Math.sin(phase) + 0.2 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase)) + 0.003 * r;
    } else if (kind === 'tone-in-silence') {
      x[i] = (i >= 4000 && i < 12000 ? 0.3 * Math.sin((2 * Math.PI * 200 * i) / SR) : 0) + 0.0005 * r;
    } else {
      x[i] = 0.2 * r * (Math.floor(i / 2400) % 2 === 0 ? 1 : 0) + 0.002 * r;
    }
  }
  return x;
}

describe('utterance feature layout', () => {
  const sizes: Record<UtteranceGroup, number> = {
    f0: 9,
    voiceQuality: 18,
    energy: 21,
    rate: 9,
    mfcc: 143,
    dmfcc: 91,
    spectralShape: 42,
    spectralBalance: 63,
    logmelStats: 240,
  };

  it('has 636 unique names and contiguous groups of the spec sizes, b (396) before a (240)', () => {
    expect(UTTERANCE_DIM).toBe(636);
    expect(UTTERANCE_FEATURE_NAMES).toHaveLength(636);
    expect(new Set(UTTERANCE_FEATURE_NAMES).size).toBe(636);
    let at = 0;
    for (const [group, [start, end]] of Object.entries(UTTERANCE_GROUPS)) {
      expect(start, group).toBe(at);
      expect(end - start, group).toBe(sizes[group as UtteranceGroup]);
      at = end;
    }
    expect(at).toBe(636);
    expect(UTTERANCE_GROUPS.logmelStats).toEqual([396, 636]);
    expect(Object.keys(UTTERANCE_GROUPS)).toEqual(Object.keys(sizes));
  });
});

describe('statistics helpers', () => {
  it.each([
    { values: [1, 2, 3, 4], p: 10, expected: 1.3 },
    { values: [1, 2, 3, 4], p: 50, expected: 2.5 },
    { values: [4, 1, 3, 2], p: 90, expected: 3.7 },
    { values: [7], p: 98, expected: 7 },
    { values: [1, 3, 2, 5], p: 2, expected: 1.06 },
    { values: [1, 3, 2, 5], p: 0, expected: 1 },
    { values: [1, 3, 2, 5], p: 100, expected: 5 },
  ])('percentile($values, $p) = $expected (numpy linear)', ({ values, p, expected }) => {
    expect(percentile(values, p)).toBeCloseTo(expected, 12);
  });

  it.each([
    // mean, SD, P10, P50, P90, slope per second, P98 - P2
    { y: [1, 3, 2, 5], frames: [0, 1, 2, 3], expected: [2.75, Math.sqrt(2.1875), 1.3, 2.5, 4.4, 110, 3.82] },
    // Frames 0 and 10 lie 0.1 s apart, so a rise of 1 is a slope of 10 per second.
    { y: [0, 1], frames: [0, 10], expected: [0.5, 0.5, 0.1, 0.5, 0.9, 10, 0.96] },
    { y: [4, 4, 4], frames: [3, 4, 5], expected: [4, 0, 4, 4, 4, 0, 0] },
  ])('7 stats of $y at frames $frames', ({ y, frames, expected }) => {
    const track = new Float64Array(Math.max(...frames) + 1);
    frames.forEach((f, i) => (track[f] = y[i] ?? 0));
    const out = new Float64Array(9).fill(-1);
    sevenStats(track, frames, 0.01, out, 1);
    expect(out[0]).toBe(-1);
    expect(out[8]).toBe(-1);
    expected.forEach((e, i) => {
      expect(out[1 + i], `stat ${i}`).toBeCloseTo(e, 9);
    });
  });

  it.each([{ frames: [] }, { frames: [2] }])('7 stats of fewer than 2 frames ($frames) are missing', ({ frames }) => {
    const out = new Float64Array(7);
    sevenStats(Float64Array.from([1, 2, 3]), frames, 0.01, out, 0);
    expect(Array.from(out).filter((v) => !Number.isNaN(v))).toEqual([]);
  });

  it.each([
    { values: [], expected: [Number.NaN, Number.NaN] },
    { values: [3], expected: [3, 0] },
    { values: [1, 2, 3, 6], expected: [3, Math.sqrt(3.5)] },
  ])('meanSd($values)', ({ values, expected }) => {
    // toEqual treats NaN as equal to NaN; the finite cases are computed exactly.
    expect(meanSd(values)).toEqual(expected);
  });
});

describe('findPeaks (scipy.signal.find_peaks semantics; expected values from scipy 1.17)', () => {
  const x = [0, 5, 1, 4, 0, 0, 6, 6, 6, 0, 2, 0, 3, 2.5, 3.5, 0];
  it.each([
    { x, options: {}, expected: [1, 3, 7, 10, 12, 14] },
    { x, options: { distance: 3 }, expected: [1, 7, 10, 14] },
    { x, options: { prominence: 3 }, expected: [1, 3, 7, 14] },
    { x, options: { prominence: 3, distance: 3 }, expected: [1, 7, 14] },
    // Distance runs before prominence: the high but shallow peak at 3 removes the prominent one at 1, then goes itself.
    { x: [0, 6, 0, 8, 7.5, 7.6, 7.7, 10, 0], options: { prominence: 3, distance: 3 }, expected: [7] },
    { x: [0, 6, 0, 8, 7.5, 7.6, 7.7, 10, 0], options: { prominence: 3 }, expected: [1, 7] },
    // Plateaus count once, at their middle sample (rounded down).
    { x: [0, 2, 2, 2, 0, 1, 1, 0, 3, 3, 0], options: {}, expected: [2, 5, 8] },
    { x: [3, 1, 3], options: {}, expected: [] },
  ])('find_peaks($x, $options) = $expected', ({ x: signal, options, expected }) => {
    expect(findPeaks(signal, options)).toEqual(expected);
  });
});

describe('frameAnalyser', () => {
  it('reproduces logMel frame by frame (log of its mel energies + 1e-6)', () => {
    const pcm = synthetic('harmonic-glide', 4000);
    const ref = logMel(pcm, { hop: 160 });
    const a = frameAnalyser({ hop: 160 });
    const power = new Float64Array(257);
    const mel = new Float64Array(80);
    for (const f of [0, 7, ref.frames - 1]) {
      a.power(pcm, f * 160, power);
      a.mel(power, mel);
      for (let m = 0; m < 80; m++) expect(Math.fround(Math.log((mel[m] ?? 0) + 1e-6))).toBe(ref.data[f * 80 + m]);
    }
  });
});

describe('utteranceFeatures on synthetic signals', () => {
  const silence = (n: number): Float32Array => new Float32Array(n);
  const tone200 = (): Float32Array => {
    const x = new Float32Array(16000);
    for (let i = 4000; i < 12000; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 200 * i) / SR);
    return x;
  };
  const whiteNoise = (): Float32Array => Float32Array.from(lcgNoise(16000), (v) => 0.3 * v);

  it.each([
    {
      name: '200 Hz sine in silence',
      make: tone200,
      check: (v: Float32Array) => {
        expect(value(v, 'f0_st_p50')).toBeCloseTo(semitones(200), 1);
        expect(value(v, 'f0_st_mean')).toBeCloseTo(semitones(200), 1);
        expect(value(v, 'f0_st_sd')).toBeLessThan(0.05);
        expect(value(v, 'voiced_fraction')).toBeGreaterThan(0.9);
        // 8000 tone samples touch 53 frames; silent frames sit at -100 dBFS and are no speech.
        expect(value(v, 'speech_duration_s')).toBeCloseTo(0.53, 1);
        expect(value(v, 'hnr_db_p50')).toBeGreaterThan(20);
        expect(value(v, 'energy_db_p50')).toBeCloseTo(10 * Math.log10(0.045), 1);
        expect(value(v, 'centroid_hz_p50')).toBeGreaterThan(150);
        expect(value(v, 'centroid_hz_p50')).toBeLessThan(260);
      },
    },
    {
      name: 'white noise',
      make: whiteNoise,
      check: (v: Float32Array) => {
        for (const s of ['mean', 'sd', 'p10', 'p50', 'p90', 'slope', 'range']) expect(value(v, `f0_st_${s}`)).toBeNaN();
        expect(value(v, 'voiced_fraction')).toBe(0);
        expect(value(v, 'f0_rise_mean_st')).toBe(0);
        expect(value(v, 'voicing_prob_p50')).toBeLessThan(0.3);
        // Flat energy fails the P5 + 6 dB test everywhere, so the median fallback keeps about half the frames.
        expect(value(v, 'speech_fraction')).toBeGreaterThan(0.4);
        expect(value(v, 'speech_fraction')).toBeLessThan(0.6);
        expect(value(v, 'flatness_db_p50')).toBeGreaterThan(-8);
        expect(value(v, 'zcr_p50')).toBeCloseTo(0.5, 1);
      },
    },
    {
      name: 'digital silence',
      make: () => silence(8000),
      check: (v: Float32Array) => {
        expect(value(v, 'speech_fraction')).toBe(1);
        expect(value(v, 'voiced_fraction')).toBe(0);
        expect(value(v, 'energy_db_mean')).toBeCloseTo(-100, 4);
        expect(value(v, 'logmel0_mean')).toBeCloseTo(Math.log(1e-6), 4);
      },
    },
    {
      name: 'one frame (400 samples)',
      make: () => whiteNoise().subarray(0, 400),
      check: (v: Float32Array) => {
        expect(value(v, 'energy_db_mean')).toBeNaN();
        expect(value(v, 'speech_duration_s')).toBeCloseTo(0.01, 6);
        expect(value(v, 'logmel10_sd')).toBe(0);
        expect(value(v, 'logmel10_mean')).toBe(value(v, 'logmel10_max'));
      },
    },
    ...[0, 1, 399].map((n) => ({
      name: `too short (${n} samples)`,
      make: () => silence(n),
      check: (v: Float32Array) => {
        expect(v).toHaveLength(636);
        expect(Array.from(v).filter((v) => !Number.isNaN(v))).toEqual([]);
      },
    })),
  ])('$name', ({ make, check }) => {
    const v = utteranceFeatures(make());
    expect(v).toHaveLength(UTTERANCE_DIM);
    check(v);
  });
});

describe('agreement with the numpy/scipy reference (test/fixtures/utterance-features-synthetic.json)', () => {
  it.each(fixture.cases)('$kind ($samples samples)', ({ kind, samples, features }) => {
    const v = utteranceFeatures(synthetic(kind, samples));
    expect(features).toHaveLength(UTTERANCE_DIM);
    const bad: string[] = [];
    features.forEach((ref, i) => {
      const got = v[i] ?? Number.NaN;
      const name = UTTERANCE_FEATURE_NAMES[i] ?? String(i);
      if (ref === null) {
        if (!Number.isNaN(got)) bad.push(`${name}: ${got} vs missing`);
      } else if (!(Math.abs(got - ref) <= 1e-4 * Math.max(1, Math.abs(ref)))) {
        bad.push(`${name}: ${got} vs ${ref}`);
      }
    });
    expect(bad).toEqual([]);
  });
});

describe('utteranceFeatures on a real RAVDESS clip', () => {
  it('gives plausible values for a male actor (Actor_01, from metadata.csv)', () => {
    const clips = parseMetadata(readFileSync(join(RAVDESS_DIR, 'metadata.csv'), 'utf8'));
    const clip = clips.find((c) => c.speaker === '01' && c.emotion === 'angry');
    if (!clip) throw new Error('no Actor_01 angry clip in metadata.csv');
    const pcm = decodeWav(readFileSync(join(RAVDESS_DIR, clip.path))).channels[0] ?? new Float32Array();
    const v = utteranceFeatures(pcm);
    const seconds = pcm.length / SR;
    expect(Array.from(v).filter(Number.isFinite).length).toBeGreaterThanOrEqual(630);
    const medianHz = 27.5 * 2 ** (value(v, 'f0_st_p50') / 12);
    expect(medianHz).toBeGreaterThan(70);
    expect(medianHz).toBeLessThan(250);
    expect(value(v, 'speech_duration_s')).toBeGreaterThan(0.8);
    expect(value(v, 'speech_duration_s')).toBeLessThan(seconds);
    expect(value(v, 'voiced_fraction')).toBeGreaterThan(0.2);
    expect(value(v, 'voiced_fraction')).toBeLessThan(1);
    expect(value(v, 'voiced_segments_per_s')).toBeGreaterThan(1);
    expect(value(v, 'energy_peaks_per_s')).toBeGreaterThan(1);
    expect(value(v, 'energy_peaks_per_s')).toBeLessThan(12);
    expect(value(v, 'energy_db_p90')).toBeLessThan(0);
    expect(value(v, 'energy_db_p90')).toBeGreaterThan(value(v, 'energy_db_p10'));
    expect(value(v, 'centroid_hz_p50')).toBeGreaterThan(100);
    expect(value(v, 'centroid_hz_p50')).toBeLessThan(4000);
    expect(value(v, 'jitter_mean')).toBeLessThan(0.1);
  });
});
