/**
 * Benchmark input: real speech from the shared RAVDESS folder (never copied into the repository), concatenated to a
 * fixed length. RAVDESS clips are 2-5 s, so longer inputs join several clips of Actor_01, Actor_02, ... in name order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav';
import { resample } from '../../src/audio/resample';
import { RAVDESS_DIR } from '../../test/shared-data';

/** Sample rate every encoder takes. */
export const RATE = 16_000;

function* ravdessFiles(): Generator<string> {
  const actors = readdirSync(RAVDESS_DIR)
    .filter((d) => d.startsWith('Actor_'))
    .sort();
  for (const actor of actors) {
    for (const f of readdirSync(join(RAVDESS_DIR, actor))
      .filter((n) => n.endsWith('.wav'))
      .sort())
      yield join(RAVDESS_DIR, actor, f);
  }
}

/**
 * `seconds` of 16 kHz mono speech: RAVDESS clips back to back, the last one cut. Deterministic (same clips every run),
 * so every runtime sees identical samples.
 */
export function speechClip(seconds: number): Float32Array {
  const want = Math.round(seconds * RATE);
  const out = new Float32Array(want);
  let filled = 0;
  for (const path of ravdessFiles()) {
    const wav = decodeWav(readFileSync(path));
    const mono = wav.channels[0];
    if (mono === undefined) continue;
    const pcm = wav.sampleRate === RATE ? mono : resample(mono, wav.sampleRate, RATE);
    const take = Math.min(pcm.length, want - filled);
    out.set(pcm.subarray(0, take), filled);
    filled += take;
    if (filled === want) return out;
  }
  throw new Error(`RAVDESS in ${RAVDESS_DIR} holds less than ${seconds} s of audio`);
}
