/**
 * `npm run bench -- --summary`: the lean-and-fast figures of one run as a single JSON object (its last line) and a
 * goals table. Every ratio is ours over the peer measured in the same run; a figure whose case did not run, or did
 * not give it, is null, never a guess.
 */
import type { InferenceRow } from '../cases/native';
import type { BenchResults } from './report';

/** The summary's keys, in the order they are printed. */
export const SUMMARY_KEYS = [
  'full_vs_transformersjs_int8',
  'full_vs_transformersjs_fp32',
  'browser_vs_native_int8',
  'browser_vs_native_fp32',
  'download_mb_int8',
  'download_mb_fp32',
  'first_result_cold_vs_transformersjs_int8',
  'peak_mb_int8',
  'peak_mb_fp32',
  'head_ms_10s',
  'train_step_vs_pytorch',
  'train_peak_mb',
] as const;

export type SummaryKey = (typeof SUMMARY_KEYS)[number];
export type Summary = Record<SummaryKey, number | null>;

/** Each key's goal: the figure must not exceed `atMost` (`below`: must stay under it). */
export const GOALS: Record<SummaryKey, { readonly atMost: number; readonly below?: true; readonly what: string }> = {
  full_vs_transformersjs_int8: { atMost: 0.9, what: 'transcript + emotion vs transformers.js transcript, 10 s, int8' },
  full_vs_transformersjs_fp32: { atMost: 0.9, what: 'transcript + emotion vs transformers.js transcript, 10 s, fp32' },
  browser_vs_native_int8: { atMost: 3, what: 'browser vs onnxruntime-node, full pipeline, 10 s, int8' },
  browser_vs_native_fp32: { atMost: 3, what: 'browser vs onnxruntime-node, full pipeline, 10 s, fp32' },
  download_mb_int8: { atMost: 230, what: 'model MB fetched, int8 pair, cold' },
  download_mb_fp32: { atMost: Number.POSITIVE_INFINITY, what: 'model MB fetched, fp32 pair, cold (reported)' },
  first_result_cold_vs_transformersjs_int8: { atMost: 1.3, what: 'first result of a 5 s clip, cold, int8' },
  peak_mb_int8: { atMost: 1536, below: true, what: 'page renderer peak, int8 (MB)' },
  peak_mb_fp32: { atMost: 1536, below: true, what: 'page renderer peak, fp32 (MB)' },
  head_ms_10s: { atMost: 100, what: 'emotion head per 10 s clip in the page (ms)' },
  train_step_vs_pytorch: { atMost: 1.5, what: 'training step, batch 8, base-size head, vs PyTorch CPU' },
  train_peak_mb: { atMost: 2560, what: 'training peak memory, process (MB)' },
};

const INT8 = 'q8';
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
const isOurs = (r: { runtime: string }): boolean =>
  r.runtime.startsWith('ours: app worker') && !/WebGPU/.test(r.runtime);
const isTjs = (r: { runtime: string }): boolean => r.runtime.startsWith('transformers.js');
const isNative = (r: { runtime: string }): boolean => r.runtime.startsWith('onnxruntime-node');

/** The row of the 10 s clip in `rows` matching `pick`, for `dtype`; null when that clip was not measured. */
function at10(rows: readonly InferenceRow[], dtype: string, pick: (r: InferenceRow) => boolean): InferenceRow | null {
  const found = rows.filter((r) => r.dtype === dtype && r.seconds === 10 && pick(r));
  return found[0] ?? null;
}

function divide(a: number | null | undefined, b: number | null | undefined): number | null {
  return a == null || b == null || b === 0 ? null : round(a / b);
}

/** The summary of one run's results. */
export function summaryOf(r: BenchResults): Summary {
  const inf = r.inference;
  const perDtype = (dtype: string): { full: number | null; tjs: number | null; native: number | null } => ({
    full: at10(inf, dtype, isOurs)?.full?.median ?? null,
    tjs: at10(inf, dtype, isTjs)?.asr.median ?? null,
    native: at10(inf, dtype, isNative)?.full?.median ?? null,
  });
  const q8 = perDtype(INT8);
  const fp32 = perDtype('fp32');
  const cold = (runtime: 'ours' | 'transformers.js', dtype: string) =>
    r.load?.rows.find((row) => row.runtime === runtime && row.dtype === dtype && row.phase === 'cold') ?? null;
  const downloadMb = (dtype: string): number | null => {
    const bytes = cold('ours', dtype)?.modelBytes;
    return bytes === undefined || bytes.length === 0 ? null : round(Math.max(...bytes) / 1e6, 1);
  };
  const peak = (dtype: string): number | null =>
    r.memory.find((m) => isOurs(m) && m.dtype === dtype && m.what.startsWith('inference'))?.peakMB ?? null;
  const torch = r.train !== null && 'step' in r.train.torch ? r.train.torch.step.median : null;
  return {
    full_vs_transformersjs_int8: divide(q8.full, q8.tjs),
    full_vs_transformersjs_fp32: divide(fp32.full, fp32.tjs),
    browser_vs_native_int8: divide(q8.full, q8.native),
    browser_vs_native_fp32: divide(fp32.full, fp32.native),
    download_mb_int8: downloadMb(INT8),
    download_mb_fp32: downloadMb('fp32'),
    first_result_cold_vs_transformersjs_int8: divide(
      cold('ours', INT8)?.firstResult.median,
      cold('transformers.js', INT8)?.firstResult.median,
    ),
    peak_mb_int8: peak(INT8),
    peak_mb_fp32: peak('fp32'),
    // The head runs on the encoders' features whatever their dtype: the int8 row, else the fp32 one.
    head_ms_10s: ((x) => (x === null ? null : round(x, 1)))(
      at10(inf, INT8, isOurs)?.head?.median ?? at10(inf, 'fp32', isOurs)?.head?.median ?? null,
    ),
    train_step_vs_pytorch: divide(r.train?.ours.step.median, torch),
    train_peak_mb: r.memory.find((m) => m.what.startsWith('training') && m.runtime.startsWith('ours'))?.peakMB ?? null,
  };
}

/** One line per key: the figure, its goal, and by how much it is missed (markdown). */
export function summaryTable(s: Summary): string[] {
  return [
    '| figure | value | goal | met |',
    '|---|---|---|---|',
    ...SUMMARY_KEYS.map((k) => {
      const v = s[k];
      const g = GOALS[k];
      const goal = Number.isFinite(g.atMost) ? `${g.below === true ? '<' : '<='} ${String(g.atMost)}` : 'reported';
      const met =
        v === null
          ? 'not measured'
          : !Number.isFinite(g.atMost)
            ? ''
            : (g.below === true ? v < g.atMost : v <= g.atMost)
              ? 'yes'
              : `no: ${String(round((v / g.atMost - 1) * 100, 0))} % over`;
      return `| ${g.what} (\`${k}\`) | ${v === null ? 'n/a' : String(v)} | ${goal} | ${met} |`;
    }),
  ];
}
