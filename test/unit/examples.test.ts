/**
 * Turning a labelled clip into a training example: features of the clip, the augmented view's text (a shipped
 * paraphrase, else the recogniser's transcript of the perturbed audio; no text at all for a pair without a recogniser,
 * as in use), and the CTC target (none without a transcript).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import { buildExample } from '../../src/training/examples';
import type { EncoderPair } from '../../src/inference/load-encoders';
import { loadNodeEncoders } from '../../src/inference/node';
import { MemoryStore } from '../../src/runtime/cache';
import { ravdessClip } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

const pairs: Record<string, EncoderPair> = {};
let pcm: Float32Array;

beforeAll(async () => {
  await ensureFixtures();
  for (const pair of ['lite', 'fixture']) pairs[pair] = await loadNodeEncoders({ pair, store: new MemoryStore() });
  pcm = decodeWav(readFileSync(ravdessClip('Actor_01/03-01-05-01-01-01-01.wav'))).channels[0] ?? new Float32Array();
}, 120_000);

const SENTENCE = 'Kids are talking by the door';
const PARAPHRASE = 'Children chat near the doorway';

describe('buildExample', () => {
  type TextView = 'paraphrase' | 'recognised' | 'empty' | null;
  const cases: readonly {
    name: string;
    pair: string;
    transcript: string | null;
    augmentedTranscript?: string | null;
    seed: number | null;
    own: 'gold' | 'empty';
    textView: TextView;
    ctc: boolean;
  }[] = [
    {
      name: 'with a recogniser, a shipped paraphrase is the augmented text view',
      pair: 'fixture',
      transcript: SENTENCE,
      augmentedTranscript: PARAPHRASE,
      seed: 7,
      own: 'gold',
      textView: 'paraphrase',
      ctc: true,
    },
    {
      name: 'with a recogniser and no paraphrase, the perturbed audio is transcribed',
      pair: 'fixture',
      transcript: SENTENCE,
      augmentedTranscript: null,
      seed: 7,
      own: 'gold',
      textView: 'recognised',
      ctc: true,
    },
    {
      name: 'without a recogniser, no text in either view, as in use',
      pair: 'lite',
      transcript: SENTENCE,
      augmentedTranscript: PARAPHRASE,
      seed: 7,
      own: 'empty',
      textView: 'empty',
      ctc: true,
    },
    {
      name: 'no transcript: no CTC target, never a made-up one',
      pair: 'lite',
      transcript: null,
      seed: 7,
      own: 'empty',
      textView: 'empty',
      ctc: false,
    },
    {
      name: 'no augmentation seed: no augmented view',
      pair: 'fixture',
      transcript: SENTENCE,
      augmentedTranscript: PARAPHRASE,
      seed: null,
      own: 'gold',
      textView: null,
      ctc: true,
    },
  ];
  it.each(cases)('$name', async ({ pair, transcript, augmentedTranscript, seed, own, textView, ctc }) => {
    const encoders = pairs[pair];
    if (encoders === undefined) throw new Error(`pair ${pair} not loaded`);
    const features = async (text: string): Promise<number[]> =>
      Array.from((await encoders.text.encode(text)).hidden.data);
    const ex = await buildExample(encoders, { pcm16k: pcm, transcript, augmentedTranscript, label: 1 }, seed);
    expect(ex.label).toBe(1);
    expect(ex.ctcTarget !== null).toBe(ctc);
    expect(Array.from(ex.text.data)).toEqual(await features(own === 'gold' ? (transcript ?? '') : ''));
    if (textView === null) {
      expect(ex.augmented).toBeNull();
      return;
    }
    const aug = ex.augmented;
    if (aug === null) throw new Error('expected an augmented view');
    // The perturbed audio differs from the clip.
    expect(Array.from(aug.audio.data.subarray(0, 200))).not.toEqual(Array.from(ex.audio.data.subarray(0, 200)));
    const augText = Array.from(aug.text.data);
    if (textView === 'paraphrase') expect(augText).toEqual(await features(PARAPHRASE));
    if (textView === 'empty') expect(augText).toEqual(await features(''));
    if (textView === 'recognised') {
      expect(augText).not.toEqual(await features(PARAPHRASE));
      expect(augText).not.toEqual(await features(SENTENCE));
    }
  });
});
