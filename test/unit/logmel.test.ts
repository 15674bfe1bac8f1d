import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { DEFAULT_LOGMEL, logMel, melBandCentres } from '../../src/audio/logmel';
import { decodeWav } from '../../src/audio/wav';
import { stackFrames } from '../../src/encoders/lite';
import { ravdessSamples } from '../ravdess';
import { ravdessClip } from '../shared-data';

const RAVDESS_REL = 'Actor_01/03-01-01-01-01-01-01.wav';
const LOG_FLOOR = Math.log(1e-6);

/** Frames produced by wav2vec2's feature encoder (kernel, stride) stack for `n` input samples. */
function wav2vec2Frames(n: number): number {
  const stack = [
    [10, 5],
    [3, 2],
    [3, 2],
    [3, 2],
    [3, 2],
    [2, 2],
    [2, 2],
  ] as const;
  return stack.reduce((len, [k, s]) => Math.floor((len - k) / s) + 1, n);
}

function tone(freq: number, n: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / 16000));
}

function noise(n: number): Float32Array {
  let s = 99;
  return Float32Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  });
}

function argmaxBand(data: Float32Array, frame: number, dim: number): number {
  let best = 0;
  for (let m = 1; m < dim; m++) if ((data[frame * dim + m] ?? 0) > (data[frame * dim + best] ?? 0)) best = m;
  return best;
}

describe('logMel frame count', () => {
  it.each([
    { n: 0, frames: 0 },
    { n: 399, frames: 0 },
    { n: 400, frames: 1 },
    { n: 719, frames: 1 },
    { n: 720, frames: 2 },
    { n: 16000, frames: 49 },
    { n: 32000, frames: 99 },
    { n: 38229, frames: 119 },
  ])('$n samples -> $frames frames', ({ n, frames }) => {
    const out = logMel(new Float32Array(n));
    expect(out.frames).toBe(frames);
    expect(out.dim).toBe(80);
    expect(out.data.length).toBe(frames * 80);
  });

  it('equals the wav2vec2 conv-stack frame count for every length from 400 to 40000', () => {
    const mismatches: number[] = [];
    for (let n = 400; n <= 40000; n++) {
      const frames = Math.floor((n - DEFAULT_LOGMEL.winLength) / DEFAULT_LOGMEL.hop) + 1;
      if (frames !== wav2vec2Frames(n)) mismatches.push(n);
    }
    expect(mismatches).toEqual([]);
    expect(logMel(new Float32Array(12345)).frames).toBe(wav2vec2Frames(12345));
  });
});

