/**
 * The slice of the onnxruntime API the pipeline uses. onnxruntime-web and onnxruntime-node both satisfy it, so
 * the pipeline is written once and only the adapter that creates sessions differs between browser and Node.
 */
import { halvesToFloats } from '../core/half';

export type OrtTensorType = 'float32' | 'int64' | 'float16';

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
  dispose?(): void;
}

/** What a session declares of one output (onnxruntime's `ValueMetadata`, the fields used here). */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  /** Dimensions: numbers where fixed, names where symbolic; absent for non-tensors. */
  readonly shape?: readonly (number | string)[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The outputs as the graph declares them (onnxruntime-web and -node both give it; a fake session may not). */
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * The last dimension of output `name` when the graph declares it as a number (a hidden state's width), else null:
 * the width is then known without running the graph.
 */
export function declaredWidth(session: OrtSession, name: string): number | null {
  const last = session.outputMetadata?.find((m) => m.name === name)?.shape?.at(-1);
  return typeof last === 'number' && Number.isInteger(last) && last > 0 ? last : null;
}

/** Creates tensors and sessions for one backend. */
export interface OrtAdapter {
  /** Human-readable name, e.g. "onnxruntime-web (wasm, 2 threads)". */
  readonly name: string;
  tensor(type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
  tensor(type: 'int64', data: BigInt64Array, dims: readonly number[]): OrtTensor;
  createSession(model: Uint8Array): Promise<OrtSession>;
  /**
   * Starts the runtime ahead of the first session, where it would otherwise start inside it (onnxruntime-web's WASM
   * build; see ort-web.ts). Optional; never rejects.
   */
  start?(): Promise<void>;
}

/**
 * Reads a float output as Float32Array. fp16 graphs that do not keep fp32 outputs return float16 data (as raw
 * 16-bit words, or a Float16Array where the engine has one); those are widened here.
 */
export function floatData(t: OrtTensor | undefined, name: string): Float32Array {
  if (t === undefined) throw new Error(`Model output "${name}" is missing`);
  if (t.data instanceof Float32Array) return t.data;
  if (t.type === 'float16') {
    if (t.data instanceof Uint16Array) return halvesToFloats(t.data);
    if (ArrayBuffer.isView(t.data) && 'length' in t.data)
      return Float32Array.from(t.data as unknown as ArrayLike<number>);
  }
  throw new Error(`Model output "${name}" is ${t.type}, expected float32 or float16`);
}
