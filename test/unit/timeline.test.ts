/**
 * The timeline builder on stand-ins (a loudness detector, a recording analyser) and on the real detector: segments
 * at the right times whatever the chunk sizes, each analysed on exactly its own audio, failures kept as segments,
 * memory bounded by one segment; Silero VAD finds one segment per RAVDESS clip in a joined recording.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { nodeAdapter } from '../../src/runtime/ort-node';
import { SileroVad, VAD_FRAME } from '../../src/timeline/silero-vad';
import { TimelineBuilder, type FrameScorer } from '../../src/timeline/timeline';
import { VAD_MODEL_PATH, VAD_PACKAGE } from '../../src/timeline/vad-model';
import type { AnalysisSummary } from '../../src/worker-api/protocol';
import { clipOfEachSegment, joinedRavdess } from '../timeline-audio';

/** Speech wherever a frame is louder than -40 dBFS RMS. */
const loudness: FrameScorer = {
  probability: (frame) => {
    let e = 0;
    for (const s of frame) e += s * s;
    return Promise.resolve(Math.sqrt(e / frame.length) > 0.01 ? 1 : 0);
  },
};

/** A tone of `seconds` at 16 kHz. */
const tone = (seconds: number): Float32Array =>
  Float32Array.from({ length: Math.round(seconds * 16_000) }, (_, i) => 0.3 * Math.sin(i / 5));

function joined(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An analysis that says how many samples it got and where its audio is loud. */
function fakeSummary(pcm: Float32Array): AnalysisSummary {
  return {
    transcript: `${String(pcm.length)} samples`,
    durationS: pcm.length / 16_000,
    emotion: [
      { label: 'calm', score: 0.75 },
      { label: 'sad', score: 0.25 },
    ],
  } as unknown as AnalysisSummary;
}

async function run(pcm: Float32Array, chunk: number, analyse = (p: Float32Array) => Promise.resolve(fakeSummary(p))) {
  const b = new TimelineBuilder(loudness, analyse);
  const out = [];
  for (let i = 0; i < pcm.length; i += chunk) out.push(...(await b.push(pcm.slice(i, i + chunk))));
  out.push(...(await b.finish()));
  return { segments: out, builder: b };
}

const PATTERN = joined([new Float32Array(16_000), tone(2), new Float32Array(24_000), tone(3), new Float32Array(8_000)]);

describe('TimelineBuilder', () => {
  it.each([128, 512, 1000, 16_000, PATTERN.length])(
    'finds the same segments in chunks of %i samples',
    async (chunk) => {
      const { segments, builder } = await run(PATTERN, chunk);
      expect(builder.duration).toBeCloseTo(PATTERN.length / 16_000, 6);
      // Tones at 1-3 s and 4.5-7.5 s: speech frames 31-93 and 140-234 (32 ms each; a frame with any tone in it is
      // loud), widened by 3 frames on each side.
      expect(segments.map((s) => [s.start, s.end])).toEqual([
        [((31 - 3) * 512) / 16_000, ((94 + 3) * 512) / 16_000],
        [((140 - 3) * 512) / 16_000, ((235 + 3) * 512) / 16_000],
      ]);
      // Each segment was analysed on exactly its own samples.
      expect(segments.map((s) => s.transcript)).toEqual(
        segments.map((s) => `${String(Math.round((s.end - s.start) * 16_000))} samples`),
      );
      expect(segments.map((s) => [s.emotion, s.scores])).toEqual([
        ['calm', { calm: 0.75, sad: 0.25 }],
        ['calm', { calm: 0.75, sad: 0.25 }],
      ]);
    },
  );

  it('keeps a segment whose analysis failed, with the reason, and goes on', async () => {
    let n = 0;
    const { segments } = await run(PATTERN, 4096, (p) => {
      n += 1;
      return n === 1 ? Promise.reject(new AppError('silent', 'Nothing was heard.')) : Promise.resolve(fakeSummary(p));
    });
    expect(segments.map((s) => [s.emotion, s.error?.code ?? null])).toEqual([
      [null, 'silent'],
      ['calm', null],
    ]);
  });

  it('holds one segment of audio at most, however long the recording', async () => {
    const b = new TimelineBuilder(loudness, (p) => Promise.resolve(fakeSummary(p)));
    const minute = joined([tone(4), new Float32Array(16_000 * 56)]);
    let most = 0;
    for (let m = 0; m < 10; m++) {
      for (let i = 0; i < minute.length; i += 16_000) {
        await b.push(minute.slice(i, i + 16_000));
        most = Math.max(most, b.heldSamples);
      }
    }
    expect((await b.finish()).length).toBe(0);
    // Four seconds of speech, its padding and the chunk in hand: far under a minute.
    expect(most).toBeLessThan(16_000 * 6);
    expect(b.duration).toBe(600);
  });
});

describe('Silero VAD', () => {
  const model = (): Uint8Array =>
    readFileSync(createRequire(import.meta.url).resolve(`${VAD_PACKAGE}/${VAD_MODEL_PATH}`));

  it('finds one segment per RAVDESS clip, inside the clip, in clips joined by 1.5 s of silence', async () => {
    const { pcm, clips } = joinedRavdess(8);
    const vad = await SileroVad.create(nodeAdapter(1), model());
    const { segments } = await (async () => {
      const b = new TimelineBuilder(vad, (p) => Promise.resolve(fakeSummary(p)));
      const out = [...(await b.push(pcm)), ...(await b.finish())];
      return { segments: out };
    })();
    await vad.release();
    expect(clipOfEachSegment(segments, clips, 0.3)).toEqual(clips.map((_, i) => i));
    // Speech, not the room: every segment is shorter than its clip.
    segments.forEach((s, i) => {
      const clip = clips[i];
      expect(s.end - s.start).toBeLessThan((clip?.end ?? 0) - (clip?.start ?? 0));
    });
  });

  it.each([
    ['digital silence', new Float32Array(16_000 * 5)],
    [
      'quiet hiss',
      Float32Array.from({ length: 16_000 * 5 }, (_, i) => 0.002 * Math.sin(i * 12.9898) * Math.sin(i * 78.233)),
    ],
  ])('hears no speech in %s', async (_, pcm) => {
    const vad = await SileroVad.create(nodeAdapter(1), model());
    const probs: number[] = [];
    for (let i = 0; i + VAD_FRAME <= pcm.length; i += VAD_FRAME)
      probs.push(await vad.probability(pcm.subarray(i, i + VAD_FRAME)));
    await vad.release();
    expect(Math.max(...probs)).toBeLessThan(0.5);
  });

  it('refuses a model that is not Silero VAD', async () => {
    const notVad = readFileSync(new URL('../../public/models/fixtures/wav2vec2-tiny/onnx/model.onnx', import.meta.url));
    await expect(SileroVad.create(nodeAdapter(1), notVad)).rejects.toMatchObject({ code: 'bad-model' });
  });
});
