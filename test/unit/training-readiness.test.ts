import { describe, expect, it } from 'vitest';
import { trainingReadiness } from '../../src/data/library/readiness';
import type { LibraryClip, SplitName } from '../../src/data/library/library-types';
import { screenFromHash } from '../../src/hooks/useScreen';
import { reduceTrainEvent, type TrainingView } from '../../src/hooks/useTraining';

function clip(id: string, label: string | null, transcript: string | null = 'hello'): LibraryClip {
  return {
    id,
    name: id,
    label,
    transcript,
    transcriptSource: null,
    speaker: null,
    split: null,
    durationS: 1,
    createdAt: '2026-01-01T00:00:00Z',
    source: 'file',
    revision: 0,
  };
}

/** `spec` is "label:split" per clip, e.g. "a:train". */
function library(
  spec: readonly string[],
  transcripts = true,
): { clips: LibraryClip[]; splits: Map<string, SplitName> } {
  const clips = spec.map((s, i) => {
    const [label = '', split = 'train'] = s.split(':');
    return {
      c: clip(`c${String(i)}`, label === '-' ? null : label, transcripts ? 'hi' : null),
      split: split as SplitName,
    };
  });
  return { clips: clips.map((x) => x.c), splits: new Map(clips.map((x) => [x.c.id, x.split])) };
}

const CASES: readonly {
  name: string;
  spec: string[];
  labels: string[];
  min: number;
  errors: RegExp[];
  notices: RegExp[];
  transcripts?: boolean;
}[] = [
  {
    name: 'ready',
    spec: ['a:train', 'a:train', 'b:train', 'b:train', 'a:validation', 'b:test'],
    labels: ['a', 'b'],
    min: 2,
    errors: [],
    notices: [],
  },
  {
    name: 'one label in the set',
    spec: ['a:train', 'a:train', 'a:validation'],
    labels: ['a'],
    min: 1,
    errors: [/at least two labels; the label set has 1/],
    notices: [],
  },
  {
    name: 'no training clips',
    spec: ['a:validation', 'b:test'],
    labels: ['a', 'b'],
    min: 1,
    errors: [/no training clips/],
    notices: [],
  },
  {
    name: 'only one label has clips',
    spec: ['a:train', 'a:train', 'a:validation'],
    labels: ['a', 'b'],
    min: 1,
    errors: [/Only "a" has training clips/],
    notices: [],
  },
  {
    name: 'too few per label, named',
    spec: ['a:train', 'a:train', 'a:train', 'b:train', 'a:validation'],
    labels: ['a', 'b'],
    min: 2,
    errors: [/at least 2 training clip\(s\): b has 1/],
    notices: [],
  },
  {
    name: 'left-out clips are counted',
    spec: ['a:train', 'b:train', 'x:train', '-:train', '-:validation', 'a:validation'],
    labels: ['a', 'b'],
    min: 1,
    errors: [],
    notices: [/2 unlabelled clip\(s\)/, /1 clip\(s\) with labels outside/],
  },
  {
    name: 'no transcripts: CTC off',
    spec: ['a:train', 'b:train', 'a:validation'],
    labels: ['a', 'b'],
    min: 1,
    errors: [],
    notices: [/CTC is off/],
    transcripts: false,
  },
  {
    name: 'no validation clips',
    spec: ['a:train', 'b:train'],
    labels: ['a', 'b'],
    min: 1,
    errors: [],
    notices: [/No validation clips/],
  },
];

