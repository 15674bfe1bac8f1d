/** The results file and the markdown tables printed after a run. */
import type { InferenceRow } from '../cases/native';
import type { TrainResult } from '../cases/train';
import { formatTiming, type Timing } from './stats';

/** Everything one `npm run bench` writes to bench/results/<date>-<host>.json. */
export interface BenchResults {
  readonly date: string;
  readonly host: string;
  readonly machine: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly inference: readonly InferenceRow[];
  readonly train: TrainResult | null;
  readonly notes: readonly string[];
  readonly errors: readonly string[];
}

const rtf = (t: Timing | null, seconds: number): string => (t === null ? '' : (t.median / (seconds * 1000)).toFixed(3));
const ratio = (a: Timing | null | undefined, b: Timing | null | undefined): string =>
  a == null || b == null ? '' : `${(a.median / b.median).toFixed(2)}x`;

/** Markdown tables: every inference row with its RTF, then the ratios per clip, then the training step. */
export function markdown(r: BenchResults): string {
  const lines: string[] = [];
  if (r.inference.length > 0) {
    lines.push('| runtime | dtype | clip | ASR ms, median (min-max) | ASR RTF | ASR + RoBERTa ms | full RTF |', '|---|---|---|---|---|---|---|');
    for (const row of r.inference) {
      lines.push(`| ${row.runtime} | ${row.dtype} | ${row.seconds} s | ${formatTiming(row.asr)} | ${rtf(row.asr, row.seconds)} | ${row.full === null ? '-' : formatTiming(row.full)} | ${rtf(row.full, row.seconds)} |`);
    }
    const find = (prefix: string, dtype: string, s: number): InferenceRow | undefined =>
      r.inference.find((x) => x.runtime.startsWith(prefix) && x.dtype === dtype && x.seconds === s);
    const keys = [...new Set(r.inference.map((x) => `${x.dtype}|${x.seconds}`))];
    const ratioLines = keys.flatMap((k) => {
      const [dtype = '', sec = '0'] = k.split('|');
      const s = Number(sec);
      const ours = find('ours', dtype, s);
      const tjs = find('transformers.js', dtype, s);
      const native = find('onnxruntime-node', dtype, s);
      if (ours === undefined) return [];
      return [`| ${dtype} | ${s} s | ${ratio(ours.asr, tjs?.asr)} | ${ratio(ours.full, tjs?.asr)} | ${ratio(ours.asr, native?.asr)} | ${ratio(ours.full, native?.full)} |`];
    });
    if (ratioLines.length > 0) {
      lines.push('', '| dtype | clip | ours ASR / transformers.js ASR | ours ASR+RoBERTa / transformers.js ASR | ours ASR / native ASR | ours full / native full |', '|---|---|---|---|---|---|', ...ratioLines);
    }
  }
  const t = r.train;
  if (t !== null) {
    const s = t.shape;
    lines.push('', `Training step, batch ${s.batch}, ${s.frames} audio frames, ${s.tokens} tokens, d=${s.hidden}, ${s.heads} heads, FFN ${s.ffn} (full loss, both views, AdamW):`, '');
    lines.push('| engine | ms per step, median (min-max) | ours / PyTorch |', '|---|---|---|');
    lines.push(`| ours (${t.ours.backend}, Node) | ${formatTiming(t.ours.step)} | ${'error' in t.torch ? '' : ratio(t.ours.step, t.torch.step)} |`);
    lines.push('error' in t.torch ? `| PyTorch CPU | failed: ${t.torch.error} | |` : `| PyTorch ${String(t.torch.setup.torch)} CPU (${String(t.torch.setup.threads)} threads, OpenBLAS 1 thread) | ${formatTiming(t.torch.step)} | |`);
  }
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  if (r.errors.length > 0) lines.push('', ...r.errors.map((e) => `- ERROR ${e}`));
  return lines.join('\n');
}
