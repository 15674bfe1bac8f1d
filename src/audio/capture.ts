/**
 * Microphone capture: getUserMedia -> AudioContext at the device's native rate -> AudioWorklet (mono chunks)
 * -> StreamingResampler -> 16 kHz recording. Browser plumbing only; the bookkeeping lives in
 * `recording-buffer.ts` so it can be unit-tested.
 *
 * The AudioContext is never forced to a sample rate: Firefox refuses to connect a microphone to a context at a
 * different rate and Safari resamples badly, so the conversion to 16 kHz is done here, in code.
 */
// `?worker&url` makes Vite bundle (and transpile) the worklet and hand back its URL. A plain
// `new URL('../../workers/capture.worklet.ts', import.meta.url)` is copied as an asset untranspiled, so the
// browser would be given TypeScript.
import workletUrl from '../../workers/capture.worklet.ts?worker&url';
import { AppError } from '../core/errors';
import { RecordingBuffer } from './recording-buffer';
import { StreamingResampler } from './resample';
import { MAX_CLIP_SECONDS } from './validate';
import { SAMPLE_RATE } from './rate';
import { CAPTURE_PROCESSOR, type FromWorklet, type ToWorklet } from './capture-protocol';

/** How long `stop` waits for the worklet to hand over its last partial chunk. */
const STOP_GRACE_MS = 500;

export const MIC_DENIED_MESSAGE =
  "Microphone access was denied. Allow it in the browser's site settings, or choose an audio file instead.";

/** Why a recording ended without `stop` being called. */
export type AutoStopReason = 'limit' | 'ended';

export interface CaptureOptions {
  /** Longest recording in seconds; it stops by itself there. Defaults to `MAX_CLIP_SECONDS`. */
  readonly maxSeconds?: number;
  /** Live input level (smoothed RMS, 0..1 of full scale) and seconds recorded, once per chunk (~25 per second). */
  readonly onLevel?: (level: number, elapsedSeconds: number) => void;
  /**
   * The recording ended by itself: it reached `maxSeconds` ('limit') or the microphone went away ('ended').
   * `pcm` is the final 16 kHz clip; `stop()` afterwards returns the same array.
   */
  readonly onAutoStop?: (pcm: Float32Array, reason: AutoStopReason) => void;
  /**
   * Each block of 16 kHz samples as it is captured (a long recording stores and analyses them as they come). With
   * it, the capture keeps nothing itself: `stop` and `onAutoStop` give an empty array.
   */
  readonly onSamples?: (pcm16k: Float32Array) => void;
}

/** A running recording. */
export interface Capture {
  /** The AudioContext's (native) sample rate that the microphone is captured at. */
  readonly sourceRate: number;
  /** Ends the recording and returns it as mono 16 kHz samples. Safe to call more than once. */
  stop(): Promise<Float32Array>;
  /** Ends the recording and throws the audio away. */
  cancel(): void;
}

/** Turns a getUserMedia failure into an `AppError` the UI can explain. */
export function mapGetUserMediaError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const name = typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return new AppError('mic-denied', MIC_DENIED_MESSAGE, { cause: err });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return new AppError('mic-absent', 'No microphone was found. Connect one, or choose an audio file instead.', {
        cause: err,
      });
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new AppError(
        'mic-absent',
        'The microphone could not be started; another application may be using it. Close it and try again, or choose an audio file instead.',
        { cause: err },
      );
    default: {
      const detail = err instanceof Error ? err.message : String(err);
      return new AppError('internal', `The microphone could not be opened: ${detail}`, { cause: err });
    }
  }
}

type AudioContextCtor = new (options?: AudioContextOptions) => AudioContext;

function findAudioContext(): AudioContextCtor | undefined {
  const w = globalThis as unknown as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor };
  return w.AudioContext ?? w.webkitAudioContext;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Asks for the microphone and starts recording. Call it from a user gesture (click, key press): the
 * AudioContext is created before the first `await`, so browsers let it start running.
 * Throws `AppError` 'mic-denied' or 'mic-absent' when there is no usable microphone.
 */