describe('trainingReadiness', () => {
  it.each(CASES)('$name', ({ spec, labels, min, errors, notices, transcripts }) => {
    const { clips, splits } = library(spec, transcripts ?? true);
    const r = trainingReadiness(clips, splits, labels, min);
    expect(r.errors).toHaveLength(errors.length);
    errors.forEach((re, i) => {
      expect(r.errors[i]).toMatch(re);
    });
    for (const re of notices) expect(Array.from(r.notices).filter((n) => re.test(n))).not.toEqual([]);
    if (notices.length === 0) expect(r.notices).toEqual([]);
  });

  it('counts the clips a run would use per split and per label', () => {
    const { clips, splits } = library(['a:train', 'a:train', 'b:train', 'b:validation', 'c:test', 'a:test']);
    const r = trainingReadiness(clips, splits, ['a', 'b'], 1);
    expect(r.counts).toEqual({ train: 3, validation: 1, test: 1 });
    expect(r.trainPerLabel).toEqual([2, 1]);
  });
});

const EMPTY: TrainingView = {
  phase: 'preparing',
  runId: null,
  engine: null,
  offGpu: null,
  clips: null,
  resumedFromEpoch: null,
  features: null,
  current: null,
  steps: [],
  epochs: [],
  notices: [],
  outcome: null,
  error: null,
};
const OFF_GPU = { gflops: 20, low: 5, high: 45, reference: { low: 100, high: 900 } };
const LOSS = { total: 2, ce: 1.5, ctc: 3, supcon: 1, acl: 1 };

describe('reduceTrainEvent', () => {
  it('folds a run into what the training screen draws', () => {
    let v = reduceTrainEvent(EMPTY, {
      kind: 'started',
      runId: 'r1',
      engine: 'wasm',
      offGpu: OFF_GPU,
      resumedFromEpoch: null,
      clips: { train: 4, validation: 2, test: 1 },
    });
    v = reduceTrainEvent(v, { kind: 'features', done: 3, total: 7, cached: 1 });
    expect(v.features).toEqual({ done: 3, total: 7, cached: 1 });
    v = reduceTrainEvent(v, {
      kind: 'step',
      epoch: 1,
      epochs: 2,
      step: 1,
      steps: 2,
      loss: LOSS,
      clipsPerSecond: 2,
      etaSeconds: 6,
    });
    v = reduceTrainEvent(v, {
      kind: 'step',
      epoch: 2,
      epochs: 2,
      step: 1,
      steps: 2,
      loss: { ...LOSS, total: 1 },
      clipsPerSecond: 2,
      etaSeconds: 2,
    });
    // Steps are numbered across epochs, so the chart's x axis never goes back.
    expect(v.steps.map((s) => s.x)).toEqual([1, 3]);
    expect(v.phase).toBe('training');
    v = reduceTrainEvent(v, { kind: 'paused' });
    v = reduceTrainEvent(v, {
      kind: 'step',
      epoch: 2,
      epochs: 2,
      step: 2,
      steps: 2,
      loss: LOSS,
      clipsPerSecond: 2,
      etaSeconds: 0,
    });
    expect(v.phase).toBe('paused');
    v = reduceTrainEvent(v, { kind: 'resumed' });
    expect(v.phase).toBe('training');
    v = reduceTrainEvent(v, { kind: 'epoch', epoch: 1, loss: LOSS, validation: null, checkpointSaved: true });
    v = reduceTrainEvent(v, {
      kind: 'epoch',
      epoch: 1,
      loss: { ...LOSS, total: 9 },
      validation: null,
      checkpointSaved: false,
    });
    // A repeated epoch (after a resume) replaces the old entry.
    expect(v.epochs).toHaveLength(1);
    expect(v.epochs[0]?.loss.total).toBe(9);
    v = reduceTrainEvent(v, { kind: 'notice', message: 'CTC is off' });
    expect(v.notices).toEqual(['CTC is off']);
    expect(v.engine).toBe('wasm');
    expect(v.offGpu).toEqual(OFF_GPU);
  });
});

describe('screenFromHash', () => {
  it.each([
    ['', 'classify'],
    ['#library', 'library'],
    ['#/train', 'train'],
    ['#heads', 'heads'],
    ['#nonsense', 'classify'],
  ] as const)('%s -> %s', (hash, screen) => {
    expect(screenFromHash(hash)).toBe(screen);
  });
});
