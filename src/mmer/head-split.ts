/**
 * A shipped head in two files: `model.safetensors` holds what scoring reads, `training.safetensors` the parameters
 * only the training losses read (the head's CTC layer and the contrastive projections). A page that only scores
 * never downloads the second file; a training run that starts from the head fetches it first.
 */
import { AppError } from '../core/errors';
import { isTrainingOnly } from './param-specs';
import { decodeSafetensors, encodeSafetensors, type NamedTensor, type StoredDtype } from './safetensors';

/** Name of the training-only parameter file beside a head's model.safetensors. */
export const HEAD_TRAINING_FILE = 'training.safetensors';

/** Metadata of the training-only file, so it cannot be taken for a whole head. */
const TRAINING_METADATA = { format: 'mmer-head', part: 'training' } as const;

/**
 * Splits a whole head's tensors (as `decodeSafetensors` returns them) into the bytes of its scoring part and of its
 * training-only part, each stored as `dtype`.
 * @throws AppError('bad-model') when the head holds no training-only parameter (it is split already).
 */
export function splitHeadWeights(
  head: {
    readonly tensors: Readonly<Record<string, NamedTensor>>;
    readonly metadata: Readonly<Record<string, string>>;
  },
  dtype: StoredDtype,
): { weights: Uint8Array; training: Uint8Array } {
  const { tensors, metadata } = head;
  const scoring: Record<string, NamedTensor> = {};
  const training: Record<string, NamedTensor> = {};
  for (const [name, t] of Object.entries(tensors)) (isTrainingOnly(name) ? training : scoring)[name] = t;
  if (Object.keys(training).length === 0)
    throw new AppError('bad-model', 'The head holds no training-only parameters: is it split already?');
  return {
    weights: encodeSafetensors(scoring, metadata, dtype),
    training: encodeSafetensors(training, TRAINING_METADATA, dtype),
  };
}

/** How a safetensors file stores its tensors: Q8 if any is int8, else F16 if any is float16, else F32. */
export function storedDtypeOf(safetensors: Uint8Array): StoredDtype {
  const view = new DataView(safetensors.buffer, safetensors.byteOffset, safetensors.byteLength);
  const header = new TextDecoder().decode(safetensors.subarray(8, 8 + Number(view.getBigUint64(0, true))));
  const dtypes = Object.values(JSON.parse(header) as Record<string, { dtype?: string }>).map((t) => t.dtype);
  return dtypes.includes('I8') ? 'Q8' : dtypes.includes('F16') ? 'F16' : 'F32';
}

/**
 * The tensors of a head's training-only file, checked: every one must be a training-only parameter and none may
 * already be among `scoring`'s. `file` names the file in messages.
 * @throws AppError('bad-model') naming the file and the tensor at fault.
 */
export function trainingTensors(
  bytes: Uint8Array,
  scoring: Readonly<Record<string, NamedTensor>>,
  file: string,
): Record<string, NamedTensor> {
  let tensors: Record<string, NamedTensor>;
  try {
    tensors = decodeSafetensors(bytes).tensors;
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^Checkpoint: /, '').replace(/\.$/, '') : String(err);
    throw new AppError('bad-model', `${file} is not a readable safetensors file: ${why}.`, { cause: err });
  }
  for (const name of Object.keys(tensors)) {
    if (!isTrainingOnly(name))
      throw new AppError('bad-model', `${file} holds "${name}", which is not a training-only parameter of the head.`);
    if (Object.hasOwn(scoring, name))
      throw new AppError('bad-model', `${file} holds "${name}", which the head's weights file holds too.`);
  }
  return tensors;
}
