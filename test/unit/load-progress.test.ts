/** Folding the worker's load events into the progress table: bytes, files done, retries and missing precisions. */
import { describe, expect, it } from 'vitest';
import { LoadTracker, overall } from '../../src/page/load-progress';
import type { LoadProgress } from '../../src/runtime/runtime-types';

const M = 'wav2vec2';
/** The reason the loader gives a vocabulary (its value plays no part in the tracker's sums). */
const VOCAB = { kind: 'side-file', role: 'audio-encoder', purpose: 'vocab', use: 'inference' } as const;
const GRAPH = { kind: 'graph', role: 'audio-encoder', dtype: 'fp32' } as const;

describe('LoadTracker', () => {
  const cases: {
    name: string;
    events: LoadProgress[];
    want: { loaded: number; total: number | null; filesDone: number; filesTotal: number };
    status: string[];
  }[] = [
    {
      name: 'a file downloading and one done from the cache',
      events: [
        { status: 'initiate', model: M, file: 'a.onnx', total: 100, why: GRAPH },
        { status: 'progress', model: M, file: 'a.onnx', loaded: 30, total: 100 },
        { status: 'done', model: M, file: 'vocab.json', fromCache: true, bytes: 10, why: VOCAB },
      ],
      want: { loaded: 40, total: 110, filesDone: 1, filesTotal: 2 },
      status: ['progress', 'done'],
    },
    {
      name: 'a retry starts the file again',
      events: [
        { status: 'progress', model: M, file: 'a.onnx', loaded: 60, total: 100 },
        { status: 'retry', model: M, file: 'a.onnx', attempt: 2, reason: 'server answered 500' },
      ],
      want: { loaded: 0, total: 100, filesDone: 0, filesTotal: 1 },
      status: ['retry'],
    },
    {
      name: 'a precision missing on the server counts as finished with nothing to load; the next one loads',
      events: [
        { status: 'initiate', model: M, file: 'onnx/model_fp16.onnx', total: null, why: GRAPH },
        { status: 'missing', model: M, file: 'onnx/model_fp16.onnx', next: 'fp32' },
        { status: 'progress', model: M, file: 'onnx/model.onnx', loaded: 50, total: 200 },
      ],
      want: { loaded: 50, total: 200, filesDone: 1, filesTotal: 2 },
      status: ['missing', 'progress'],
    },
  ];
  it.each(cases)('$name', ({ events, want, status }) => {
    const t = new LoadTracker();
    for (const e of events) t.apply(e);
    const { files } = t.snapshot();
    expect(files.map((f) => f.status)).toEqual(status);
    expect(overall(files)).toMatchObject(want);
  });

  it('remembers which precision replaced a missing one', () => {
    const t = new LoadTracker();
    t.apply({ status: 'missing', model: M, file: 'onnx/model_fp16.onnx', next: 'fp32' });
    expect(t.snapshot().files[0]).toMatchObject({ status: 'missing', fallback: 'fp32' });
  });
});
