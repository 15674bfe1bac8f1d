/**
 * `npm run bench [-- --cases native,browser,train,load,flops,profile,embedded,timeline] [--quick] [--repeats N] [--warmup N]
 * [--lengths 1,5,10,30] [--bandwidth MBIT]`
 *
 * Runs the benchmark cases of issue 6 one after another (never in parallel: they share the machine's cores), writes
 * bench/results/<YYYY-MM-DD>-<host>.json (`--quick`: bench/results/tmp/, as those numbers mean nothing) and prints
 * markdown tables. Every figure of a case is measured next to its peer in the same run; compare ratios, not runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { runBrowser } from './cases/browser';
import { runEmbedded, type EmbeddedResult } from './cases/embedded';
import { runFlops, type FlopsResult } from './cases/flops';
import { runLoad, type LoadResult } from './cases/load';
import { runProfile, type ProfileResult } from './cases/profile';
import { runNative, type InferenceRow } from './cases/native';
import { runTimeline, type TimelineResult } from './cases/timeline';
import { runTrain, type TrainResult } from './cases/train';
import {
  addBenchHeads,
  DEFAULT_BENCH_DTYPES,
  DTYPE_FILES,
  modelSets,
  REPO,
  TMP,
  writeBenchManifest,
} from './lib/models';
import type { MemoryRow } from './lib/memory';
import { markdown, type BenchResults } from './lib/report';
import { summaryOf, summaryTable } from './lib/summary';
import type { RepeatPlan } from './lib/stats';
import type { Dtype } from '../src/runtime/runtime-types';

const CASES = ['native', 'browser', 'train', 'load', 'flops', 'profile', 'embedded', 'timeline'] as const;
type CaseName = (typeof CASES)[number];

interface Options {
  readonly cases: readonly CaseName[];
  readonly quick: boolean;
  readonly plan: RepeatPlan;
  readonly lengths: readonly number[];
  readonly threads: number;
  /** Training-case batch size override (default 8; quick 4). */
  readonly trainBatch: number | undefined;
  /** Training case: threads of ours' wasm products (default 1, as the PyTorch peer's). */
  readonly trainThreads: number;
  /** Load and embedded cases: throttle of model downloads, Mbit/s (default 100). */
  readonly bandwidth: number;
  /** Runs what the lean-and-fast summary needs and prints it, its JSON object last. */
  readonly summary: boolean;
  /** Base-fixture dtypes to measure (default fp32,q8; fp16 is the WebGPU precision, measured on request). */
  readonly dtypes: readonly Dtype[];
}

const USAGE =
  'usage: npm run bench -- [--summary] [--cases native,browser,train] [--quick] [--repeats N] [--warmup N] [--lengths 1,5,10,30] [--threads N] [--train-batch N] [--train-threads N] [--bandwidth MBIT] [--dtypes fp32,q8,fp16]';

/** The cases the summary reads, and the one clip length its ratios are taken at. */
// Train first: its peak is the whole process's, so it runs before the other cases' sessions and pages are resident
// (after them, the process already held 2.2 GB before the first step).
const SUMMARY_CASES: readonly CaseName[] = ['train', 'native', 'browser', 'load'];

