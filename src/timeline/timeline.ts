/**
 * A recording's emotion timeline: 16 kHz audio goes in as it arrives (microphone chunks, blocks of a long file), the
 * voice-activity detector finds the speech, and each segment is analysed as soon as it closes, so at the end only
 * the last segment is left to do. Memory holds the open segment's audio, never the whole recording.
 */
import { SAMPLE_RATE } from '../audio/rate';
import { toErrorInfo, type ErrorInfo } from '../core/errors';
import type { AnalysisSummary } from '../worker-api/protocol';
import { Segmenter, type FrameSpan, type SegmenterOptions } from './segmenter';
import { VAD_FRAME } from './silero-vad';

/** One stretch of speech and what was heard in it. Times are seconds from the start of the audio. */
export interface TimelineSegment {
  readonly start: number;
  readonly end: number;
  /** The winning label; null when the segment could not be scored (see `error`) or no head is active. */
  readonly emotion: string | null;
  /** Every label's score (summing to 1); empty when not scored. */
  readonly scores: Readonly<Record<string, number>>;
  /** Null where the pair has no speech recogniser. */
  readonly transcript: string | null;
  /** Why the segment has no scores, when it has none because its analysis failed. */
  readonly error?: ErrorInfo;
}

/** Speech probability of one `VAD_FRAME` of 16 kHz audio. */
export interface FrameScorer {
  probability(frame: Float32Array): Promise<number>;
}

/** Analyses one segment's audio (the recognizer's `analyse`). */
export type AnalyseSegment = (pcm16k: Float32Array) => Promise<AnalysisSummary>;

/** Audio kept from `offset` (in samples since the start) on: what an open segment may still need. */
class SampleWindow {
  private chunks: Float32Array[] = [];
  private offset = 0;
  private length = 0;

  append(pcm: Float32Array): void {
    this.chunks.push(pcm);
    this.length += pcm.length;
  }

  /** Samples `[from, to)` (absolute indices), copied. */
  slice(from: number, to: number): Float32Array {
    const out = new Float32Array(Math.max(0, to - from));
    let at = this.offset;
    for (const c of this.chunks) {
      const lo = Math.max(from, at);
      const hi = Math.min(to, at + c.length);
      if (hi > lo) out.set(c.subarray(lo - at, hi - at), lo - from);
      at += c.length;
    }
    return out;
  }

  /** Forgets whole chunks that end before `index`. */
  dropBefore(index: number): void {
    while (this.chunks.length > 0 && this.offset + (this.chunks[0]?.length ?? 0) <= index) {
      const dropped = this.chunks.shift()?.length ?? 0;
      this.offset += dropped;
      this.length -= dropped;
    }
  }

  get end(): number {
    return this.offset + this.length;
  }

  get held(): number {
    return this.length;
  }
}

/** The segment as the timeline shows it, from its analysis (or the reason it has none). */
function segmentOf(span: FrameSpan, outcome: AnalysisSummary | ErrorInfo): TimelineSegment {
  const start = (span.start * VAD_FRAME) / SAMPLE_RATE;
  const end = (span.end * VAD_FRAME) / SAMPLE_RATE;
  if ('code' in outcome) return { start, end, emotion: null, scores: {}, transcript: null, error: outcome };
  const scores: Record<string, number> = {};
  for (const s of outcome.emotion ?? []) scores[s.label] = s.score;
  return { start, end, emotion: outcome.emotion?.[0]?.label ?? null, scores, transcript: outcome.transcript };
}

/**
 * Builds a timeline from audio pushed in any chunk sizes. `push` returns the segments finished with that chunk
 * (analysed one after another, in order); `finish` ends the audio and returns the rest.
 */
export class TimelineBuilder {
  private readonly segmenter: Segmenter;
  private readonly window = new SampleWindow();
  /** Samples handed to the detector so far (whole frames only; the rest waits in `window`). */
  private scored = 0;

  constructor(
    private readonly vad: FrameScorer,
    private readonly analyse: AnalyseSegment,
    options: Partial<SegmenterOptions> = {},
  ) {
    this.segmenter = new Segmenter({ ...options, frameMs: (VAD_FRAME / SAMPLE_RATE) * 1000 });
  }

  /** Samples of audio held now (one open segment's worth at most): what keeps memory flat on long recordings. */
  get heldSamples(): number {
    return this.window.held;
  }

  /** Seconds of audio taken in so far. */
  get duration(): number {
    return this.window.end / SAMPLE_RATE;
  }

  async push(pcm16k: Float32Array): Promise<TimelineSegment[]> {
    this.window.append(pcm16k);
    const done: TimelineSegment[] = [];
    while (this.scored + VAD_FRAME <= this.window.end) {
      const frame = this.window.slice(this.scored, this.scored + VAD_FRAME);
      this.scored += VAD_FRAME;
      for (const span of this.segmenter.push(await this.vad.probability(frame))) done.push(await this.analysed(span));
    }
    this.forget();
    return done;
  }

  async finish(): Promise<TimelineSegment[]> {
    const done: TimelineSegment[] = [];
    for (const span of this.segmenter.flush()) done.push(await this.analysed(span));
    return done;
  }

  private async analysed(span: FrameSpan): Promise<TimelineSegment> {
    const pcm = this.window.slice(span.start * VAD_FRAME, span.end * VAD_FRAME);
    try {
      return segmentOf(span, await this.analyse(pcm));
    } catch (err) {
      return segmentOf(span, toErrorInfo(err));
    }
  }

  /**
   * Keeps only what a segment may still need: the open segment's frames, or, between segments, the padding a
   * segment starting now would reach back into (plus one frame in hand).
   */
  private forget(): void {
    const keepFrames = this.segmenter.openFrom() ?? this.segmenter.frames - this.segmenter.reach();
    this.window.dropBefore(Math.max(0, keepFrames - 1) * VAD_FRAME);
  }
}
