/**
 * Command-line entry: `npm run cli -- transcribe [--pair base|lite|fixture] [--head DIR] [--json] FILE.wav...`, and
 * `npm run cli -- timeline FILE.wav` (cli/timeline-command.ts) for the emotion timeline of a long recording.
 * Runs the page's recognizer on onnxruntime-node: the transcript where the pair has a recogniser, and the emotion
 * scored by the head the page would use (the pair's built-in head, else the embedded one; `--head` loads another).
 * Training and evaluation are `npm run mmer`.
 */
import { parseArgs } from 'node:util';
import { toErrorInfo } from '../src/core/errors';
import { readClip } from './audio-file';
import { runMain } from './run';
import { timeline, TIMELINE_USAGE } from './timeline-command';
import { headNoticeText } from '../src/recognizer/notices';
import { readHeadDir } from '../src/mmer/checkpoint-node';
import { loadNodeRecognizer, MODEL_SOURCE_OPTIONS, MODEL_SOURCE_USAGE } from './model-source';
import type { AnalysisSummary } from '../src/worker-api/protocol';
import type { LoadProgress } from '../src/runtime/runtime-types';

const USAGE = `usage: npm run cli -- transcribe [--pair base|lite|fixture] [--head DIR] ${MODEL_SOURCE_USAGE} [--json] FILE.wav...`;

function progressPrinter(): (p: LoadProgress) => void {
  let lastPct = -1;
  return (p) => {
    if (p.status === 'progress' && p.total !== null && p.total > 0) {
      const pct = Math.floor((100 * p.loaded) / p.total);
      if (pct !== lastPct && pct % 10 === 0)
        process.stderr.write(`  ${p.model} ${p.file}: ${pct}% of ${(p.total / 1e6).toFixed(1)} MB\n`);
      lastPct = pct;
    } else if (p.status === 'retry') process.stderr.write(`  ${p.file}: retry ${p.attempt} (${p.reason})\n`);
    else if (p.status === 'ready') process.stderr.write(`  ${p.model} ready (${p.dtype})\n`);
  };
}

/**
 * One line of the plain-text output: transcript (when the pair has a recogniser), then the top emotion and its scorer.
 */
function textLine(file: string, summary: AnalysisSummary): string {
  const top = summary.emotion?.[0];
  const scorer = summary.scorer ?? null;
  const emotion =
    top === undefined || scorer === null
      ? 'no emotion head'
      : `${top.label} ${(100 * top.score).toFixed(1)}% (${scorer.head}${scorer.source === 'embedded' ? ', embedded' : ''})`;
  return `${file}\t${summary.transcript === null ? '' : `${summary.transcript}\t`}${emotion}\n`;
}

async function transcribe(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      pair: { type: 'string', default: 'base' },
      head: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...MODEL_SOURCE_OPTIONS,
    },
  });
  if (positionals.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // The recognizer the page's worker runs: same head choice, same scores (the pair's head, else the embedded one).
  const recognizer = await loadNodeRecognizer(values, values.pair, { onProgress: progressPrinter() });
  if (values.head !== undefined) await recognizer.loadHead(await readHeadDir(values.head));
  for (const n of (await recognizer.headStatus()).notices) process.stderr.write(`note: ${headNoticeText(n)}\n`);
  let failures = 0;
  for (const file of positionals) {
    try {
      const summary = await recognizer.analyse(await readClip(file));
      process.stdout.write(values.json ? `${JSON.stringify({ file, ...summary })}\n` : textLine(file, summary));
    } catch (err) {
      failures += 1;
      const info = toErrorInfo(err);
      process.stdout.write(
        values.json ? `${JSON.stringify({ file, error: info })}\n` : `${file}\tERROR ${info.code}: ${info.message}\n`,
      );
    }
  }
  await recognizer.dispose();
  return failures === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'transcribe') return transcribe(rest);
  if (command === 'timeline') return timeline(rest);
  process.stderr.write(`${USAGE}\n${TIMELINE_USAGE}\n`);
  return 2;
}

runMain(main);
