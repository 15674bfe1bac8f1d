/**
 * Turning a labelled clip into a training example with the lite pair: features of the clip, the augmented view's
 * text (shipped paraphrase, else word dropout), and the CTC target (none without a transcript).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import { buildExample } from '../../src/mmer/examples';
import type { EncoderPair } from '../../src/pipeline/load-encoders';
import { loadNodeEncoders } from '../../src/pipeline/node';
import { MemoryStore } from '../../src/runtime/cache';
import { ravdessClip } from '../shared-data';

let encoders: EncoderPair;
let pcm: Float32Array;

beforeAll(async () => {
  encoders = await loadNodeEncoders({ pair: 'lite', store: new MemoryStore() });
  pcm = decodeWav(readFileSync(ravdessClip('Actor_01/03-01-05-01-01-01-01.wav'))).channels[0] ?? new Float32Array();
});

const SENTENCE = 'Kids are talking by the door';
const PARAPHRASE = 'Children chat near the doorway';

describe('buildExample', () => {
  const cases: readonly { name: string; transcript: string | null; augmentedTranscript?: string | null; seed: number | null; textView: string | null; ctc: boolean }[] = [
    { name: 'a shipped paraphrase is the augmented text view', transcript: SENTENCE, augmentedTranscript: PARAPHRASE, seed: 7, textView: PARAPHRASE, ctc: true },
    { name: 'without a paraphrase the lite pair drops words', transcript: SENTENCE, augmentedTranscript: null, seed: 7, textView: 'dropout', ctc: true },
    { name: 'no transcript: no CTC target, never a made-up one', transcript: null, seed: 7, textView: 'dropout', ctc: false },
    { name: 'no augmentation seed: no augmented view', transcript: SENTENCE, augmentedTranscript: PARAPHRASE, seed: null, textView: null, ctc: true },
  ];
  it.each(cases)('$name', async ({ transcript, augmentedTranscript, seed, textView, ctc }) => {
    const ex = await buildExample(encoders, { pcm16k: pcm, transcript, augmentedTranscript, label: 1 }, seed);
    expect(ex.label).toBe(1);
    expect(ex.ctcTarget !== null).toBe(ctc);
    if (textView === null) {
      expect(ex.augmented).toBeNull();
      return;
    }
    const aug = ex.augmented;
    if (aug === null) throw new Error('expected an augmented view');
    // The perturbed audio differs from the clip.
    expect(Array.from(aug.audio.data.subarray(0, 200))).not.toEqual(Array.from(ex.audio.data.subarray(0, 200)));
    if (textView === PARAPHRASE) {
      expect(Array.from(aug.text.data)).toEqual(Array.from((await encoders.text.encode(PARAPHRASE)).hidden.data));
    } else {
      expect(Array.from(aug.text.data)).not.toEqual(Array.from((await encoders.text.encode(PARAPHRASE)).hidden.data));
    }
  });
});
