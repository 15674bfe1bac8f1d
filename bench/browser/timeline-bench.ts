/**
 * The timeline case in the page: a long file chosen through a real file input (so the File is backed by the file on
 * disk, as when a person picks one) is read with the Timeline screen's own reader (`openFileAudio`) and analysed by
 * the app's worker block by block; and the stop-to-result measure of a recording, through the same worker.
 */
import type { MlClient } from '../../src/worker-api/client-types';
import { openFileAudio } from '../../src/page/long-file';

/** One long file through the page. */
export interface TimelineFileRun {
  readonly wallMs: number;
  readonly duration: number;
  readonly segments: number;
}

/** Stop to result for one recording, timed in the page around the worker's calls. */
export interface StopRun {
  /** Fed half a second at a time as the recorder does, the segments analysed as they close; then stopped. */
  readonly incrementalMs: number;
  /** Everything at stop: the whole recording pushed at once, then finished. */
  readonly atStopMs: number;
}

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Reads the file in `input` as the Timeline screen does and analyses it in the worker, timing the whole. */
export async function timelineFile(ours: MlClient, input: HTMLInputElement): Promise<TimelineFileRun> {
  const file = input.files?.item(0);
  if (file === null || file === undefined) throw new Error('no file chosen');
  const t0 = performance.now();
  const audio = await openFileAudio(file, () => undefined);
  ok(await ours.timelineStart());
  let segments = 0;
  for await (const block of audio.blocks) segments += ok(await ours.timelinePush(block)).length;
  const last = ok(await ours.timelineFinish());
  return { wallMs: performance.now() - t0, duration: last.duration, segments: segments + last.segments.length };
}

/**
 * One turn of each way of analysing `pcm` (a recording stopped shortly after its speech): the page's way (half-second
 * pushes while recording, only the finish timed) and at stop only (push and finish timed).
 */
export async function stopToResult(ours: MlClient, pcm: Float32Array): Promise<StopRun> {
  const half = 8000;
  ok(await ours.timelineStart());
  // The pushes transfer their buffers, so each is a copy of the recording's part.
  for (let at = 0; at < pcm.length; at += half) ok(await ours.timelinePush(pcm.slice(at, at + half)));
  let t = performance.now();
  ok(await ours.timelineFinish());
  const incrementalMs = performance.now() - t;
  ok(await ours.timelineStart());
  t = performance.now();
  ok(await ours.timelinePush(pcm.slice()));
  ok(await ours.timelineFinish());
  return { incrementalMs, atStopMs: performance.now() - t };
}
