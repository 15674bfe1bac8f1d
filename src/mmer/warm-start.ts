/**
 * Starting a run from a trained head instead of from nothing (e.g. the shipped embedded head, fine-tuned on a
 * person's own clips and labels). Every parameter is copied; the ones whose shape depends on the label list (the
 * classifier and the utterance branches: one output column per label) are rebuilt for the new list, copying the
 * column of each label the head already knows and starting new labels at zero (an output column at zero gives
 * that label a logit of 0 and a full gradient, as a linear classifier's usual start). The head's utterance
 * normalisation is
 * kept: a handful of new clips would estimate it worse than the clips it was trained on.
 */
import { AppError } from '../core/errors';
import { validateConfig, type MmerConfig } from './config';
import { ParamStore, type SerialisedParams } from './params';

/** Parameters with one output column per label ([in, labels] weights, [labels] biases). */
const PER_LABEL = ['classifier', 'utt_global', 'utt_speaker'];

/** The config a warm-started run trains: the head's own, with the run's labels. */
export function warmStartConfig(head: MmerConfig, labels: readonly string[]): MmerConfig {
  const config = { ...head, labels: [...labels] };
  validateConfig(config);
  return config;
}

/**
 * A parameter store for `labels`, initialised from `head`'s parameters (`from`) where they apply and from `seed`
 * elsewhere. Labels are matched by name.
 * @throws AppError('training') when no label of the run is one the head knows (nothing of its classifier would carry
 * over).
 */
export function warmStart(
  head: MmerConfig,
  from: SerialisedParams,
  labels: readonly string[],
  seed: number,
): { config: MmerConfig; params: ParamStore; carried: string[] } {
  const carried = labels.filter((l) => head.labels.includes(l));
  if (carried.length === 0) {
    throw new AppError(
      'training',
      `The head to start from knows the labels ${head.labels.join(', ')}, none of this run's (${labels.join(', ')}); start from nothing instead.`,
    );
  }
  const config = warmStartConfig(head, labels);
  const params = ParamStore.init(config, seed);
  try {
    const record: SerialisedParams = {};
    for (const [name, value] of Object.entries(from)) {
      if (!params.has(name)) continue;
      const layer = name.slice(0, name.lastIndexOf('.'));
      record[name] = PER_LABEL.includes(layer) ? remapColumns(value, head.labels, labels) : value;
    }
    params.assignSome(record);
  } catch (err) {
    params.dispose();
    throw err;
  }
  return { config, params, carried };
}

/** Per label known to both lists, that label's column (last axis) of `value`; zeros for new labels. */
function remapColumns(
  value: { shape: number[]; data: Float32Array },
  fromLabels: readonly string[],
  toLabels: readonly string[],
): { shape: number[]; data: Float32Array } {
  const nFrom = fromLabels.length;
  const nTo = toLabels.length;
  const rows = value.data.length / nFrom;
  if (!Number.isInteger(rows) || value.shape.at(-1) !== nFrom)
    throw new AppError('bad-model', 'A per-label parameter of the head has an unexpected shape.');
  const data = new Float32Array(rows * nTo);
  toLabels.forEach((label, j) => {
    const i = fromLabels.indexOf(label);
    if (i < 0) return;
    for (let r = 0; r < rows; r++) data[r * nTo + j] = value.data[r * nFrom + i] ?? 0;
  });
  return { shape: [...value.shape.slice(0, -1), nTo], data };
}
