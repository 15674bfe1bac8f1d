/**
 * AudioWorklet processor for microphone capture. It downmixes its input to mono, batches the 128-frame
 * render quanta into larger chunks and posts them to the main thread (transferring the buffers).
 *
 * The messages both ways are defined in `src/audio/capture-protocol.ts`; after `stop` the processor hands over its
 * last partial chunk, says `stopped` and ends.
 *
 * The TypeScript DOM/WebWorker libs know nothing of AudioWorkletGlobalScope, so the few names used here are
 * declared below. The declarations are module-scoped (this file is a module), so they leak into nothing else.
 */

import { CAPTURE_PROCESSOR, isStop, type FromWorklet } from '../src/audio/capture-protocol';

declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}
declare function registerProcessor(
  name: string,
  processorCtor: new (options?: unknown) => AudioWorkletProcessor & {
    process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
  },
): void;

/** About 40 ms of audio, in whole render quanta: few messages, yet a lively level meter. */
const CHUNK_FRAMES = Math.max(128, Math.round((sampleRate * 0.04) / 128) * 128);

class CaptureProcessor extends AudioWorkletProcessor {
  private buffer = new Float32Array(CHUNK_FRAMES);
  private filled = 0;
  private stopping = false;

  constructor(options?: unknown) {
    super(options);
    this.port.onmessage = (event: MessageEvent<unknown>) => {
      if (isStop(event.data)) this.stopping = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopping) {
      this.flush();
      this.send({ type: 'stopped' });
      return false;
    }
    const channels = inputs[0];
    // No channels means the source is not (yet) delivering audio; nothing to record.
    if (!channels || channels.length === 0) return true;
    const first = channels[0];
    if (!first) return true;
    const frames = first.length;
    const gain = 1 / channels.length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i] ?? 0;
      this.buffer[this.filled++] = sum * gain;
      if (this.filled === this.buffer.length) this.flush();
    }
    return true;
  }

  private flush(): void {
    if (this.filled === 0) return;
    const samples = this.filled === this.buffer.length ? this.buffer : this.buffer.slice(0, this.filled);
    this.send({ type: 'chunk', samples }, [samples.buffer]);
    this.buffer = new Float32Array(CHUNK_FRAMES);
    this.filled = 0;
  }

  private send(message: FromWorklet, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer);
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
