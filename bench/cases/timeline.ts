/**
 * Long recordings, on the CLI and in the page: `npm run cli -- timeline FILE --json` (embedded pair,
 * onnxruntime-node) and the Timeline screen's reader with the app's worker in Chromium (timeline-page.ts), on files
 * of RAVDESS clips joined by 1.5 s of silence, 10 minutes, 30 minutes and 2 hours long (5 and 10 minutes with
 * `--quick`). Per file and host: wall time, real-time factor (wall / audio), segments found against clips joined, and
 * peak resident memory (the CLI's processes; the page's renderer). The lengths side by side say whether memory is
 * flat in the file's length (the block reader and the builder hold one block and one segment). Then the time from
 * stop to the whole timeline for ~5 s utterances, with analysis while recording (the page's way) and at stop only,
 * in the same run, in Node (`runStopToResult`) and through the page's worker.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav';
import { parseMetadata } from '../../src/data/metadata';
import { descendants, peakRss } from '../lib/memory';
import { REPO, TMP } from '../lib/models';
import { stopToResult, type StopTimes } from '../lib/stop-to-result';
import { runTimelinePage, type PageFileRow } from './timeline-page';

const RAVDESS = join(REPO, '..', 'shared', 'data', 'ravdess');

/** One file's run. */
export interface TimelineRow {
  readonly minutes: number;
  readonly clips: number;
  readonly segments: number;
  readonly wallS: number;
  readonly realTimeFactor: number;
  /** Peak resident size of the CLI's processes (MB); null off Linux. */
  readonly peakMB: number | null;
  /** The same file read and analysed in the page. */
  readonly page: PageFileRow;
}

export interface TimelineResult {
  readonly rows: readonly TimelineRow[];
  /** Stop to result for about 5 s utterances, with and without analysis while recording. */
  readonly stop: readonly StopRow[];
}

/** Writes a 16-bit WAV of RAVDESS clips (metadata order, cycling) joined by 1.5 s of silence, streamed to disk. */
export function writeLongFile(path: string, minutes: number): number {
  const records = parseMetadata(readFileSync(join(RAVDESS, 'metadata.csv'), 'utf8'));
  const target = minutes * 60 * 16_000;
  const gap = new Int16Array(24_000);
  const fd = openSync(path, 'w');
  writeSync(fd, new Uint8Array(44));
  let samples = 0;
  let clips = 0;
  for (let i = 0; samples < target; i++) {
    const record = records[i % records.length];
    if (record === undefined) break;
    const pcm = decodeWav(readFileSync(join(RAVDESS, record.path))).channels[0] ?? new Float32Array(0);
    const ints = Int16Array.from(pcm, (s) => Math.max(-32768, Math.min(32767, Math.round(s * 32768))));
    writeSync(fd, new Uint8Array(ints.buffer));
    writeSync(fd, new Uint8Array(gap.buffer));
    samples += ints.length + gap.length;
    clips++;
  }
  const header = new DataView(new ArrayBuffer(44));
  const ascii = (at: number, s: string): void => {
    for (let k = 0; k < s.length; k++) header.setUint8(at + k, s.charCodeAt(k));
  };
  ascii(0, 'RIFF');
  header.setUint32(4, 36 + samples * 2, true);
  ascii(8, 'WAVEfmt ');
  header.setUint32(16, 16, true);
  header.setUint16(20, 1, true);
  header.setUint16(22, 1, true);
  header.setUint32(24, 16_000, true);
  header.setUint32(28, 32_000, true);
  header.setUint16(32, 2, true);
  header.setUint16(34, 16, true);
  ascii(36, 'data');
  header.setUint32(40, samples * 2, true);
  writeSync(fd, new Uint8Array(header.buffer), 0, 44, 0);
  closeSync(fd);
  return clips;
}

/** Runs the CLI on `path`, sampling the peak resident size of its process tree. */
export function runCli(path: string): Promise<{ wallS: number; peak: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'node_modules/tsx/dist/cli.mjs'),
        join(REPO, 'cli/main.ts'),
        'timeline',
        path,
        '--pair',
        'lite',
        '--json',
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let stdout = '';
    let peak: number | null = null;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const pids = (): number[] => [child.pid ?? -1, ...descendants(child.pid ?? -1).map((d) => d.pid)];
    // VmHWM is a high-water mark: the last reading of each process before it exits is its peak.
    const timer = setInterval(() => {
      for (const pid of pids()) {
        const p = peakRss(pid);
        if (p !== null) peak = Math.max(peak ?? 0, p);
      }
    }, 100);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`timeline exited with ${String(code)}`));
      else resolve({ wallS: (performance.now() - started) / 1000, peak, stdout });
    });
  });
}

/** The timeline case: one row per file length, the CLI and the page on the same file. */
export async function runTimeline(quick: boolean, log: (line: string) => void): Promise<TimelineResult> {
  const cli: (Omit<TimelineRow, 'page'> & { path: string })[] = [];
  mkdirSync(TMP, { recursive: true });
  for (const minutes of quick ? LENGTHS.quick : LENGTHS.full) {
    const path = join(TMP, `timeline-${String(minutes)}min.wav`);
    const clips = writeLongFile(path, minutes);
    log(`timeline: ${String(minutes)} min file of ${String(clips)} clips written; running the CLI`);
    const { wallS, peak, stdout } = await runCli(path);
    const report = JSON.parse(stdout) as { duration: number; segments: unknown[] };
    cli.push({
      path,
      minutes,
      clips,
      segments: report.segments.length,
      wallS: Number(wallS.toFixed(2)),
      realTimeFactor: Number((wallS / report.duration).toFixed(4)),
      peakMB: peak === null ? null : Math.round(peak / 1e6),
    });
    log(`timeline: ${String(minutes)} min in ${wallS.toFixed(1)} s, ${String(report.segments.length)} segments`);
  }
  const repeats = quick ? 2 : 7;
  const stop = await runStopToResult(repeats, log);
  const page = await runTimelinePage(
    cli.map((r) => r.path),
    stop.recordings,
    repeats,
    log,
  );
  const rows = cli.map(({ path: _path, ...r }, i) => {
    const p = page.files[i];
    if (p === undefined) throw new Error(`timeline: no page run for ${_path}`);
    return { ...r, page: p };
  });
  return {
    rows,
    stop: stop.rows.map((r, i) => {
      const p = page.stops[i];
      if (p === undefined) throw new Error(`timeline: no page stop-to-result for ${r.clip}`);
      return { ...r, page: p };
    }),
  };
}

