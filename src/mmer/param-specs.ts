/**
 * The MMER head's parameter list: names, shapes and initial values, derived from the config (naming conventions in
 * params.ts), and which parameters only training reads.
 */
import { mulberry32, seedFor } from '../core/rng';
import { encoderLayersOf, type MmerConfig } from './config';

/** How a parameter starts out: BERT's N(0, 0.02) for matrices, zeros for biases, ones for LayerNorm gains. */
export type ParamInit = 'normal' | 'zeros' | 'ones';

/** One entry of the model's parameter list. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
}

/** Standard deviation of the initial weights, as in BERT's `initializer_range`. */
export const INIT_STD = 0.02;

function linearSpecs(name: string, inDim: number, outDim: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [inDim, outDim], init: 'normal' },
    { name: `${name}.bias`, shape: [outDim], init: 'zeros' },
  ];
}

function layerNormSpecs(name: string, dim: number): ParamSpec[] {
  return [
    { name: `${name}.weight`, shape: [dim], init: 'ones' },
    { name: `${name}.bias`, shape: [dim], init: 'zeros' },
  ];
}

function blockSpecs(name: string, d: number, ffn: number): ParamSpec[] {
  return [
    ...linearSpecs(`${name}.attn.q`, d, d),
    ...linearSpecs(`${name}.attn.k`, d, d),
    ...linearSpecs(`${name}.attn.v`, d, d),
    ...linearSpecs(`${name}.attn.o`, d, d),
    ...layerNormSpecs(`${name}.attn_ln`, d),
    ...linearSpecs(`${name}.ffn.in`, d, ffn),
    ...linearSpecs(`${name}.ffn.out`, ffn, d),
    ...layerNormSpecs(`${name}.ffn_ln`, d),
  ];
}

/**
 * Parameters only the training losses read: the head's own CTC layer and the two contrastive projections. Inference
 * never touches them, so a shipped head keeps them in a file of their own that is fetched only when a run starts.
 */
const TRAINING_ONLY = /^(ctc|proj_orig|proj_aug)\./;

/** Whether only the training losses read parameter `name` (see `TRAINING_ONLY`). */
export function isTrainingOnly(name: string): boolean {
  return TRAINING_ONLY.test(name);
}

/** The full, ordered parameter list of the head for a config (optional input projections only when dims differ). */
export function paramSpecs(c: MmerConfig): ParamSpec[] {
  const d = c.hidden;
  const specs: ParamSpec[] = [];
  const enc = encoderLayersOf(c);
  for (let i = 0; i < enc.count; i++) specs.push(...blockSpecs(`encoder_layers.${i}`, c.audioDim, enc.ffn));
  if (c.audioDim !== d) specs.push(...linearSpecs('audio_in', c.audioDim, d));
  for (let i = 0; i < c.audioLayers; i++) specs.push(...blockSpecs(`audio_layers.${i}`, d, c.ffn));
  if (c.textDim !== d) specs.push(...linearSpecs('text_in', c.textDim, d));
  specs.push(...blockSpecs('text_block', d, c.ffn));
  specs.push(...linearSpecs('audio_proj_b', d, d), ...linearSpecs('audio_proj_c', d, d));
  for (const b of ['block_b', 'block_c', 'block_d']) specs.push(...blockSpecs(b, d, c.ffn));
  specs.push(...linearSpecs('gate', 2 * d, d), ...linearSpecs('text_pool', 2 * d, d));
  specs.push(...linearSpecs('classifier', 2 * d, c.labels.length), ...linearSpecs('ctc', d, c.vocabSize));
  for (const p of ['proj_orig', 'proj_aug'])
    specs.push(...linearSpecs(`${p}.fc1`, 2 * d, d), ...linearSpecs(`${p}.fc2`, d, d));
  if (c.utterance !== undefined) {
    specs.push(
      ...linearSpecs('utt_global', c.utterance.dim, c.labels.length),
      ...linearSpecs('utt_speaker', c.utterance.dim, c.labels.length),
    );
  }
  return specs;
}

/** Initial values of one parameter, deterministic in `seed` and the parameter's name. */
export function initialData(spec: ParamSpec, seed: number): Float32Array {
  const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
  if (spec.init === 'ones') data.fill(1);
  if (spec.init !== 'normal') return data;
  const rand = mulberry32(seedFor(seed, spec.name));
  for (let i = 0; i < data.length; i++) {
    // Box-Muller; 1 - u keeps the log argument in (0, 1]. Truncated at 2 std like BERT's truncated-normal init.
    let z: number;
    do z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    while (Math.abs(z) > 2);
    data[i] = z * INIT_STD;
  }
  return data;
}