/** Parses the command line (`--x v` and `--x=v`). */
export function parseOptions(argv: readonly string[]): Options {
  let cases: CaseName[] = [...CASES];
  let quick = false;
  let repeats: number | null = null;
  let warmup: number | null = null;
  let lengths: number[] | null = null;
  let threads = 2;
  let trainBatch: number | undefined;
  let trainThreads = 1;
  let bandwidth = 100;
  let summary = false;
  let dtypes: readonly Dtype[] = DEFAULT_BENCH_DTYPES;
  for (let i = 0; i < argv.length; i++) {
    const [flag = '', inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const int = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} takes a non-negative integer, not "${v}"`);
      return n;
    };
    if (flag === '--quick') quick = true;
    else if (flag === '--summary') summary = true;
    else if (flag === '--cases') {
      cases = value()
        .split(',')
        .map((c) => {
          if (!(CASES as readonly string[]).includes(c))
            throw new Error(`unknown case "${c}" (cases: ${CASES.join(', ')})`);
          return c as CaseName;
        });
    } else if (flag === '--repeats') repeats = Math.max(1, int(value()));
    else if (flag === '--warmup') warmup = int(value());
    else if (flag === '--threads') threads = Math.max(1, int(value()));
    else if (flag === '--train-batch') trainBatch = Math.max(1, int(value()));
    else if (flag === '--train-threads') trainThreads = Math.max(1, int(value()));
    else if (flag === '--bandwidth') bandwidth = Math.max(1, int(value()));
    else if (flag === '--dtypes') {
      dtypes = value()
        .split(',')
        .map((d) => {
          if (!Object.hasOwn(DTYPE_FILES, d)) throw new Error(`unknown dtype "${d}" (dtypes: fp32, q8, fp16)`);
          return d as Dtype;
        });
    } else if (flag === '--lengths')
      lengths = value()
        .split(',')
        .map(Number)
        .filter((n) => n > 0);
    else throw new Error(`unknown argument "${argv[i] ?? ''}"\n${USAGE}`);
  }
  // The summary's cases unless --cases says otherwise (then the keys of the cases left out are null).
  if (summary && !argv.some((a) => a.startsWith('--cases'))) cases = [...SUMMARY_CASES];
  return {
    cases,
    quick,
    summary,
    // Quick checks the harness, not the machine: one warm-up, two repeats, two short clips, tiny models.
    plan: { warmup: warmup ?? 1, repeats: repeats ?? (quick ? 2 : 5) },
    lengths: lengths ?? (summary ? [10] : quick ? [1, 5] : [1, 5, 10, 30]),
    threads,
    trainBatch,
    trainThreads,
    bandwidth,
    dtypes,
  };
}

function machine(): Record<string, unknown> {
  const sh = (cmd: string, args: string[]): string | null => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    chromium: sh('/usr/bin/chromium', ['--version']),
    commit: sh('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
    loadavgAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const o = parseOptions(argv);
  const log = (line: string): void => {
    console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
  };
  const started = performance.now();
  const info = machine();
  const inference: InferenceRow[] = [];
  const notes: string[] = [];
  const memory: MemoryRow[] = [];
  const errors: string[] = [];
  let train: TrainResult | null = null;
  let load: LoadResult | null = null;
  let profile: ProfileResult | null = null;
  let flops: FlopsResult | null = null;
  let embedded: EmbeddedResult | null = null;
  let timeline: TimelineResult | null = null;
  const needModels = o.cases.some((c) => c !== 'train' && c !== 'timeline');
  const sets = needModels ? modelSets(o.quick, o.dtypes) : [];
  const manifestPath = needModels ? writeBenchManifest(sets, o.quick) : '';
  if (needModels) await addBenchHeads(manifestPath, sets, o.quick);
  const date = new Date().toISOString().slice(0, 10);
  const host = hostname();
  const results = (): BenchResults => ({
    date,
    host,
    machine: {
      ...info,
      loadavgAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
      wallSeconds: Math.round((performance.now() - started) / 1000),
    },
    options: { ...o, models: o.quick ? 'tiny fixtures' : 'base-size random-weight fixtures (.cache/fixtures)' },
    inference,
    train,
    memory: [...memory, ...(train?.memory ?? [])],
    load,
    profile,
    flops,
    embedded,
    timeline,
    notes,
    errors,
  });
  const dir = o.quick ? TMP : join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // A run of some cases only must not overwrite the day's full run: its file names the cases.
  const subset = o.summary ? '-summary' : o.cases.length === CASES.length ? '' : `-${o.cases.join('+')}`;
  const file = join(dir, `${date}-${host}${subset}${o.quick ? '-quick' : ''}.json`);
  // Written after every case, so a run that dies part-way keeps what it measured.
  const save = (): void => {
    writeFileSync(file, `${JSON.stringify(results(), null, 2)}\n`);
  };
  for (const name of o.cases) {
    try {
      if (name === 'native')
        inference.push(...(await runNative(manifestPath, sets, o.lengths, o.plan, o.threads, log)));
      if (name === 'browser') {
        const b = await runBrowser(manifestPath, sets, o.lengths, o.plan, log, o.quick || o.summary ? [] : [1]);
        inference.push(...b.rows);
        memory.push(...b.memory);
        notes.push(...b.notes);
      }
      if (name === 'train') train = await runTrain(o.quick, o.plan, log, o.trainBatch, o.trainThreads);
      if (name === 'timeline') timeline = await runTimeline(o.quick, log);
      if (name === 'profile') profile = await runProfile(sets, o.plan, log);
      if (name === 'load') {
        const l = await runLoad(manifestPath, sets, o.plan, log, o.bandwidth);
        load = l.result;
        notes.push(...l.notes);
      }
      if (name === 'embedded') {
        const e = await runEmbedded(manifestPath, sets, o.lengths, o.plan, log, o.bandwidth);
        embedded = e.result;
        notes.push(...e.notes);
      }
      if (name === 'flops') {
        const f = await runFlops(manifestPath, sets, o.lengths, o.plan, o.threads, log);
        flops = f.result;
        notes.push(...f.notes);
      }
    } catch (err) {
      const msg = `${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
      errors.push(msg.split('\n').slice(0, 4).join(' | '));
      log(`case failed: ${msg}`);
    }
    save();
  }
  console.log(markdown(results()));
  console.log(`\nwrote ${relative(process.cwd(), file)}`);
  if (o.summary) {
    const summary = summaryOf(results());
    console.log(['', '### Summary: ours / peer in this run', '', ...summaryTable(summary), ''].join('\n'));
    // The last line, for scripts: one JSON object.
    console.log(JSON.stringify(summary));
  }
  if (errors.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
