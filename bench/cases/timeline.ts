/**
 * Long recordings on the CLI: `npm run cli -- timeline FILE --json` (embedded pair, onnxruntime-node) on files of
 * RAVDESS clips joined by 1.5 s of silence, 10 and 30 minutes long (5 and 10 with `--quick`). Per file: wall time,
 * real-time factor (wall / audio), segments found against clips joined, and the command's peak resident memory. The
 * two lengths side by side say whether memory is flat in the file's length (the block reader and the builder hold
 * one block and one segment). The page's side and the time to a result after a recording stops come with the
 * recording path.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav';
import { parseMetadata } from '../../src/data/metadata';
import { descendants, peakRss } from '../lib/memory';
import { REPO, TMP } from '../lib/models';

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
}

export interface TimelineResult {
  readonly rows: readonly TimelineRow[];
}

/** Writes a 16-bit WAV of RAVDESS clips (metadata order, cycling) joined by 1.5 s of silence, streamed to disk. */
function writeLongFile(path: string, minutes: number): number {
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
function runCli(path: string): Promise<{ wallS: number; peak: number | null; stdout: string }> {
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

/** The timeline case: one row per file length. */
export async function runTimeline(quick: boolean, log: (line: string) => void): Promise<TimelineResult> {
  const rows: TimelineRow[] = [];
  mkdirSync(TMP, { recursive: true });
  for (const minutes of quick ? [5, 10] : [10, 30]) {
    const path = join(TMP, `timeline-${String(minutes)}min.wav`);
    const clips = writeLongFile(path, minutes);
    log(`timeline: ${String(minutes)} min file of ${String(clips)} clips written; running the CLI`);
    const { wallS, peak, stdout } = await runCli(path);
    const report = JSON.parse(stdout) as { duration: number; segments: unknown[] };
    rows.push({
      minutes,
      clips,
      segments: report.segments.length,
      wallS: Number(wallS.toFixed(2)),
      realTimeFactor: Number((wallS / report.duration).toFixed(4)),
      peakMB: peak === null ? null : Math.round(peak / 1e6),
    });
    log(`timeline: ${String(minutes)} min in ${wallS.toFixed(1)} s, ${String(report.segments.length)} segments`);
  }
  return { rows };
}

/** The case's table. */
export function timelineTable(t: TimelineResult): string[] {
  return [
    '### Long recordings: `npm run cli -- timeline` (embedded pair, onnxruntime-node)',
    '',
    '| file | clips joined | segments | wall (s) | real-time factor | peak memory (MB) |',
    '|---|---|---|---|---|---|',
    ...t.rows.map(
      (r) =>
        `| ${String(r.minutes)} min | ${String(r.clips)} | ${String(r.segments)} | ${r.wallS.toFixed(1)} | ${r.realTimeFactor.toFixed(4)} | ${r.peakMB === null ? 'n/a' : String(r.peakMB)} |`,
    ),
  ];
}