describe('logMel spectra', () => {
  it.each([250, 1000, 3000, 6500])('a %s Hz tone peaks in the band centred nearest to it', (freq) => {
    const centres = melBandCentres();
    let nearest = 0;
    centres.forEach((c, m) => {
      if (Math.abs(c - freq) < Math.abs((centres[nearest] ?? 0) - freq)) nearest = m;
    });
    const { frames, dim, data } = logMel(tone(freq, 8000));
    expect(frames).toBeGreaterThan(0);
    for (let f = 0; f < frames; f++) expect(argmaxBand(data, f, dim)).toBe(nearest);
  });

  it('puts a 1 kHz tone far above the bands an octave away', () => {
    const centres = melBandCentres();
    const band = (hz: number): number => centres.findIndex((c) => c >= hz);
    const { dim, data } = logMel(tone(1000, 4000));
    const at = (m: number): number => data[2 * dim + m] ?? NaN;
    expect(at(band(1000)) - at(band(2000))).toBeGreaterThan(10);
    expect(at(band(1000)) - at(band(500))).toBeGreaterThan(10);
  });

  it('matches a naive DFT with an HTK triangular filterbank', () => {
    const x = noise(400 + 320);
    const mel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
    const hz = (m: number): number => 700 * (10 ** (m / 2595) - 1);
    const edges = Array.from({ length: 82 }, (_, i) => hz(mel(20) + ((mel(8000) - mel(20)) * i) / 81));
    const { data } = logMel(x);
    for (const frame of [0, 1]) {
      const power = Array.from({ length: 257 }, (_, k) => {
        let re = 0;
        let im = 0;
        for (let i = 0; i < 400; i++) {
          const v = (x[frame * 320 + i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 400));
          re += v * Math.cos((2 * Math.PI * k * i) / 512);
          im -= v * Math.sin((2 * Math.PI * k * i) / 512);
        }
        return re * re + im * im;
      });
      for (let m = 0; m < 80; m++) {
        const [lo, c, hi] = [edges[m] ?? 0, edges[m + 1] ?? 0, edges[m + 2] ?? 0];
        const energy = power.reduce((sum, p, k) => {
          const f = (k * 16000) / 512;
          return sum + p * Math.max(0, Math.min((f - lo) / (c - lo), (hi - f) / (hi - c)));
        }, 0);
        expect(data[frame * 80 + m]).toBeCloseTo(Math.log(energy + 1e-6), 4);
      }
    }
  });

  it('gives log(1e-6) for silence', () => {
    const { data } = logMel(new Float32Array(4000));
    for (const v of data) expect(v).toBeCloseTo(LOG_FLOOR, 5);
  });

  it('lifts every band above the floor for white noise (no empty filters)', () => {
    const { data } = logMel(noise(4000));
    for (const v of data) expect(v).toBeGreaterThan(LOG_FLOOR + 5);
  });

  it('scales with power: doubling the amplitude adds log(4)', () => {
    const x = noise(2000);
    const a = logMel(x).data;
    const b = logMel(x.map((v) => 2 * v)).data;
    a.forEach((v, i) => {
      expect((b[i] ?? NaN) - v).toBeCloseTo(Math.log(4), 3);
    });
  });

  it('respects options', () => {
    const out = logMel(noise(8000), { nMels: 40, hop: 160, winLength: 400, nFft: 1024 });
    expect([out.frames, out.dim, out.data.length]).toEqual([48, 40, 48 * 40]);
  });

  it.each([{ nFft: 500 }, { winLength: 1024 }, { hop: 0 }, { fMax: 9000 }, { nMels: 0 }])(
    'rejects invalid options %o',
    (options) => {
      expect(() => logMel(new Float32Array(1000), options)).toThrow(AppError);
    },
  );
});

describe('melBandCentres', () => {
  it('follows the HTK mel scale between 20 Hz and 8 kHz', () => {
    const mel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
    const centres = melBandCentres();
    expect(centres.length).toBe(80);
    const step = (mel(8000) - mel(20)) / 81;
    expect(mel(centres[0] ?? 0)).toBeCloseTo(mel(20) + step, 6);
    expect(mel(centres[79] ?? 0)).toBeCloseTo(mel(8000) - step, 6);
  });
});

describe('a real RAVDESS clip', () => {
  it("gives wav2vec2's frame count (from the WAV header's samples) x 80 finite values with speech above the floor", () => {
    const wav = decodeWav(readFileSync(ravdessClip(RAVDESS_REL)));
    const out = logMel(wav.channels[0] ?? new Float32Array(0));
    const frames = wav2vec2Frames(ravdessSamples(RAVDESS_REL));
    expect(frames).toBeGreaterThan(0);
    expect([out.frames, out.dim]).toEqual([frames, 80]);
    expect(Array.from(out.data).filter((v) => !Number.isFinite(v))).toEqual([]);
    expect(Math.max(...out.data)).toBeGreaterThan(0);
  });
});

describe('stackFrames (lite audio encoder)', () => {
  const m = { frames: 5, dim: 2, data: Float32Array.from({ length: 10 }, (_, i) => i) };
  const cases: readonly { k: number; frames: number; dim: number; data: number[] }[] = [
    { k: 1, frames: 5, dim: 2, data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
    { k: 2, frames: 2, dim: 4, data: [0, 1, 2, 3, 4, 5, 6, 7] },
    { k: 3, frames: 1, dim: 6, data: [0, 1, 2, 3, 4, 5] },
    { k: 6, frames: 0, dim: 12, data: [] },
  ];
  it.each(cases)('k = $k joins consecutive frames and drops the partial tail', ({ k, frames, dim, data }) => {
    const out = stackFrames(m, k);
    expect({ frames: out.frames, dim: out.dim, data: Array.from(out.data) }).toEqual({ frames, dim, data });
  });
  it.each([0, 1.5, -2])('refuses k = %s', (k) => {
    expect(() => stackFrames(m, k)).toThrow(/positive integer/);
  });
});
