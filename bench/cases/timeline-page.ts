/**
 * The timeline case's page half: the same long files as the CLI half, chosen through a file input of the bench page
 * and read by the Timeline screen's own reader, analysed by the app's worker (embedded pair, Silero VAD on
 * onnxruntime-web, wasm-mt) in headless Chromium; and stop to result measured around the worker's calls. Memory is
 * the page renderer's own peak resident size (its workers and their WASM heaps live there), one fresh page per file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callBench, startHarness } from '../lib/harness';
import { TreeSampler } from '../lib/memory';
import type { StopTimes } from '../lib/stop-to-result';
import { REPO, TMP } from '../lib/models';

/** Port of the timeline case's page server (the other cases own 4190-4195). */
export const TIMELINE_PORT = 4196;

/** One file through the page. */
export interface PageFileRow {
  readonly wallS: number;
  readonly realTimeFactor: number;
  readonly segments: number;
  /** The page renderer's peak resident size (MB); null off Linux. */
  readonly peakMB: number | null;
}

/**
 * Runs the page half: each file in `files` in a fresh page, then each recording in `recordings` `repeats` times both
 * ways (after one warm-up turn). Returns one row per file and per recording, in order.
 */
export async function runTimelinePage(
  files: readonly string[],
  recordings: readonly Float32Array[],
  repeats: number,
  log: (line: string) => void,
): Promise<{ files: PageFileRow[]; stops: StopTimes[] }> {
  const h = await startHarness({ port: TIMELINE_PORT, name: 'timeline' });
  const manifest = h.url(join(REPO, 'public', 'models', 'manifest.json'));
  const sampler = new TreeSampler((comm) => /chrom/i.test(comm));
  const out: { files: PageFileRow[]; stops: StopTimes[] } = { files: [], stops: [] };
  try {
    for (const path of files) {
      sampler.reset();
      const page = await h.openPage(log);
      await callBench(page, 'initOurs', 'lite', manifest, 'wasm-mt');
      await page.setInputFiles('#timeline-file', path);
      const run = await callBench(page, 'timelineFile');
      const peak = sampler.pagePeak();
      out.files.push({
        wallS: Number((run.wallMs / 1000).toFixed(2)),
        realTimeFactor: Number((run.wallMs / 1000 / run.duration).toFixed(4)),
        segments: run.segments,
        peakMB: peak > 0 ? Math.round(peak / 1e6) : null,
      });
      log(`timeline page: ${path}: ${(run.wallMs / 1000).toFixed(1)} s, ${String(run.segments)} segments`);
      await page.close();
    }
    const page = await h.openPage(log);
    await callBench(page, 'initOurs', 'lite', manifest, 'wasm-mt');
    for (const [i, pcm] of recordings.entries()) {
      const file = join(TMP, `timeline-stop-${String(i)}.f32`);
      writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
      const times = await callBench(page, 'stopToResult', h.url(file), repeats);
      out.stops.push(times);
      log(
        `timeline page: stop to result ${String(times.incrementalMs)} ms incremental, ${String(times.atStopMs)} ms at stop`,
      );
    }
    await page.close();
  } finally {
    await h.close();
  }
  return out;
}
