/**
 * The timeline case in the page: a long file chosen through a real file input (so the File is backed by the file on
 * disk, as when a person picks one) is read with the Timeline screen's own reader (`openFileAudio`) and analysed by
 * the app's worker block by block; and the stop-to-result measure of a recording, through the same worker.
 */
import type { MlClient } from '../../src/worker-api/client-types';
import { openFileAudio } from '../../src/page/long-file';
import type { TimelineDriver } from '../lib/stop-to-result';

/** One long file through the page. */
export interface TimelineFileRun {
  readonly wallMs: number;
  readonly duration: number;
  readonly segments: number;
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

/** The worker's timeline calls as a driver for the shared stop-to-result loop, a failed call thrown. */
export function workerDriver(ours: MlClient): TimelineDriver {
  return {
    start: async () => ok(await ours.timelineStart()),
    push: async (pcm) => ok(await ours.timelinePush(pcm)),
    finish: async () => ok(await ours.timelineFinish()),
  };
}
