/** The results file and the markdown tables printed after a run. */
import type { EmbeddedResult } from '../cases/embedded';
import { timelineTable, type TimelineResult } from '../cases/timeline';
import type { FlopsResult } from '../cases/flops';
import type { LoadResult } from '../cases/load';
import type { InferenceRow } from '../cases/native';
import type { ProfileResult } from '../cases/profile';
import type { TrainResult } from '../cases/train';
import type { MemoryRow } from './memory';
import { formatTiming, type Timing } from './stats';

/** Everything one `npm run bench` writes to bench/results/<date>-<host>.json. */
export interface BenchResults {
  readonly date: string;
  readonly host: string;
  readonly machine: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly inference: readonly InferenceRow[];
  readonly train: TrainResult | null;
  /** Case 3: memory, measured alongside cases 1 and 2. */
  readonly memory: readonly MemoryRow[];
  /** Case 4 (model load); null when not run. */
  readonly load: LoadResult | null;
  /** Where the browser's time goes (null when not run). */
  readonly profile: ProfileResult | null;
  /** Case 5 (FLOPs and achieved GFLOP/s); null or absent when not run. */
  readonly flops?: FlopsResult | null;
  /** The out-of-the-box experience: embedded default pair vs the ONNX pair; null or absent when not run. */
  readonly embedded?: EmbeddedResult | null;
  /** Long recordings on the CLI: time, real-time factor, peak memory per file length; null or absent when not run. */
  readonly timeline?: TimelineResult | null;
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
    lines.push(
      '| runtime | dtype | clip | ASR ms, median (min-max) | ASR RTF | emotion head ms | ASR + RoBERTa + head ms | full RTF |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const row of r.inference) {
      lines.push(
        `| ${row.runtime} | ${row.dtype} | ${row.seconds} s | ${formatTiming(row.asr)} | ${rtf(row.asr, row.seconds)} | ${row.head === null ? '-' : formatTiming(row.head)} | ${row.full === null ? '-' : formatTiming(row.full)} | ${rtf(row.full, row.seconds)} |`,
      );
    }
    const find = (prefix: string, dtype: string, s: number): InferenceRow | undefined =>
      r.inference.find((x) => x.runtime.startsWith(prefix) && x.dtype === dtype && x.seconds === s);
    const keys = [...new Set(r.inference.map((x) => `${x.dtype}|${x.seconds}`))];
    const ratioLines = keys.flatMap((k) => {
      const [dtype = '', sec = '0'] = k.split('|');
      const s = Number(sec);
      const ours = find('ours: app worker, onnxruntime-web wasm', dtype, s);
      const tjs = find('transformers.js', dtype, s);
      const native = find('onnxruntime-node', dtype, s);
      if (ours === undefined) return [];
      return [
        `| ${dtype} | ${s} s | ${ratio(ours.asr, tjs?.asr)} | ${ratio(ours.full, tjs?.asr)} | ${ratio(ours.asr, native?.asr)} | ${ratio(ours.full, native?.full)} |`,
      ];
    });
    if (ratioLines.length > 0) {
      lines.push(
        '',
        '| dtype | clip | ours ASR / transformers.js ASR | ours full (ASR+RoBERTa+head) / transformers.js ASR | ours ASR / native ASR | ours full / native full |',
        '|---|---|---|---|---|---|',
        ...ratioLines,
      );
    }
  }
  const t = r.train;
  if (t !== null) {
    const s = t.shape;
    lines.push(
      '',
      `Training step, batch ${s.batch}, ${s.frames} audio frames, ${s.tokens} tokens, d=${s.hidden}, ${s.heads} heads, FFN ${s.ffn} (full loss, both views, AdamW):`,
      '',
    );
    lines.push('| engine | ms per step, median (min-max) | ours / PyTorch |', '|---|---|---|');
    lines.push(
      `| ours (${t.ours.backend}, Node) | ${formatTiming(t.ours.step)} | ${'error' in t.torch ? '' : ratio(t.ours.step, t.torch.step)} |`,
    );
    lines.push(
      'error' in t.torch
        ? `| PyTorch CPU | failed: ${t.torch.error} | |`
        : `| PyTorch ${String(t.torch.setup.torch)} CPU (${String(t.torch.setup.threads)} threads, OpenBLAS 1 thread) | ${formatTiming(t.torch.step)} | |`,
    );
    // The kernel behind most of the step (bench/profile-train.ts: BatchMatMul ~74 % of it), alone on each engine.
    const mm = t.oursMatmul;
    const peer =
      'error' in t.torch ? undefined : (t.torch.setup.matmul as { bestMs: number; gflops: number } | undefined);
    lines.push(
      '',
      `The step's FFN product [${String(mm.m)}x${String(mm.k)}]x[${String(mm.k)}x${String(mm.n)}] alone, best of 5:`,
      '',
    );
    lines.push(
      '| engine | ms | GFLOP/s |',
      '|---|---|---|',
      `| ours (${t.ours.backend}) | ${mm.bestMs.toFixed(1)} | ${mm.gflops.toFixed(1)} |`,
    );
    if (peer !== undefined)
      lines.push(`| PyTorch (OpenBLAS, 1 thread) | ${peer.bestMs.toFixed(1)} | ${peer.gflops.toFixed(1)} |`);
  }
  if (r.memory.length > 0) {
    lines.push(
      '',
      'Memory (MB = 2^20 bytes; goal: peak < 1.5 GB = 1536 MB):',
      '',
      '| runtime | dtype | what | before | loaded | after runs | peak | peak: load / runs |',
      '|---|---|---|---|---|---|---|---|',
    );
    const n = (x: number | null | undefined): string => (x == null ? 'n/a' : String(x));
    for (const m of r.memory) {
      const phases = m.phasePeakMB === undefined ? '' : `${n(m.phasePeakMB.load)} / ${n(m.phasePeakMB.runs)}`;
      lines.push(
        `| ${m.runtime} | ${m.dtype} | ${m.what} | ${n(m.baselineMB)} | ${n(m.afterLoadMB)} | ${n(m.afterRunsMB)} | ${n(m.peakMB)} | ${phases} |`,
      );
    }
  }
  if (r.load !== null) lines.push('', ...loadTable(r.load));
  if (r.profile !== null) lines.push('', ...profileTable(r.profile));
  if (r.flops != null) lines.push('', ...flopsTables(r.flops));
  if (r.embedded != null) lines.push('', ...embeddedTables(r.embedded));
  if (r.timeline != null) lines.push('', ...timelineTable(r.timeline));
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  if (r.errors.length > 0) lines.push('', ...r.errors.map((e) => `- ERROR ${e}`));
  return lines.join('\n');
}

