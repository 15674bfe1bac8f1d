/**
 * Command-line entry: `npm run cli -- transcribe [--pair base|lite|fixture] [--json] FILE.wav...`
 * Runs the same pipeline as the page, on onnxruntime-node. Later issues add `train`, `eval` and `predict`.
 */
import { parseArgs } from 'node:util';
import { toErrorInfo } from '../src/core/errors';
import { analyseClip } from '../src/pipeline/analyse';
import { readClip } from './audio-file';
import { runMain } from './run';
import { loadNodeEncoders } from '../src/pipeline/node';
import { MODEL_SOURCE_OPTIONS, MODEL_SOURCE_USAGE, modelSource } from './model-source';
import type { LoadProgress } from '../src/worker-api/protocol';

const USAGE = `usage: npm run cli -- transcribe [--pair base|lite|fixture] ${MODEL_SOURCE_USAGE} [--json] FILE.wav...`;

function progressPrinter(): (p: LoadProgress) => void {
  let lastPct = -1;
  return (p) => {
    if (p.status === 'progress' && p.total !== null && p.total > 0) {
      const pct = Math.floor((100 * p.loaded) / p.total);
      if (pct !== lastPct && pct % 10 === 0) process.stderr.write(`  ${p.model} ${p.file}: ${pct}% of ${(p.total / 1e6).toFixed(1)} MB\n`);
      lastPct = pct;
    } else if (p.status === 'retry') process.stderr.write(`  ${p.file}: retry ${p.attempt} (${p.reason})\n`);
    else if (p.status === 'ready') process.stderr.write(`  ${p.model} ready (${p.dtype})\n`);
  };
}

async function transcribe(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { pair: { type: 'string', default: 'base' }, json: { type: 'boolean', default: false }, ...MODEL_SOURCE_OPTIONS },
  });
  if (positionals.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const encoders = await loadNodeEncoders({ pair: values.pair, ...modelSource(values), onProgress: progressPrinter() });
  let failures = 0;
  for (const file of positionals) {
    try {
      const { summary } = await analyseClip(encoders, await readClip(file));
      process.stdout.write(values.json ? `${JSON.stringify({ file, ...summary })}\n` : `${file}\t${summary.transcript ?? '(no ASR in this pair)'}\n`);
    } catch (err) {
      failures += 1;
      const info = toErrorInfo(err);
      process.stdout.write(values.json ? `${JSON.stringify({ file, error: info })}\n` : `${file}\tERROR ${info.code}: ${info.message}\n`);
    }
  }
  await Promise.all([encoders.audio.dispose(), encoders.text.dispose()]);
  return failures === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'transcribe') return transcribe(rest);
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

runMain(main);
