/**
 * The fixture generator: deterministic bytes, graphs that onnxruntime runs with the hub exports' signatures,
 * wav2vec2 frame counts that follow the conv stack, and a tokenizer that transformers.js loads.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { describeModel } from '../../src/runtime/onnx-model';
import { decodeCheckpoint } from '../../src/mmer/checkpoint';
import {
  fixtureFiles,
  fixtureFolders,
  fixtureOutputs,
  parseArgs,
  sha256Hex,
  writeIfChanged,
  type FixtureFile,
} from '../../tools/fixtures/cli';
import { FIXTURE_HEAD_DESCRIPTION, FIXTURE_HEAD_FOLDER } from '../../tools/fixtures/head';
import { buildRobertaOnnx, robertaTinyDims } from '../../tools/fixtures/roberta';
import { buildByteLevelTokenizer } from '../../tools/fixtures/tokenizer';
import {
  buildWav2vec2Onnx,
  CONV_KERNELS,
  CONV_STRIDES,
  WAV2VEC2_TINY,
  WAV2VEC2_VOCAB,
  wav2vec2Frames,
} from '../../tools/fixtures/wav2vec2';

const tiny = (): FixtureFile[] => [...fixtureFiles('tiny')];
const wav2vec2 = buildWav2vec2Onnx(WAV2VEC2_TINY);
const roberta = buildRobertaOnnx(robertaTinyDims());

/** A deterministic test signal: a chirp with a little hash noise, so every frame differs. */
function signal(n: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => 0.5 * Math.sin(0.002 * i * (1 + i / n)) + 0.01 * (((i * 2654435761) % 1000) / 500 - 1),
  );
}

describe('fixture generation', () => {
  it('is byte-identical across runs, with distinct files', () => {
    const a = tiny();
    const b = tiny();
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    a.forEach((f, k) => {
      expect(sha256Hex(f.bytes), f.path).toBe(sha256Hex(b[k]?.bytes ?? new Uint8Array()));
    });
    expect(new Set(a.map((f) => sha256Hex(f.bytes))).size).toBe(a.length);
    const { wav2vec2: w, roberta: r } = fixtureFolders('tiny');
    expect(a.map((f) => f.path).sort()).toEqual(
      [
        `${w}/config.json`,
        `${w}/vocab.json`,
        `${w}/tokenizer_config.json`,
        `${w}/preprocessor_config.json`,
        `${w}/onnx/model.onnx`,
        `${r}/config.json`,
        `${r}/tokenizer.json`,
        `${r}/tokenizer_config.json`,
        `${r}/onnx/model.onnx`,
      ].sort(),
    );
  });

  it('writes files once and skips identical ones on the next run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fixtures-'));
    try {
      const file = tiny().find((f) => f.path.endsWith('vocab.json'));
      if (!file) throw new Error('no vocab.json');
      expect((await writeIfChanged(dir, file)).written).toBe(true);
      expect((await writeIfChanged(dir, file)).written).toBe(false);
      expect(new Uint8Array(await readFile(join(dir, file.path)))).toEqual(file.bytes);
      const changed = { path: file.path, bytes: new TextEncoder().encode('{}\n') };
      expect((await writeIfChanged(dir, changed)).written).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [[], 'tiny', join('/repo', 'public', 'models', 'fixtures')],
    [['--size', 'base'], 'base', join('/repo', '.cache', 'fixtures')],
    [['--size=base', '--out', '/tmp/x'], 'base', '/tmp/x'],
  ] as const)('parses %j', (argv, size, out) => {
    expect(parseArgs(argv, '/repo')).toEqual({ size, out });
  });

  it('rejects bad arguments', () => {
    expect(() => parseArgs(['--size', 'huge'], '/repo')).toThrow(/tiny or base/);
    expect(() => parseArgs(['--out'], '/repo')).toThrow(/needs a value/);
    expect(() => parseArgs(['--frobnicate'], '/repo')).toThrow(/unknown argument/);
  });

  it('ships the real 32-symbol wav2vec2-base-960h vocabulary', () => {
    const file = tiny().find((f) => f.path.endsWith('/vocab.json'));
    const vocab = JSON.parse(new TextDecoder().decode(file?.bytes)) as Record<string, number>;
    expect(vocab).toEqual(WAV2VEC2_VOCAB);
    expect(Object.values(vocab).sort((x, y) => x - y)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    expect(Object.keys(vocab).slice(0, 6)).toEqual(['<pad>', '<s>', '</s>', '<unk>', '|', 'E']);
  });
});

describe('fixture emotion head', () => {
  const collect = async (): Promise<FixtureFile[]> => {
    const out: FixtureFile[] = [];
    for await (const f of fixtureOutputs('tiny')) out.push(f);
    return out;
  };

  it('is written with the tiny fixtures, byte-identical across runs, and loads as a head', async () => {
    const [a, b] = [await collect(), await collect()];
    const heads = a.filter((f) => f.path.startsWith(`${FIXTURE_HEAD_FOLDER}/`));
    expect(heads.map((f) => f.path).sort()).toEqual([
      `${FIXTURE_HEAD_FOLDER}/config.json`,
      `${FIXTURE_HEAD_FOLDER}/model.safetensors`,
    ]);
    expect(a.map((f) => sha256Hex(f.bytes))).toEqual(b.map((f) => sha256Hex(f.bytes)));
    expect(a.length).toBe(tiny().length + 2);
    const config = heads.find((f) => f.path.endsWith('config.json'));
    const weights = heads.find((f) => f.path.endsWith('model.safetensors'));
    if (config === undefined || weights === undefined) throw new Error('head files missing');
    const { manifest, params } = decodeCheckpoint(new TextDecoder().decode(config.bytes), weights.bytes);
    params.dispose();
    expect(manifest.metrics).toBeNull();
    expect(manifest.training?.description).toBe(FIXTURE_HEAD_DESCRIPTION);
    expect(manifest.config).toMatchObject({ hidden: 32, heads: 2, ffn: 64, audioLayers: 0 });
    // Small: a few hundred kB at most, so it can live beside the fixture models.
    expect(weights.bytes.byteLength).toBeLessThan(500_000);
  });
});

