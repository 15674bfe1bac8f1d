/**
 * The messages between the capture AudioWorklet (workers/capture.worklet.ts) and the page's capture code
 * (capture.ts), and the name the processor registers under: one definition for both sides.
 */

/** Name under which the worklet registers its processor. */
export const CAPTURE_PROCESSOR = 'mmer-capture';

/** What the page sends the worklet: stop after handing over what it holds. */
export type ToWorklet = { readonly type: 'stop' };

/**
 * What the worklet sends: mono chunks of about 40 ms (buffers transferred), and `stopped` after its last partial
 * chunk once it was asked to stop.
 */
export type FromWorklet = { readonly type: 'chunk'; readonly samples: Float32Array } | { readonly type: 'stopped' };

/** Whether a message to the worklet asks it to stop. */
export function isStop(data: unknown): data is ToWorklet {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'stop';
}