/** The file lengths, in minutes: two hours is the longest file the Timeline promises to read. */
const LENGTHS = { quick: [5, 10], full: [10, 30, 120] } as const;

/** The case's table. */
export function timelineTable(t: TimelineResult): string[] {
  return [
    '### Long recordings: `npm run cli -- timeline` (onnxruntime-node) and the Timeline in Chromium (wasm-mt), embedded pair',
    '',
    '| file | clips joined | host | segments | wall (s) | real-time factor | peak memory (MB) |',
    '|---|---|---|---|---|---|---|',
    ...t.rows.flatMap((r) =>
      [
        ['CLI', r.segments, r.wallS, r.realTimeFactor, r.peakMB] as const,
        ['page', r.page.segments, r.page.wallS, r.page.realTimeFactor, r.page.peakMB] as const,
      ].map(
        ([host, segments, wall, rtf, peak]) =>
          `| ${String(r.minutes)} min | ${String(r.clips)} | ${host} | ${String(segments)} | ${wall.toFixed(1)} | ${rtf.toFixed(4)} | ${peak === null ? 'n/a' : String(peak)} |`,
      ),
    ),
    '',
    '#### Stop to the whole timeline, a clip of about 5 s stopped 0.3 s after its speech (goal: <= 300 ms)',
    '',
    '| clip | seconds | Node: while recording (ms) | Node: at stop (ms) | page: while recording (ms) | page: at stop (ms) |',
    '|---|---|---|---|---|---|',
    ...t.stop.map(
      (r) =>
        `| ${r.clip} | ${r.seconds.toFixed(2)} | ${r.incrementalMs.toFixed(1)} | ${r.atStopMs.toFixed(1)} | ${r.page.incrementalMs.toFixed(1)} | ${r.page.atStopMs.toFixed(1)} |`,
    ),
  ];
}

/** Stop to the whole timeline for one utterance, with and without analysis while recording. */
export interface StopRow extends StopTimes {
  readonly clip: string;
  readonly seconds: number;
  /** The same two ways through the page's worker, timed in the page. */
  readonly page: StopTimes;
}

/**
 * The page's question "how long after stop is the result there" on onnxruntime-node with the embedded pair: a
 * RAVDESS clip of about 5 s, stopped 0.3 s after its speech ends (a person stops soon after speaking), fed as a
 * recording is (half-second blocks) and then stopped, against the same audio analysed only at stop. Median of
 * `repeats` runs each, taking turns.
 */
export async function runStopToResult(
  repeats: number,
  log: (line: string) => void,
): Promise<{ rows: Omit<StopRow, 'page'>[]; recordings: Float32Array[] }> {
  const { Recognizer } = await import('../../src/recognizer/recognizer');
  const { nodePlatform } = await import('../../src/recognizer/node-platform');
  const { TimelineSession } = await import('../../src/recognizer/timeline-session');
  const platform = nodePlatform();
  const recognizer = new Recognizer(platform);
  await recognizer.load(
    { pair: 'lite', manifestUrl: join(REPO, 'public/models/manifest.json'), backend: 'wasm' },
    () => undefined,
  );
  const session = new TimelineSession(platform, (pcm) => recognizer.analyse(pcm));
  const records = parseMetadata(readFileSync(join(RAVDESS, 'metadata.csv'), 'utf8'));
  // The longest clips of the first actors: close to 5 s of speech and room.
  const picks = records
    .map((r) => ({ r, pcm: decodeWav(readFileSync(join(RAVDESS, r.path))).channels[0] ?? new Float32Array(0) }))
    .filter((c) => c.pcm.length >= 4.5 * 16_000)
    .slice(0, 3);
  const rows: Omit<StopRow, 'page'>[] = [];
  const recordings: Float32Array[] = [];
  for (const { r, pcm } of picks) {
    // Stopped 0.3 s after the speech ends (found by the detector on the whole clip, less its padding): too short a
    // pause to close the segment, so the last segment is still open at stop, the case the goal is about.
    await session.start();
    const found = await session.push(pcm.slice());
    const [spoken] = [...found, ...(await session.finish()).segments].slice(-1);
    const cut = Math.min(pcm.length, Math.round(((spoken?.end ?? pcm.length / 16_000) - 0.096 + 0.3) * 16_000));
    const audio = pcm.slice(0, cut);
    const times = await stopToResult(session, audio, repeats);
    rows.push({ clip: r.path, seconds: Number((audio.length / 16_000).toFixed(2)), ...times });
    recordings.push(audio);
    log(
      `timeline: stop to result for ${r.path}: ${String(times.incrementalMs)} ms incremental, ${String(times.atStopMs)} ms at stop`,
    );
  }
  await session.dispose();
  await recognizer.dispose();
  return { rows, recordings };
}
