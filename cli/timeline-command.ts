/**
 * `npm run cli -- timeline FILE [--pair lite|base|fixture] [--json]`: the emotion timeline of a long recording, with
 * the page's segmentation and analysis on onnxruntime-node. With `--json`, stdout holds exactly one JSON object
 * (`{file, duration, segments: [{start, end, emotion, scores, transcript}]}`, seconds from the start of the file);
 * progress goes to stderr. Without it, a table.
 */
import { parseArgs } from 'node:util';
import { nodePlatform } from '../src/recognizer/node-platform';
import { TimelineSession } from '../src/recognizer/timeline-session';
import type { TimelineSegment } from '../src/timeline/timeline';
import { formatTime, timelineReport } from '../src/timeline/timeline-report';
import { loadNodeRecognizer, MODEL_SOURCE_OPTIONS, MODEL_SOURCE_USAGE } from './model-source';
import { openWavBlocks } from './wav-blocks';

export const TIMELINE_USAGE = `usage: npm run cli -- timeline [--pair lite|base|fixture] ${MODEL_SOURCE_USAGE} [--json] FILE.wav`;

/** Times in the table, minutes padded so the rows line up. */
const clock = (seconds: number): string => formatTime(seconds, 2);

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
  const session = new TimelineSession(nodePlatform(), (pcm) => recognizer.analyse(pcm));
  await session.start();
  const segments: TimelineSegment[] = [];
  const keep = (done: readonly TimelineSegment[]): void => {
    segments.push(...done);
    if (!values.json) for (const s of done) process.stdout.write(tableRow(s));
    // A segment that could not be analysed stays in the timeline (no emotion); why goes to stderr.
    for (const s of done)
      if (s.error !== undefined)
        process.stderr.write(`${clock(s.start)}-${clock(s.end)}: ${s.error.code}: ${s.error.message}\n`);
  };
  let duration = 0;
  try {
    for await (const block of audio.blocks) keep(await session.push(block));
    const last = await session.finish();
    keep(last.segments);
    duration = last.duration;
  } finally {
    await session.dispose();
    await recognizer.dispose();
  }
  if (values.json) process.stdout.write(`${JSON.stringify(timelineReport(file, duration, segments))}\n`);
  else process.stderr.write(`${String(segments.length)} segment(s) in ${clock(duration)}\n`);
  return segments.some((s) => s.error !== undefined) ? 1 : 0;
}
