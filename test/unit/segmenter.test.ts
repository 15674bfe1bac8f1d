/** Speech segments from synthetic probability patterns: one table of patterns, one runner. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEGMENTER, Segmenter, type FrameSpan } from '../../src/timeline/segmenter';

/** A pattern: runs of [frames, probability]. */
type Runs = readonly (readonly [number, number])[];

function probabilities(runs: Runs): number[] {
  return runs.flatMap(([n, p]) => new Array<number>(n).fill(p));
}

function segment(probs: readonly number[]): FrameSpan[] {
  const s = new Segmenter();
  const out = probs.flatMap((p) => s.push(p));
  return [...out, ...s.flush()];
}

// Frames are 32 ms: pad 3 frames, shortest speech 8 frames, a pause ends speech after 16 frames, 625 frames = 20 s.
const PAD = 3;

const CASES: readonly { name: string; runs: Runs; want: readonly [number, number][] }[] = [
  { name: 'silence only', runs: [[500, 0.01]], want: [] },
  {
    name: 'one utterance, padded on both sides',
    runs: [
      [50, 0.02],
      [40, 0.9],
      [50, 0.02],
    ],
    want: [[50 - PAD, 90 + PAD]],
  },
  {
    name: 'a click shorter than 250 ms is not speech',
    runs: [
      [50, 0.02],
      [5, 0.95],
      [50, 0.02],
    ],
    want: [],
  },
  {
    name: 'a 0.3 s pause stays inside the utterance',
    runs: [
      [20, 0],
      [30, 0.9],
      [10, 0.1],
      [30, 0.9],
      [40, 0],
    ],
    want: [[20 - PAD, 90 + PAD]],
  },
  {
    name: 'a 1 s pause separates two utterances',
    runs: [
      [20, 0],
      [30, 0.9],
      [31, 0.1],
      [30, 0.9],
      [40, 0],
    ],
    want: [
      [20 - PAD, 50 + PAD],
      [81 - PAD, 111 + PAD],
    ],
  },
  {
    name: 'doubtful frames (between the thresholds) carry speech on but never start it',
    runs: [
      [20, 0],
      [30, 0.4],
      [20, 0.9],
      [40, 0.4],
      [40, 0],
    ],
    want: [[50 - PAD, 110 + PAD]],
  },
  {
    name: 'speech running to the end of the audio is closed there',
    runs: [
      [20, 0],
      [30, 0.9],
    ],
    want: [[20 - PAD, 50]],
  },
  {
    name: 'speech from the first frame has no padding before it',
    runs: [
      [30, 0.9],
      [40, 0],
    ],
    want: [[0, 30 + PAD]],
  },
  {
    name: 'probabilities that are not numbers count as silence',
    runs: [
      [20, Number.NaN],
      [30, 0.9],
      [40, Number.NaN],
    ],
    want: [[20 - PAD, 50 + PAD]],
  },
];

describe('Segmenter', () => {
  it.each(CASES)('$name', ({ runs, want }) => {
    expect(segment(probabilities(runs)).map((s) => [s.start, s.end])).toEqual(want);
  });

  it('cuts 45 s of speech into pieces of at most 20 s that meet exactly, at the dips', () => {
    const probs = probabilities([
      [10, 0],
      [1400, 0.9],
      [20, 0],
    ]);
    // Two dips (still speech) where a cut is better than anywhere else.
    probs[10 + 450] = 0.4;
    probs[10 + 1000] = 0.36;
    const spans = segment(probs);
    const maxFrames = DEFAULT_SEGMENTER.maxSegmentMs / DEFAULT_SEGMENTER.frameMs;
    expect(spans.length).toBe(3);
    for (const s of spans) expect(s.end - s.start).toBeLessThanOrEqual(maxFrames);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.start).toBe(spans[i - 1]?.end);
    expect(spans.map((s) => s.end).slice(0, 2)).toEqual([10 + 450, 10 + 1000]);
    expect([spans[0]?.start, spans.at(-1)?.end]).toEqual([10 - PAD, 1410 + PAD]);
  });

  it('gives each segment out as soon as its pause is long enough, not at the end', () => {
    const s = new Segmenter();
    const probs = probabilities([
      [20, 0],
      [30, 0.9],
      [100, 0],
    ]);
    const closedAt = probs.findIndex((p) => s.push(p).length > 0);
    expect(closedAt).toBe(50 + 16 - 1);
  });
});
