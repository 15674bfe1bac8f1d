import { describe, expect, it } from 'vitest';
import { kernelTimes, parseLines } from '../../bench/lib/ort-profile';

const kernel = (op: string, dur: number, node = 'n'): Record<string, unknown> => ({
  cat: 'Node',
  name: `${node}_kernel_time`,
  dur,
  args: { op_name: op },
});

describe('kernelTimes', () => {
  it.each([
    {
      name: 'sums per operator and divides by passes',
      events: [kernel('MatMul', 3000), kernel('MatMul', 1000, 'm2'), kernel('Conv', 500)],
      passes: 2,
      want: { MatMul: 2, Conv: 0.25 },
    },
    {
      name: 'skips fences, sessions and malformed events',
      events: [
        { cat: 'Node', name: 'n_fence_before', dur: 9, args: { op_name: 'Add' } },
        { cat: 'Session', name: 'model_run', dur: 99 },
        null,
        'x',
        { cat: 'Node', name: 'a_kernel_time' },
        kernel('Add', 4000),
      ],
      passes: 1,
      want: { Add: 4 },
    },
    {
      name: 'names an event without op_name "?"',
      events: [{ cat: 'Node', name: 'z_kernel_time', dur: 2000 }],
      passes: 1,
      want: { '?': 2 },
    },
  ])('$name', ({ events, passes, want }) => {
    expect(Object.fromEntries(kernelTimes(events, passes))).toEqual(want);
  });
});

describe('parseLines', () => {
  it('reads one event per printed line, with or without array punctuation and prefixes', () => {
    const lines = [
      '[',
      '{"cat":"Node","name":"a_kernel_time","dur":5,"args":{"op_name":"Add"}},',
      'junk',
      'ort: {"cat":"Node","name":"b_kernel_time","dur":7}]',
      '{broken',
    ];
    expect(parseLines(lines)).toEqual([
      { cat: 'Node', name: 'a_kernel_time', dur: 5, args: { op_name: 'Add' } },
      { cat: 'Node', name: 'b_kernel_time', dur: 7 },
    ]);
  });

  it('splits a block printed as one message', () => {
    expect(parseLines(['{"a":1},\n{"b":2}'])).toEqual([{ a: 1 }, { b: 2 }]);
  });
});
