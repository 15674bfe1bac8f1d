/** The load bench's ledger check: prints file, size, why and the total; refuses a file downloaded twice. */
import { describe, expect, it } from 'vitest';
import type { LoadRun } from '../../bench/browser/page';
import { checkLedger } from '../../bench/lib/ledger';
import type { ModelSet } from '../../bench/lib/models';
import type { FetchRecord } from '../../src/runtime/fetch-ledger';

const SET: ModelSet = {
  pair: 'bench-base-q8',
  dtype: 'q8',
  wav2vec2Dir: '/w',
  wav2vec2File: 'model_quantized.onnx',
  robertaDir: '/r',
  robertaFile: 'model_quantized.onnx',
};
const GRAPH: FetchRecord = {
  model: 'w2v',
  file: 'onnx/model_quantized.onnx',
  bytes: 95_000_000,
  why: { kind: 'graph', role: 'audio-encoder', dtype: 'q8' },
};
const HEAD: FetchRecord = {
  model: 'head',
  file: 'heads/h/model.safetensors',
  bytes: 1_000_000,
  why: { kind: 'head', slot: 'pair', part: 'weights' },
};

function run(ledger: readonly FetchRecord[]): LoadRun {
  return { initMs: 0, firstResultMs: 0, files: null, ledger, steps: [], description: '', emotion: true };
}

describe('checkLedger', () => {
  it('prints each file with its size and reason, and the total', () => {
    const lines: string[] = [];
    const notes: string[] = [];
    checkLedger(run([GRAPH, HEAD]), 96_000_000, SET, (l) => lines.push(l), notes);
    expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['file', 'size', 'why'],
      ['w2v/onnx/model_quantized.onnx', '95.0 MB', 'runs: audio encoder graph (q8)'],
      ['head/heads/h/model.safetensors', '1.0 MB', "scores: weights of the pair's emotion head"],
      ['total', '96.0 MB', '2 file(s)'],
    ]);
    expect(notes).toEqual([]);
  });

  it('refuses a file downloaded twice, and notes bytes the ledger does not account for', () => {
    expect(() => {
      checkLedger(run([GRAPH, HEAD, GRAPH]), 0, SET, () => undefined, []);
    }).toThrow(/more than once: w2v\/onnx\/model_quantized\.onnx x2/);
    const notes: string[] = [];
    checkLedger(run([HEAD]), 2_000_000, SET, () => undefined, notes);
    expect(notes).toEqual(['load q8: the byte ledger counts 1.0 MB, the server sent 2.0 MB of model files']);
  });
});