export async function startCapture(options: CaptureOptions = {}): Promise<Capture> {
  const mediaDevices = (globalThis.navigator as Navigator | undefined)?.mediaDevices;
  if (typeof mediaDevices?.getUserMedia !== 'function') {
    throw new AppError(
      'mic-absent',
      'This browser offers no microphone access here (it needs a secure https:// page). Choose an audio file instead.',
    );
  }
  const Ctor = findAudioContext();
  if (!Ctor || typeof AudioWorkletNode === 'undefined') {
    throw new AppError(
      'mic-absent',
      'This browser cannot record audio (no Web Audio worklets). Choose an audio file instead.',
    );
  }

  // Created synchronously, inside the user gesture, at the device's native rate.
  const ctx = new Ctor({ latencyHint: 'interactive' });
  void ctx.resume().catch(() => undefined);

  let stream: MediaStream;
  try {
    stream = await mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      video: false,
    });
  } catch (err) {
    void ctx.close().catch(() => undefined);
    throw mapGetUserMediaError(err);
  }

  try {
    return await wire(ctx, stream, options);
  } catch (err) {
    for (const track of stream.getTracks()) track.stop();
    void ctx.close().catch(() => undefined);
    if (err instanceof AppError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new AppError('internal', `Recording could not start: ${detail}`, { cause: err });
  }
}

async function wire(ctx: AudioContext, stream: MediaStream, options: CaptureOptions): Promise<Capture> {
  await ctx.audioWorklet.addModule(workletUrl);
  // Read through a function: the state changes behind TypeScript's back while we await.
  const running = (): boolean => ctx.state === 'running';
  if (!running()) {
    await Promise.race([ctx.resume(), delay(3000)]);
    if (!running()) {
      throw new AppError(
        'internal',
        'The browser kept its audio engine paused. Click Record again to start recording.',
      );
    }
  }

  const sourceRate = ctx.sampleRate;
  const resampler = new StreamingResampler(sourceRate, SAMPLE_RATE);
  const buffer = new RecordingBuffer({
    sampleRate: SAMPLE_RATE,
    maxSeconds: options.maxSeconds ?? MAX_CLIP_SECONDS,
    keep: options.onSamples === undefined,
  });
  /** Keeps a block, or hands it on when the caller takes the samples as they come. */
  const take = (pcm: Float32Array): ReturnType<RecordingBuffer['push']> => {
    const pushed = buffer.push(pcm);
    if (pushed.accepted > 0) options.onSamples?.(pcm.subarray(0, pushed.accepted));
    return pushed;
  };
  const source = ctx.createMediaStreamSource(stream);
  // One silent output routed to the destination keeps the node pulled by the render graph in every browser.
  const node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
  });
  source.connect(node);
  node.connect(ctx.destination);

  let result: Promise<Float32Array> | null = null;
  let onWorkletStopped: (() => void) | null = null;

  const teardown = (): void => {
    node.port.onmessage = null;
    try {
      source.disconnect();
      node.disconnect();
    } catch {
      // Already disconnected.
    }
    for (const track of stream.getTracks()) track.stop();
    void ctx.close().catch(() => undefined);
  };

  const finishNow = (): Float32Array => {
    teardown();
    take(resampler.flush());
    return buffer.toArray();
  };

  const autoStop = (reason: AutoStopReason): void => {
    if (result) return;
    const pcm = finishNow();
    result = Promise.resolve(pcm);
    options.onAutoStop?.(pcm, reason);
  };

  node.port.onmessage = (event: MessageEvent<FromWorklet>) => {
    const msg = event.data;
    if (msg.type === 'stopped') {
      onWorkletStopped?.();
      return;
    }
    if (buffer.full) return;
    buffer.observeLevel(msg.samples, msg.samples.length / sourceRate);
    const { full } = take(resampler.push(msg.samples));
    options.onLevel?.(buffer.level, buffer.elapsedSeconds);
    if (full && !result) autoStop('limit');
  };

  for (const track of stream.getAudioTracks()) {
    track.addEventListener('ended', () => {
      autoStop('ended');
    });
  }

  return {
    sourceRate,
    stop(): Promise<Float32Array> {
      result ??= (async () => {
        // Let the worklet post what it holds, unless the context is not running (then nothing comes).
        if (running()) {
          const stopped = new Promise<void>((resolve) => {
            onWorkletStopped = resolve;
          });
          node.port.postMessage({ type: 'stop' } satisfies ToWorklet);
          await Promise.race([stopped, delay(STOP_GRACE_MS)]);
        }
        return finishNow();
      })();
      return result;
    },
    cancel(): void {
      if (result) return;
      result = Promise.resolve(new Float32Array(0));
      teardown();
    },
  };
}
