/**
 * Speech segments from per-frame speech probabilities (a voice-activity detector's output): pure frame logic, no
 * audio and no model, so it is tested on synthetic probability patterns and runs the same behind the microphone, a
 * long file and the CLI.
 *
 * Hysteresis: speech starts at a frame at or above `onThreshold` and goes on while frames stay at or above
 * `offThreshold`; it ends after `minSilenceMs` below that. Shorter bursts than `minSpeechMs` are noise and dropped.
 * Each segment is widened by `padMs` on both sides (never into its neighbour), and a segment longer than `maxSegmentMs`
 * is cut where speech is least likely in its second half, so every piece fits the encoders' analysis window.
 */

/** A stretch of speech in frames: `[start, end)`. */
export interface FrameSpan {
  readonly start: number;
  readonly end: number;
}

export interface SegmenterOptions {
  /** Milliseconds per frame (Silero VAD: 512 samples at 16 kHz = 32 ms). */
  readonly frameMs: number;
  readonly onThreshold: number;
  readonly offThreshold: number;
  readonly minSpeechMs: number;
  /** Pauses shorter than this stay inside a segment (a breath between phrases is not a new utterance). */
  readonly minSilenceMs: number;
  readonly padMs: number;
  readonly maxSegmentMs: number;
}

/**
 * Silero's recommended thresholds (0.5 on, 0.15 below it off); a 0.5 s pause ends an utterance; 0.25 s is the
 * shortest clip the encoders take; 20 s is the analysis window (`WINDOW_SECONDS`).
 */
export const DEFAULT_SEGMENTER: SegmenterOptions = {
  frameMs: 32,
  onThreshold: 0.5,
  offThreshold: 0.35,
  minSpeechMs: 250,
  minSilenceMs: 500,
  padMs: 96,
  maxSegmentMs: 20_000,
};

/**
 * Turns probabilities into segments as they arrive: `push` one frame's probability, get back the segments that
 * closed with it; `flush` at the end of the audio. Memory is bounded by one segment's frames.
 */
export class Segmenter {
  private readonly o: SegmenterOptions;
  private readonly minSpeech: number;
  private readonly minSilence: number;
  private readonly pad: number;
  private readonly maxFrames: number;
  /** Frames seen so far (the index of the next frame). */
  private frame = 0;
  /** First speech frame of the open segment; -1 when none is open. */
  private onset = -1;
  /** Last frame at or above the off threshold in the open segment. */
  private lastSpeech = -1;
  /** Probabilities of the open segment's frames from `onset` on (where a long segment is cut). */
  private probs: number[] = [];
  /** End (exclusive, padded) of the last segment given out: the next one never starts before it. */
  private lastEnd = 0;

  constructor(options: Partial<SegmenterOptions> = {}) {
    this.o = { ...DEFAULT_SEGMENTER, ...options };
    const frames = (ms: number): number => Math.max(1, Math.round(ms / this.o.frameMs));
    this.minSpeech = frames(this.o.minSpeechMs);
    this.minSilence = frames(this.o.minSilenceMs);
    this.pad = Math.round(this.o.padMs / this.o.frameMs);
    this.maxFrames = frames(this.o.maxSegmentMs) - 2 * this.pad;
  }

  /** Frames pushed so far. */
  get frames(): number {
    return this.frame;
  }

  /** The first frame the open segment may start at once padded; null when no segment is open. */
  openFrom(): number | null {
    return this.onset < 0 ? null : Math.max(this.lastEnd, this.onset - this.pad);
  }

  /** Frames a segment starting now would reach back (its padding). */
  reach(): number {
    return this.pad;
  }

  /** Takes the next frame's speech probability (0-1); returns the segments it closed (padded, in frames). */
  push(probability: number): FrameSpan[] {
    const p = Number.isFinite(probability) ? probability : 0;
    const i = this.frame++;
    const out: FrameSpan[] = [];
    if (this.onset < 0) {
      if (p >= this.o.onThreshold) {
        this.onset = i;
        this.lastSpeech = i;
        this.probs = [p];
      }
      return out;
    }
    this.probs.push(p);
    if (p >= this.o.offThreshold) this.lastSpeech = i;
    if (i - this.lastSpeech >= this.minSilence) {
      this.close(this.lastSpeech + 1, out);
      return out;
    }
    if (i + 1 - this.onset >= this.maxFrames) this.cut(out);
    return out;
  }

  /** Ends the audio: an open segment closes at its last speech frame. */
  flush(): FrameSpan[] {
    const out: FrameSpan[] = [];
    if (this.onset >= 0) this.close(this.lastSpeech + 1, out);
    return out;
  }

  /** Closes the open segment at `end` (exclusive, unpadded); a burst too short to be speech is dropped. */
  private close(end: number, out: FrameSpan[]): void {
    if (end - this.onset >= this.minSpeech) this.emit(this.onset, end, out);
    this.onset = -1;
    this.probs = [];
  }

  private emit(start: number, end: number, out: FrameSpan[]): void {
    const span = { start: Math.max(this.lastEnd, start - this.pad), end: Math.min(this.frame, end + this.pad) };
    this.lastEnd = span.end;
    out.push(span);
  }

  /**
   * A segment at its longest is cut at the least likely speech frame of its second half; the part after the cut is
   * the open segment from then on. No padding goes across the cut: the two pieces meet exactly.
   */
  private cut(out: FrameSpan[]): void {
    const half = Math.floor(this.probs.length / 2);
    let at = half;
    for (let k = half; k < this.probs.length; k++) if ((this.probs[k] ?? 1) < (this.probs[at] ?? 1)) at = k;
    const cutFrame = this.onset + Math.max(1, at);
    const start = Math.max(this.lastEnd, this.onset - this.pad);
    out.push({ start, end: cutFrame });
    this.lastEnd = cutFrame;
    this.probs = this.probs.slice(Math.max(1, at));
    this.onset = cutFrame;
    if (this.lastSpeech < cutFrame) this.lastSpeech = cutFrame;
  }
}