/**
 * Case 4: one row per runtime, dtype and phase. "Beyond the wire" takes the throttled download time of the bytes
 * actually sent off the first result, the part a runtime controls: ours downloads RoBERTa too, so totals differ by
 * design.
 */
function loadTable(l: LoadResult): string[] {
  const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
  const wireMs = (bytes: number): number => (bytes * 8) / (l.bandwidthMbit * 1e3);
  const lines = [
    `Model load, time to the first result of a ${l.clipSeconds} s clip (model files at ${l.bandwidthMbit} Mbit/s; warm = page reloaded, same profile):`,
    '',
    '| runtime | dtype | load | init ms, median (min-max) | first result ms | beyond the wire ms | model MB | other MB | first result, ours / transformers.js |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of l.rows) {
    const peer = l.rows.find((x) => x.runtime === 'transformers.js' && x.dtype === row.dtype && x.phase === row.phase);
    const bytes = median(row.modelBytes);
    const name = row.runtime === 'ours' ? `ours (${row.description})` : `transformers.js ASR (${row.description})`;
    const mb = (b: number): string => (b / 1e6).toFixed(1);
    lines.push(
      `| ${name} | ${row.dtype} | ${row.phase} | ${formatTiming(row.init)} | ${formatTiming(row.firstResult)} | ${(row.firstResult.median - wireMs(bytes)).toFixed(0)} | ${mb(bytes)} | ${mb(median(row.otherBytes))} | ${row.runtime === 'ours' ? ratio(row.firstResult, peer?.firstResult) : ''} |`,
    );
  }
  return lines;
}

