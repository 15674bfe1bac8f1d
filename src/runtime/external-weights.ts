/**
 * A model handed to onnxruntime-web whole is first copied into the WASM heap and parsed there, so while a session
 * opens every weight sits in the heap twice (the file's copy and the initializer), and the heap never shrinks again:
 * for the fp32 pair that is about 500 MB of the page's memory for good. Given the graph without its large
 * initializers, which name the very bytes of the file as their external data, onnxruntime-web copies each weight
 * once, straight from those bytes into its tensor (or to the GPU on WebGPU), and parses a graph of a few hundred kB.
 */
import type { onnx as pb } from 'onnx-proto';
import { decode, graphOf, onnx } from './onnx-model';

/** The name the graph gives its external data; the session is handed the model's own bytes under it. */
export const EXTERNAL_WEIGHTS_PATH = 'model-weights.bin';

/** Initializers smaller than this stay in the graph: moving them saves nothing. */
const MIN_EXTERNAL_BYTES = 1024;

/**
 * The graph of `model` with every initializer of at least 1 kB stored as external data at its offset within
 * `model` itself, or null when no initializer qualifies (the model then goes to the session as it is). Only the main
 * graph's initializers move; subgraphs keep theirs.
 * @throws AppError('bad-model') when `model` is not an ONNX file.
 */
export function externalizeWeights(model: Uint8Array): Uint8Array | null {
  const decoded = decode(model);
  let moved = 0;
  for (const t of graphOf(decoded).initializer ?? []) {
    const raw = t.rawData;
    // protobufjs decodes bytes fields as views of the input, so a view's position in the file is its offset.
    if (raw == null || raw.byteLength < MIN_EXTERNAL_BYTES || raw.buffer !== model.buffer) continue;
    const offset = raw.byteOffset - model.byteOffset;
    if (offset < 0 || offset + raw.byteLength > model.byteLength) continue;
    moveOut(t, offset, raw.byteLength);
    moved++;
  }
  if (moved === 0) return null;
  const out = onnx.ModelProto.encode(decoded).finish();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function moveOut(t: pb.ITensorProto, offset: number, length: number): void {
  t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  t.externalData = [
    { key: 'location', value: EXTERNAL_WEIGHTS_PATH },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
  // Deleted, not emptied: the encoder then leaves the field out instead of writing an empty one.
  delete t.rawData;
}
