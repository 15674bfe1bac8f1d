/**
 * Silero VAD v5, the voice-activity model shipped inside the `@ricky0123/vad-web` package, run on our own
 * onnxruntime adapter (onnxruntime-web in the worker, onnxruntime-node in the CLI), so one copy of the runtime
 * serves the encoders and the detector. The package's own runner is not used: it logs to stdout (the CLI's `--json`
 * output must be one JSON object), takes no session options, and its frame processor reports no timestamps.
 *
 * The model's contract (from the Silero project): 16 kHz mono, 512 new samples per call preceded by the last 64
 * samples of the previous call, a recurrent state of shape [2, 1, 128] carried from call to call, the sample rate
 * as an int64 scalar; it returns the speech probability and the next state.
 */
import { AppError } from '../core/errors';
import { floatData, type OrtAdapter, type OrtSession, type OrtTensor } from '../runtime/ort-types';

/** Samples per frame at 16 kHz (32 ms). */
export const VAD_FRAME = 512;
/** Samples of the previous frame each call sees again, so an onset across a frame boundary is seen whole. */
const CONTEXT = 64;
const STATE_DIMS = [2, 1, 128] as const;

/** Speech probabilities, one 32 ms frame at a time. */
export class SileroVad {
  private state: OrtTensor;
  private context = new Float32Array(CONTEXT);
  private readonly input = new Float32Array(CONTEXT + VAD_FRAME);

  private constructor(
    private readonly ort: OrtAdapter,
    private readonly session: OrtSession,
    private readonly sampleRate: OrtTensor,
  ) {
    this.state = this.freshState();
  }

  /** Opens the model. @throws AppError('bad-model') when the file is not a Silero v5 graph. */
  static async create(ort: OrtAdapter, model: Uint8Array): Promise<SileroVad> {
    let session: OrtSession;
    try {
      session = await ort.createSession(model);
    } catch (err) {
      throw new AppError('bad-model', 'The voice-activity model could not be opened.', { cause: err });
    }
    const missing = ['input', 'state', 'sr'].filter((n) => !session.inputNames.includes(n));
    if (missing.length > 0 || !session.outputNames.includes('output') || !session.outputNames.includes('stateN')) {
      await session.release();
      throw new AppError(
        'bad-model',
        `The voice-activity model is not Silero VAD v5 (inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}).`,
      );
    }
    return new SileroVad(ort, session, ort.tensor('int64', BigInt64Array.of(16_000n), []));
  }

  private freshState(): OrtTensor {
    return this.ort.tensor('float32', new Float32Array(2 * 128), STATE_DIMS);
  }

  /** The probability (0-1) that `frame` (exactly `VAD_FRAME` samples at 16 kHz) holds speech. */
  async probability(frame: Float32Array): Promise<number> {
    if (frame.length !== VAD_FRAME) {
      throw new AppError('internal', `A voice-activity frame has ${VAD_FRAME} samples, not ${frame.length}.`);
    }
    this.input.set(this.context, 0);
    this.input.set(frame, CONTEXT);
    this.context = frame.slice(VAD_FRAME - CONTEXT);
    const out = await this.session.run({
      input: this.ort.tensor('float32', this.input.slice(), [1, CONTEXT + VAD_FRAME]),
      state: this.state,
      sr: this.sampleRate,
    });
    const next = out.stateN;
    if (next === undefined) throw new AppError('bad-model', 'The voice-activity model gave no state.');
    this.state = next;
    return floatData(out.output, 'output')[0] ?? 0;
  }

  /** Forgets the audio heard so far (a new recording or file starts). */
  reset(): void {
    this.state = this.freshState();
    this.context = new Float32Array(CONTEXT);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
