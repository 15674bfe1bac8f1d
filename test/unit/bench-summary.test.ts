/**
 * The bench summary reads each figure from the rows of its own case, ours over the peer of the same run, and gives
 * null for a figure whose case did not run; the goals table says by how much a goal is missed.
 */
import { describe, expect, it } from 'vitest';
import type { InferenceRow } from '../../bench/cases/native';
import type { BenchResults } from '../../bench/lib/report';
import type { Timing } from '../../bench/lib/stats';
import { SUMMARY_KEYS, summaryOf, summaryTable } from '../../bench/lib/summary';

const t = (median: number): Timing => ({ median, q1: median, q3: median, min: median, max: median, samples: [median] });

const OURS = 'ours: app worker, onnxruntime-web wasm-mt, 2 threads';
const TJS = 'transformers.js ASR pipeline (wasm, 2 threads)';
const NATIVE = 'onnxruntime-node (2 threads; head: tfjs-wasm)';

function row(runtime: string, dtype: string, seconds: number, asr: number, full: number | null, head: number | null) {
  return {
    runtime,
    dtype,
    seconds,
    asr: t(asr),
    full: full === null ? null : t(full),
    head: head === null ? null : t(head),
    transcriptChars: 10,
  } satisfies InferenceRow;
}

const EMPTY: BenchResults = {
  date: '2026-12-07',
  host: 'test',
  machine: {},
  options: {},
  inference: [],
  train: null,
  memory: [],
  load: null,
  profile: null,
  notes: [],
  errors: [],
};

const loadRow = (runtime: 'ours' | 'transformers.js', dtype: 'q8' | 'fp32', phase: 'cold' | 'warm', ms: number) => ({
  runtime,
  description: 'wasm-mt, 2 threads',
  dtype,
  phase,
  init: t(ms / 2),
  firstResult: t(ms),
  modelBytes: [364e6, 365e6],
  headBytes: [0],
  otherBytes: [0],
  modelMbit: [100],
  steps: [],
  ledger: [],
});

const FULL: BenchResults = {
  ...EMPTY,
  inference: [
    row(OURS, 'q8', 1, 200, 300, 90),
    row(OURS, 'q8', 10, 2300, 2700, 370),
    row(TJS, 'q8', 10, 2600, null, null),
    row(NATIVE, 'q8', 10, 400, 850, 420),
    row(OURS, 'fp32', 10, 3500, 3900, 420),
    row(TJS, 'fp32', 10, 3600, null, null),
    row(OURS.replace('wasm-mt, 2 threads', 'software WebGPU (SwiftShader)'), 'q8', 10, 1, 1, 1),
  ],
  memory: [
    { runtime: OURS, dtype: 'q8', what: 'inference: all', baselineMB: 1, afterLoadMB: 1, afterRunsMB: 1, peakMB: 1711 },
    { runtime: TJS, dtype: 'q8', what: 'inference: all', baselineMB: 1, afterLoadMB: 1, afterRunsMB: 1, peakMB: 1127 },
    {
      runtime: 'ours (tfjs-wasm, Node)',
      dtype: 'fp32',
      what: 'training step',
      baselineMB: 1,
      afterLoadMB: null,
      afterRunsMB: null,
      peakMB: 5304,
    },
  ],
  load: {
    bandwidthMbit: 100,
    clipSeconds: 5,
    rows: [
      loadRow('ours', 'q8', 'cold', 72_000),
      loadRow('ours', 'q8', 'warm', 20_000),
      loadRow('transformers.js', 'q8', 'cold', 32_000),
    ],
  },
};

describe('summaryOf', () => {
  it('gives every key, null where its case did not run', () => {
    const s = summaryOf(EMPTY);
    expect(Object.keys(s)).toEqual([...SUMMARY_KEYS]);
    expect(Object.values(s).every((v) => v === null)).toBe(true);
  });

  it.each([
    ['full_vs_transformersjs_int8', 2700 / 2600],
    ['full_vs_transformersjs_fp32', 3900 / 3600],
    ['browser_vs_native_int8', 2700 / 850],
    ['browser_vs_native_fp32', null],
    ['download_mb_int8', 365],
    ['download_mb_fp32', null],
    ['first_result_cold_vs_transformersjs_int8', 72 / 32],
    ['peak_mb_int8', 1711],
    ['peak_mb_fp32', null],
    ['head_ms_10s', 370],
    ['train_step_vs_pytorch', null],
    ['train_peak_mb', 5304],
  ] as const)('%s is read from its own rows', (key, expected) => {
    const value = summaryOf(FULL)[key];
    if (expected === null) expect(value).toBeNull();
    else expect(value).toBeCloseTo(expected, 2);
  });
});

describe('summaryTable', () => {
  it('says by how much a goal is missed and which figures were not measured', () => {
    const lines = summaryTable(summaryOf(FULL));
    expect(lines.find((l) => l.includes('`peak_mb_int8`'))).toMatch(/\| 1711 \| < 1536 \| no: 11 % over \|$/);
    expect(lines.find((l) => l.includes('`peak_mb_fp32`'))).toMatch(/not measured/);
    expect(lines.find((l) => l.includes('`full_vs_transformersjs_int8`'))).toMatch(/no: 15 % over/);
    expect(lines).toHaveLength(SUMMARY_KEYS.length + 2);
  });
});
