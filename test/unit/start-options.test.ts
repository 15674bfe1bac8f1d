/**
 * The Train screen's "Start from" list: nothing first, the pair's shipped heads, then its library heads, each with the
 * labels it carries.
 */
import { describe, expect, it } from 'vitest';
import { startCandidates, startOptions } from '../../src/components/training/start-options';
import type { StoredHeadInfo } from '../../src/data/library/library-types';
import type { HeadEntry } from '../../src/runtime/manifest';

const ref = { path: 'x' };
const shipped: HeadEntry[] = [
  { id: 'lite-ravdess8', pair: 'lite', description: '', files: { config: ref, weights: ref } },
  { id: 'fixture-random', pair: 'fixture', description: '', files: { config: ref, weights: ref } },
];
const stored = (id: string, pair: string, labels: string[]): StoredHeadInfo => ({
  id,
  name: `head ${id}`,
  pair,
  labels,
  metrics: null,
  training: null,
  createdAt: '2026-12-07T00:00:00Z',
  origin: 'trained',
});
const library = [stored('a', 'lite', ['happy', 'frustrated']), stored('b', 'base', ['happy'])];

describe('start options', () => {
  const cases = [
    {
      name: 'labels of the shipped head known',
      labels: ['happy', 'frustrated'],
      known: new Map([['lite-ravdess8', ['angry', 'happy', 'sad']]]),
      want: [
        { value: null, unusable: null },
        {
          value: 'builtin:lite-ravdess8',
          label: 'lite-ravdess8 (shipped with the app): carries happy',
          unusable: null,
        },
        { value: 'a', label: 'head a (library): carries happy, frustrated', unusable: null },
      ],
    },
    {
      name: 'a head sharing no label is listed as unusable',
      labels: ['bored'],
      known: new Map([['lite-ravdess8', ['angry', 'happy']]]),
      want: [
        { value: null, unusable: null },
        {
          value: 'builtin:lite-ravdess8',
          label: 'lite-ravdess8 (shipped with the app): carries no label',
          unusable: "lite-ravdess8 (shipped with the app) knows angry, happy, none of this run's labels.",
        },
        {
          value: 'a',
          label: 'head a (library): carries no label',
          unusable: "head a (library) knows happy, frustrated, none of this run's labels.",
        },
      ],
    },
    {
      name: 'labels of the shipped head not read yet',
      labels: ['happy'],
      known: new Map<string, string[]>(),
      want: [
        { value: null, unusable: null },
        { value: 'builtin:lite-ravdess8', label: 'lite-ravdess8 (shipped with the app)', unusable: null },
        { value: 'a', label: 'head a (library): carries happy', unusable: null },
      ],
    },
  ];
  it.each(cases)('$name', ({ labels, known, want }) => {
    const options = startOptions(startCandidates(shipped, library, 'lite', known), labels);
    expect(options).toHaveLength(want.length);
    want.forEach((w, i) => {
      expect(options[i]).toMatchObject(w);
    });
  });

  it('says what a run starting from a shipped head downloads first: its training-only weights', () => {
    const split: HeadEntry = {
      ...shipped[0],
      id: 'split',
      files: { config: ref, weights: ref, training: { path: 't', bytes: 3_540_000 } },
    } as HeadEntry;
    const [, option] = startOptions(startCandidates([split], [], 'lite', new Map([['split', ['happy']]])), ['happy']);
    expect(option?.label).toBe(
      'split (shipped with the app): carries happy (a run first downloads 3.5 MB of training weights)',
    );
    const [, unread] = startOptions(startCandidates([split], [], 'lite', new Map()), ['happy']);
    expect(unread?.label).toBe('split (shipped with the app) (a run first downloads 3.5 MB of training weights)');
  });

  it('offers only heads of the loaded pair', () => {
    expect(startCandidates(shipped, library, 'base', new Map()).map((c) => c.value)).toEqual(['b']);
    expect(startCandidates(shipped, library, 'fixture', new Map()).map((c) => c.value)).toEqual([
      'builtin:fixture-random',
    ]);
  });
});
