/**
 * `npm run cli -- timeline FILE [--pair lite|base|fixture] [--json]`: the emotion timeline of a long recording, with
 * the page's segmentation and analysis on onnxruntime-node. With `--json`, stdout holds exactly one JSON object
 * (`{file, duration, segments: [{start, end, emotion, scores, transcript}]}`, seconds from the start of the file);
 * progress goes to stderr. Without it, a table.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { nodeAdapter } from '../src/runtime/ort-node';
import { SileroVad } from '../src/timeline/silero-vad';
import { TimelineBuilder, type TimelineSegment } from '../src/timeline/timeline';
import { VAD_MODEL_PATH, VAD_PACKAGE } from '../src/timeline/vad-model';
import { loadNodeRecognizer, MODEL_SOURCE_OPTIONS, MODEL_SOURCE_USAGE } from './model-source';
import { openWavBlocks } from './wav-blocks';

export const TIMELINE_USAGE = `usage: npm run cli -- timeline [--pair lite|base|fixture] ${MODEL_SOURCE_USAGE} [--json] FILE.wav`;

/** Seconds to the millisecond: the detector's frames are 32 ms, finer digits would only be noise. */
const ms = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** The voice-activity model as the package ships it. */
async function readVadModel(): Promise<Uint8Array> {
  return readFile(createRequire(import.meta.url).resolve(`${VAD_PACKAGE}/${VAD_MODEL_PATH}`));
}

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${String(m).padStart(2, '0')}:${(seconds - 60 * m).toFixed(1).padStart(4, '0')}`;
}

function tableRow(s: TimelineSegment): string {
  const score = s.emotion === null ? '' : ` ${(100 * (s.scores[s.emotion] ?? 0)).toFixed(0)}%`;
  const what = s.error === undefined ? `${s.emotion ?? 'no emotion head'}${score}` : `ERROR ${s.error.code}`;
  return `${clock(s.start)}-${clock(s.end)}  ${what.padEnd(16)}  ${s.transcript ?? ''}\n`;
}

/** Runs the command; returns the exit code. */
export async function timeline(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      pair: { type: 'string', default: 'lite' },
      json: { type: 'boolean', default: false },
      ...MODEL_SOURCE_OPTIONS,
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    process.stderr.write(`${TIMELINE_USAGE}\n`);
    return 2;
  }
  let lastReported = -60;
  const audio = await openWavBlocks(file, (seconds) => {
    if (seconds - lastReported >= 60 || seconds >= audio.duration) {
      lastReported = seconds;
      process.stderr.write(`timeline: ${clock(seconds)} of ${clock(audio.duration)} read\n`);
    }
  });
  const recognizer = await loadNodeRecognizer(values, values.pair);
  const vad = await SileroVad.create(nodeAdapter(1), await readVadModel());
  const builder = new TimelineBuilder(vad, (pcm) => recognizer.analyse(pcm));
  const segments: TimelineSegment[] = [];
  const keep = (done: readonly TimelineSegment[]): void => {
    segments.push(...done);
    if (!values.json) for (const s of done) process.stdout.write(tableRow(s));
  };
  try {
    for await (const block of audio.blocks) keep(await builder.push(block));
    keep(await builder.finish());
  } finally {
    await vad.release();
    await recognizer.dispose();
  }
  if (values.json) {
    const rows = segments.map((s) => ({
      start: ms(s.start),
      end: ms(s.end),
      emotion: s.emotion,
      scores: s.scores,
      transcript: s.transcript,
      ...(s.error === undefined ? {} : { error: s.error }),
    }));
    process.stdout.write(`${JSON.stringify({ file, duration: ms(builder.duration), segments: rows })}\n`);
  } else process.stderr.write(`${String(segments.length)} segment(s) in ${clock(builder.duration)}\n`);
  return segments.some((s) => s.error !== undefined) ? 1 : 0;
}