describe('fixture models in onnxruntime-node', () => {
  it.each([
    [
      'wav2vec2',
      wav2vec2,
      [['input_values', 'float32', ['batch_size', 'sequence_length']]],
      [['logits', 'float32', ['batch_size', 'frames', 32]]],
    ],
    [
      'roberta',
      roberta,
      [
        ['input_ids', 'int64', ['batch_size', 'sequence_length']],
        ['attention_mask', 'int64', ['batch_size', 'sequence_length']],
      ],
      [['logits', 'float32', ['batch_size', 'sequence_length', buildByteLevelTokenizer().vocabSize]]],
    ],
  ] as const)('%s declares the hub signature', async (_name, bytes, inputs, outputs) => {
    const d = describeModel(bytes);
    expect(d.inputs.map((t) => [t.name, t.dtype, t.shape])).toEqual(inputs);
    expect(d.outputs.map((t) => [t.name, t.dtype, t.shape])).toEqual(outputs);
    expect(d.opset).toBe(17);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(inputs.map((i) => i[0]));
    expect(session.outputNames).toEqual(outputs.map((o) => o[0]));
  });

  it('wav2vec2 frame count follows the conv stack', async () => {
    expect(CONV_KERNELS).toEqual([10, 3, 3, 3, 3, 2, 2]);
    expect(CONV_STRIDES).toEqual([5, 2, 2, 2, 2, 2, 2]);
    expect(wav2vec2Frames(16000)).toBe(49);
    expect(wav2vec2Frames(38229)).toBe(119);
    expect(wav2vec2Frames(399)).toBe(0);
    const session = await ort.InferenceSession.create(wav2vec2);
    for (const n of [400, 719, 720, 1000, 16000, 16320, 38229]) {
      const { logits } = await session.run({ input_values: new ort.Tensor('float32', signal(n), [1, n]) });
      expect(logits?.type).toBe('float32');
      expect(logits?.dims, `${n} samples`).toEqual([1, wav2vec2Frames(n), 32]);
      const data = logits?.data as Float32Array;
      expect(Array.from(data).filter((v) => !Number.isFinite(v))).toEqual([]);
    }
  });

  it('wav2vec2 runs a batch of 2 and the logits depend on the audio', async () => {
    const session = await ort.InferenceSession.create(wav2vec2);
    const n = 8000;
    const x = new Float32Array(2 * n);
    x.set(signal(n), 0);
    x.set(
      signal(n).map((v) => -v),
      n,
    );
    const { logits } = await session.run({ input_values: new ort.Tensor('float32', x, [2, n]) });
    const data = logits?.data as Float32Array;
    const half = data.length / 2;
    let diff = 0;
    for (let i = 0; i < half; i++) diff = Math.max(diff, Math.abs((data[i] ?? 0) - (data[i + half] ?? 0)));
    expect(logits?.dims).toEqual([2, wav2vec2Frames(n), 32]);
    expect(diff).toBeGreaterThan(0.1);
  });

  it('roberta ignores padding: padded and unpadded runs agree on the real tokens', async () => {
    const session = await ort.InferenceSession.create(roberta);
    const ids = [0n, 46n, 442n, 326n, 2n];
    const run = async (idList: bigint[], mask: bigint[]): Promise<Float32Array> => {
      const shape = [1, idList.length];
      const r = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(idList), shape),
        attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask), shape),
      });
      expect(r.logits?.type).toBe('float32');
      return r.logits?.data as Float32Array;
    };
    const plain = await run(
      ids,
      ids.map(() => 1n),
    );
    const padded = await run([...ids, 1n, 1n], [...ids.map(() => 1n), 0n, 0n]);
    let diff = 0;
    for (let i = 0; i < plain.length; i++) diff = Math.max(diff, Math.abs((plain[i] ?? 0) - (padded[i] ?? 0)));
    expect(diff).toBeLessThan(1e-4);
    expect(Array.from(plain).filter((v) => !Number.isFinite(v))).toEqual([]);
  });
});

describe('fixture tokenizer through @huggingface/transformers', () => {
  it('loads from a local folder, adds <s> ... </s>, and round-trips text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fixtures-tok-'));
    try {
      for (const f of tiny().filter((x) => !x.path.endsWith('.onnx'))) await writeIfChanged(dir, f);
      const { AutoTokenizer, env } = await import('@huggingface/transformers');
      env.localModelPath = dir;
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      const tokenizer = await AutoTokenizer.from_pretrained(fixtureFolders('tiny').roberta);
      const { vocabSize } = buildByteLevelTokenizer();
      for (const text of [
        'KIDS ARE TALKING BY THE DOOR',
        'Dogs are sitting by the door.',
        "naïve café, it's 10 o'clock 😀",
      ]) {
        const ids = tokenizer.encode(text);
        expect(ids[0]).toBe(0);
        expect(ids.at(-1)).toBe(2);
        expect(Math.min(...ids)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...ids)).toBeLessThan(vocabSize);
        expect(tokenizer.decode(ids, { skip_special_tokens: true })).toBe(text);
      }
      // The learned merges are used: a common sentence needs far fewer tokens than bytes.
      expect(tokenizer.encode('KIDS ARE TALKING BY THE DOOR').length).toBeLessThan(12);
      expect(tokenizer.decode([0, 2])).toBe('<s></s>');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