/** The embedded case: stop to emotion per clip, then page load to ready, each side beside the other. */
function embeddedTables(e: EmbeddedResult): string[] {
  const side = (k: string): string => {
    const i = e.sides.find((x) => x.side === k);
    return i === undefined ? k : `${i.pair}${i.dtype === 'none' ? '' : ` ${i.dtype}`} (${i.scorer ?? 'no head'})`;
  };
  const [a, b] = ['embedded', 'onnx'].map(side);
  const backend = e.sides[0]?.description.split(' (')[0] ?? '';
  const lines = [
    `Stop to emotion: 16 kHz PCM handed to the app's worker to its emotion scores (${backend}); A = ${a ?? ''}, B = ${b ?? ''}:`,
    '',
    '| clip | A ms, median (min-max) | A audio / text / head ms | B ms, median (min-max) | B audio / text / head ms | B / A |',
    '|---|---|---|---|---|---|',
  ];
  const parts = (r: EmbeddedResult['stop'][number]): string =>
    [r.audio, r.text, r.head].map((t) => t.median.toFixed(t.median >= 100 ? 0 : 1)).join(' / ');
  for (const s of [...new Set(e.stop.map((r) => r.seconds))]) {
    const x = e.stop.find((r) => r.seconds === s && r.side === 'embedded');
    const y = e.stop.find((r) => r.seconds === s && r.side === 'onnx');
    lines.push(
      `| ${s} s | ${x ? formatTiming(x.stop) : ''} | ${x ? parts(x) : ''} | ${y ? formatTiming(y.stop) : ''} | ${y ? parts(y) : ''} | ${ratio(y?.stop, x?.stop)} |`,
    );
  }
  const median = (xs: readonly number[]): number => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)] ?? 0;
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(bytes < 1e6 ? 2 : 1);
  lines.push(
    '',
    `Page load to ready: worker created to init resolved (pair + head) and to the first emotion of a ${e.clipSeconds} s clip (cold: fresh profile, model files at ${e.bandwidthMbit} Mbit/s; warm: page reloaded):`,
    '',
    '| pair | load | init ms, median (min-max) | first emotion ms | model MB (of which head) | code + WASM MB | first emotion + code on the wire ms | B / A first emotion |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const r of e.ready) {
    const peer = r.side === 'onnx' ? e.ready.find((x) => x.side === 'embedded' && x.phase === r.phase) : undefined;
    const other = median(r.otherBytes);
    lines.push(
      `| ${r.side === 'embedded' ? `A: ${a ?? ''}` : `B: ${b ?? ''}`} | ${r.phase} | ${formatTiming(r.init)} | ${formatTiming(r.firstResult)} | ${mb(median(r.modelBytes))} (${mb(median(r.headBytes))}) | ${mb(other)} | ${(r.firstResult.median + (other * 8) / (e.bandwidthMbit * 1e3)).toFixed(0)} | ${ratio(r.firstResult, peer?.firstResult)} |`,
    );
  }
  return lines;
}

/**
 * Case 5: FLOPs per pass by graph and input, then every timed graph (micro-benchmarks and the 10 s encoder pass) with
 * its rate, the pass's share of the backend's matmul peak, and browser time over native time for the same graph.
 */
