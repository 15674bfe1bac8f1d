/**
 * The pure part of microphone capture: collects resampled chunks, counts elapsed time, decides when the
 * length limit is reached and tracks the input level for the meter. No DOM, so it runs in unit tests.
 */

/** Root mean square of a block of samples (0 for an empty block). */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

/** Quietest level the meter shows, in dBFS; anything below reads as 0. */
export const METER_FLOOR_DB = -60;

/** Maps an RMS amplitude (0..1 full scale) to a 0..1 meter position on a dB scale from `METER_FLOOR_DB` to 0 dBFS. */
export function levelToMeter(level: number): number {
  if (!(level > 0)) return 0;
  const db = 20 * Math.log10(level);
  return Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
}

/** Formats seconds as m:ss, rounding down (a recording shows 0:03 until it has a full 4 s). */
export function formatClock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds + 1e-9));
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return `${m}:${s.toString().padStart(2, '0')}`;
}

export interface RecordingBufferOptions {
  /** Rate of the samples pushed (after resampling), in Hz. */
  readonly sampleRate: number;
  /** Recording stops growing at this many seconds. */
  readonly maxSeconds: number;
  /**
   * How much of the previous level survives each pushed block of one second (peak-hold decay of the meter);
   * 0 shows the raw RMS of the latest block.
   */
  readonly levelDecayPerSecond?: number;
  /**
   * False: only count the samples (the caller stores them elsewhere as they come, as a long recording does);
   * `toArray` is then empty. Default true.
   */
  readonly keep?: boolean;
}

/** What one `push` did. */
export interface PushResult {
  /** Samples of the chunk that were kept (the rest fell beyond the limit). */
  readonly accepted: number;
  /** True once the buffer holds `maxSeconds` of audio: the caller should stop recording. */
  readonly full: boolean;
}

/** Accumulates a recording chunk by chunk, up to a fixed length. */
export class RecordingBuffer {
  readonly sampleRate: number;
  readonly maxSamples: number;
  private readonly decayPerSecond: number;
  private readonly keep: boolean;
  private readonly chunks: Float32Array[] = [];
  private total = 0;
  private currentLevel = 0;

  constructor(options: RecordingBufferOptions) {
    if (!(options.sampleRate > 0) || !Number.isFinite(options.sampleRate)) {
      throw new RangeError(`sampleRate must be a positive number, got ${options.sampleRate}`);
    }
    if (!(options.maxSeconds > 0)) throw new RangeError(`maxSeconds must be positive, got ${options.maxSeconds}`);
    this.sampleRate = options.sampleRate;
    this.maxSamples = Math.round(options.maxSeconds * options.sampleRate);
    this.decayPerSecond = Math.min(1, Math.max(0, options.levelDecayPerSecond ?? 0.05));
    this.keep = options.keep !== false;
  }

  /** Samples held so far. */
  get length(): number {
    return this.total;
  }

  /** Seconds of audio held so far. */
  get elapsedSeconds(): number {
    return this.total / this.sampleRate;
  }

  /** True when the limit has been reached; further pushes are ignored. */
  get full(): boolean {
    return this.total >= this.maxSamples;
  }

  /** Smoothed RMS level (0..1 full scale): rises at once, falls with the configured decay. */
  get level(): number {
    return this.currentLevel;
  }

  /**
   * Updates the level from a block of raw input (for instance the capture-rate chunk, before resampling).
   * `seconds` is how long the block lasts, which sets how far the held level decays.
   */
  observeLevel(block: Float32Array, seconds: number): number {
    const blockLevel = rms(block);
    const decay = this.decayPerSecond ** Math.max(0, seconds);
    this.currentLevel = Math.max(blockLevel, this.currentLevel * decay);
    return this.currentLevel;
  }

  /** Adds a chunk (copied), keeping at most `maxSamples` in all. */
  push(chunk: Float32Array): PushResult {
    const room = this.maxSamples - this.total;
    const accepted = Math.max(0, Math.min(room, chunk.length));
    if (accepted > 0) {
      if (this.keep) this.chunks.push(chunk.slice(0, accepted));
      this.total += accepted;
    }
    return { accepted, full: this.full };
  }

  /** The whole recording as one array. */
  toArray(): Float32Array {
    const out = new Float32Array(this.total);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** Drops everything, keeping the options. */
  clear(): void {
    this.chunks.length = 0;
    this.total = 0;
    this.currentLevel = 0;
  }
}
