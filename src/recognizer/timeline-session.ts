/**
 * One timeline at a time for a recognizer: the voice-activity model is opened once and kept, each new recording or
 * file starts a fresh builder, and every closed segment is analysed by the recognizer's own `analyse`. The worker
 * exposes it to the page; the CLI's `timeline` command drives the same object.
 */
import { AppError } from '../core/errors';
import { SileroVad } from '../timeline/silero-vad';
import { TimelineBuilder, type AnalyseSegment, type TimelineSegment } from '../timeline/timeline';
import type { RecognizerPlatform } from './platform';

export class TimelineSession {
  private vad: SileroVad | null = null;
  private builder: TimelineBuilder | null = null;

  constructor(
    private readonly platform: RecognizerPlatform,
    private readonly analyse: AnalyseSegment,
  ) {}

  /** Starts a new timeline (a running one is dropped). Opens the voice-activity model on first use. */
  async start(): Promise<void> {
    this.vad ??= await SileroVad.create(await this.platform.vadAdapter(), await this.platform.readVadModel());
    this.vad.reset();
    this.builder = new TimelineBuilder(this.vad, this.analyse);
  }

  /** Takes the next 16 kHz samples; returns the segments they closed, analysed. */
  push(pcm16k: Float32Array): Promise<TimelineSegment[]> {
    return this.running().push(pcm16k);
  }

  /** Ends the audio: returns the last segments and the duration heard, and forgets the timeline. */
  async finish(): Promise<{ segments: TimelineSegment[]; duration: number }> {
    const builder = this.running();
    const segments = await builder.finish();
    this.builder = null;
    return { segments, duration: builder.duration };
  }

  /** Drops the running timeline, if any. */
  cancel(): void {
    this.builder = null;
  }

  async dispose(): Promise<void> {
    this.builder = null;
    await this.vad?.release();
    this.vad = null;
  }

  private running(): TimelineBuilder {
    if (this.builder === null) throw new AppError('internal', 'No timeline is running: start one first.');
    return this.builder;
  }
}