function flopsTables(f: FlopsResult): string[] {
  const g = (x: number): string => (x / 1e9).toFixed(x >= 1e10 ? 1 : 3);
  const lines = [
    'FLOPs per pass, counted on the graph the pipeline runs (dense = 2 per multiply-add of MatMul/Gemm/Conv; other = one per output element of the remaining computing nodes; over 20 s: both windows):',
    '',
    '| graph | dtype | input | dense GFLOP | of which int8 | by kind (GFLOP) | other G ops |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of f.counts) {
    const kinds = Object.entries(c.count.byKind)
      .map(([k, v]) => `${k} ${g(v)}`)
      .join(', ');
    lines.push(
      `| ${c.model} | ${c.dtype} | ${c.size} ${c.unit} | ${g(c.count.denseFloat + c.count.denseInt)} | ${g(c.count.denseInt)} | ${kinds} | ${g(c.count.elementwise)} |`,
    );
  }
  lines.push(
    '',
    `Achieved rates (${f.clipSeconds} s clip; GFLOP/s from the median and the fastest run; % of peak = time the runtime's matmul micro-benchmarks need at their best for the pass's dense work, fp32 and int8 rates, over the pass's median):`,
    '',
    '| runtime | graph | dtype | dense GFLOP | ms, median (min-max) | GFLOP/s | best GFLOP/s | % of peak | browser / native time |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const t of f.timed) {
    const nativeRow = t.runtime.startsWith('onnxruntime-web')
      ? f.timed.find((x) => x.runtime.startsWith('onnxruntime-node') && x.what === t.what && x.dtype === t.dtype)
      : undefined;
    const share = t.peakShare === null ? '' : `${(100 * t.peakShare).toFixed(0)} %`;
    lines.push(
      `| ${t.runtime} | ${t.what} | ${t.dtype} | ${g(t.denseFloat + t.denseInt)} | ${formatTiming(t.timing)} | ${t.gflops.toFixed(1)} | ${t.bestGflops.toFixed(1)} | ${share} | ${ratio(t.timing, nativeRow?.timing)} |`,
    );
  }
  for (const m of f.tfjs) {
    lines.push(
      `| tfjs-${m.backend} (Node, training engine) | matmul [${m.size}x${m.size}]x[${m.size}x${m.size}] | fp32 | ${g(2 * m.size ** 3)} | ${m.msPerRun.toFixed(1)} (${m.runs} runs) | ${m.gflops.toFixed(1)} | | | |`,
    );
  }
  return lines;
}

/** The profile case: each configuration's pass time against native, then kernel time per operator type. */
function profileTable(p: ProfileResult): string[] {
  const lines = [
    `wav2vec2 graph alone, ${String(p.seconds)} s clip, pass ms by configuration:`,
    '',
    '| runtime | dtype | configuration | session ms | pass ms, median (min-max) | / native 2 threads |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of p.rows) {
    const native = p.rows.find(
      (x) => x.runtime === 'onnxruntime-node' && x.dtype === row.dtype && x.config.startsWith('2 '),
    );
    lines.push(
      `| ${row.runtime} | ${row.dtype} | ${row.config} | ${row.loadMs.toFixed(0)} | ${formatTiming(row.pass)} | ${ratio(row.pass, native?.pass)} |`,
    );
  }
  if (p.ops.length > 0) {
    lines.push(
      '',
      'Kernel time per pass by operator type (onnxruntime profilers, WASM-only build as the app runs it, 2 threads):',
      '',
      '| dtype | operator | native ms | web ms | web / native |',
      '|---|---|---|---|---|',
    );
    const sorted = [...p.ops].sort((a, b) => a.dtype.localeCompare(b.dtype) || b.webMs - a.webMs);
    for (const o of sorted.filter((x) => x.webMs >= 1 || x.nativeMs >= 1)) {
      lines.push(
        `| ${o.dtype} | ${o.op} | ${o.nativeMs.toFixed(1)} | ${o.webMs.toFixed(1)} | ${o.nativeMs > 0 ? `${(o.webMs / o.nativeMs).toFixed(1)}x` : ''} |`,
      );
    }
  }
  return lines;
}
