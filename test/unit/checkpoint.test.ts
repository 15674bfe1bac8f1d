import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { decodeCheckpoint, encodeCheckpoint, type HeadManifest } from '../../src/mmer/checkpoint';
import { loadHeadDir, saveHeadDir } from '../../src/mmer/checkpoint-node';
import { disposeMmerOutputs, mmerForward, type MmerBatch } from '../../src/mmer/head';
import { ParamStore } from '../../src/mmer/params';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/mmer/safetensors';
import { SMALL_CONFIG, SMALL_MANIFEST } from './small-head';

const config = SMALL_CONFIG;
const manifest = SMALL_MANIFEST;

let params: ParamStore;
let encoded: { configJson: string; safetensors: Uint8Array };
let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  params = ParamStore.init(config, 11);
  encoded = await encodeCheckpoint(manifest, params);
  tmp = mkdtempSync(join(tmpdir(), 'mmer-checkpoint-'));
});

afterAll(() => {
  params.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function batch(seed: number): MmerBatch {
  return {
    audio: tf.randomNormal([2, 6, config.audioDim], 0, 1, 'float32', seed),
    audioMask: tf.tensor2d([
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 0, 0],
    ]),
    text: tf.randomNormal([2, 4, config.textDim], 0, 1, 'float32', seed + 1),
    textMask: tf.tensor2d([
      [1, 1, 1, 1],
      [1, 1, 1, 0],
    ]),
  };
}

/** All forward outputs of a store on a fixed batch (inference mode), as plain arrays. */
function outputs(store: ParamStore): Record<string, Float32Array> {
  const b = batch(3);
  const out = mmerForward(store, config, b, { training: false });
  const proj = out.projection(out.pooled, 'aug');
  const ctc = out.ctcLogits();
  const res: Record<string, Float32Array> = {
    logits: out.logits.dataSync() as Float32Array,
    ctcLogits: ctc.dataSync() as Float32Array,
    pooled: out.pooled.dataSync() as Float32Array,
    proj: proj.dataSync() as Float32Array,
  };
  disposeMmerOutputs(out);
  tf.dispose([proj, ctc, b.audio, b.audioMask, b.text, b.textMask]);
  return res;
}

/** The manifest as parsed JSON, edited, and serialised again. */
function editConfig(edit: (m: Record<string, unknown>) => void): string {
  const m = JSON.parse(encoded.configJson) as Record<string, unknown>;
  edit(m);
  return JSON.stringify(m);
}

/** The weights file with its tensors edited. */
function editWeights(edit: (t: Record<string, NamedTensor>) => void): Uint8Array {
  const { tensors } = decodeSafetensors(encoded.safetensors);
  edit(tensors);
  return encodeSafetensors(tensors);
}

function decodeError(configJson: string, weights: Uint8Array): AppError {
  try {
    decodeCheckpoint(configJson, weights).params.dispose();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('decodeCheckpoint accepted a corrupt checkpoint');
}

describe('encodeCheckpoint / decodeCheckpoint', () => {
  it('round-trips the manifest and gives bit-identical forward outputs', () => {
    const { manifest: back, params: loaded } = decodeCheckpoint(encoded.configJson, encoded.safetensors);
    try {
      expect(back).toEqual(manifest);
      const want = outputs(params);
      const got = outputs(loaded);
      for (const key of Object.keys(want)) expect(got[key], key).toEqual(want[key]);
      // A different init must give different outputs, or the comparison above proves nothing.
      const other = ParamStore.init(config, 12);
      expect(outputs(other).logits).not.toEqual(want.logits);
      other.dispose();
    } finally {
      loaded.dispose();
    }
  });

  it('writes readable JSON and is deterministic', async () => {
    expect(encoded.configJson).toContain('\n  "config": {');
    const again = await encodeCheckpoint(manifest, params);
    expect(again.configJson).toBe(encoded.configJson);
    // Buffer.equals: toEqual walks 60k bytes one by one and takes half a second.
    expect(Buffer.from(again.safetensors).equals(encoded.safetensors)).toBe(true);
  });

  it('accepts a manifest without training settings and with null metrics', async () => {
    const plain: HeadManifest = { ...manifest, metrics: null, encoders: { ...manifest.encoders, hiddenStateLayer: 9 } };
    delete (plain as { training?: unknown }).training;
    const enc = await encodeCheckpoint(plain, params);
    const { manifest: back, params: loaded } = decodeCheckpoint(enc.configJson, enc.safetensors);
    loaded.dispose();
    expect(back).toEqual(plain);
    expect('training' in back).toBe(false);
  });

  it('refuses to encode a manifest whose config differs from the parameters', async () => {
    const wrong: HeadManifest = { ...manifest, config: { ...config, labels: ['a', 'b', 'c'] } };
    await expect(encodeCheckpoint(wrong, params)).rejects.toThrow(/config\.labels/);
    const err: unknown = await encodeCheckpoint(wrong, params).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('internal');
  });

  it('refuses to encode an invalid manifest', async () => {
    const wrong: HeadManifest = { ...manifest, loss: { ...manifest.loss, ctc: Number.NaN } };
    await expect(encodeCheckpoint(wrong, params)).rejects.toThrow(
      /config\.json: field "loss\.ctc" must be a finite number/,
    );
  });

  const configCases: { name: string; json: () => string; message: RegExp }[] = [
    { name: 'not JSON', json: () => '{"format": "mmer-head",', message: /^config\.json is not valid JSON/ },
    { name: 'not an object', json: () => '[1, 2]', message: /config\.json: the content must be a JSON object/ },
    {
      name: 'wrong format',
      json: () => editConfig((m) => (m.format = 'onnx')),
      message: /config\.json: field "format" must be "mmer-head" \(got "onnx"\)/,
    },
    {
      name: 'missing format',
      json: () => editConfig((m) => delete m.format),
      message: /field "format" must be "mmer-head" \(got nothing\)/,
    },
    {
      name: 'wrong version',
      json: () => editConfig((m) => (m.version = 2)),
      message: /config\.json: field "version" must be 1 \(got 2\)/,
    },
    {
      name: 'unknown top-level key',
      json: () => editConfig((m) => (m.metric = {})),
      message: /field "metric" is not part of the head format/,
    },
    {
      name: 'invalid config (heads)',
      json: () => editConfig((m) => ((m.config as Record<string, unknown>).heads = 3)),
      message: /config\.json: field "config" is invalid: hidden \(16\) must be divisible by heads \(3\)/,
    },
    {
      name: 'duplicated labels',
      json: () => editConfig((m) => ((m.config as Record<string, unknown>).labels = ['sad', 'happy', 'sad'])),
      message: /field "config" is invalid: labels must be unique/,
    },
    {
      name: 'missing config field',
      json: () => editConfig((m) => delete (m.config as Record<string, unknown>).ffn),
      message: /field "config\.ffn" must be a finite number/,
    },
    {
      name: 'unknown config field',
      json: () => editConfig((m) => ((m.config as Record<string, unknown>).audioLayer = 1)),
      message: /field "config\.audioLayer" is not part of the head format/,
    },
    {
      name: 'vocab size',
      json: () => editConfig((m) => (m.vocab = ['<pad>', 'A'])),
      message: /field "vocab" has 2 symbols but config\.vocabSize is 5/,
    },
    {
      name: 'vocab duplicate',
      json: () => editConfig((m) => (m.vocab = ['<pad>', 'A', 'A', 'B', 'C'])),
      message: /field "vocab" holds the symbol "A" twice/,
    },
    {
      name: 'vocab not strings',
      json: () => editConfig((m) => (m.vocab = [0, 1, 2, 3, 4])),
      message: /field "vocab\[0\]" must be a non-empty string/,
    },
    {
      name: 'hidden state layer',
      json: () => editConfig((m) => ((m.encoders as Record<string, unknown>).hiddenStateLayer = -1)),
      message: /field "encoders\.hiddenStateLayer" must be "head-input" or a non-negative integer \(got -1\)/,
    },
    {
      name: 'encoders missing',
      json: () => editConfig((m) => delete m.encoders),
      message: /field "encoders" must be an object/,
    },
    {
      name: 'negative loss weight',
      json: () => editConfig((m) => ((m.loss as Record<string, unknown>).acl = -0.1)),
      message: /field "loss\.acl" must be at least 0 \(got -0\.1\)/,
    },
    {
      name: 'zero temperature',
      json: () => editConfig((m) => ((m.loss as Record<string, unknown>).temperature = 0)),
      message: /field "loss\.temperature" must be positive/,
    },
    {
      name: 'metric not a number',
      json: () => editConfig((m) => (m.metrics = { ua: 'high' })),
      message: /field "metrics\.ua" must be a finite number/,
    },
    {
      name: 'bad date',
      json: () => editConfig((m) => (m.createdAt = 'yesterday')),
      message: /field "createdAt" must be an ISO 8601 date/,
    },
    {
      name: 'training not an object',
      json: () => editConfig((m) => (m.training = [1])),
      message: /field "training" must be an object/,
    },
  ];

  it.each(configCases)('rejects config.json: $name', ({ json, message }) => {
    const err = decodeError(json(), encoded.safetensors);
    expect(err.code).toBe('bad-model');
    expect(err.message).toMatch(message);
  });

  const weightCases: { name: string; bytes: () => Uint8Array; message: RegExp }[] = [
    {
      name: 'missing tensor',
      bytes: () => editWeights((t) => delete t['ctc.bias']),
      message: /^model\.safetensors does not fit config\.json: missing parameter "ctc\.bias" \(expected shape \[5\]\)/,
    },
    {
      name: 'extra tensor',
      bytes: () => editWeights((t) => (t['audio_layers.1.attn.q.bias'] = { shape: [16], data: new Float32Array(16) })),
      message: /^model\.safetensors does not fit config\.json: unexpected parameter "audio_layers\.1\.attn\.q\.bias"/,
    },
    {
      name: 'wrong shape',
      bytes: () => editWeights((t) => (t['classifier.bias'] = { shape: [4], data: new Float32Array(4) })),
      message:
        /^model\.safetensors does not fit config\.json: parameter "classifier\.bias" has shape \[4\] but the model expects \[3\]/,
    },
    {
      name: 'non-finite value',
      bytes: () => editWeights((t) => (t['gate.bias'] = { shape: [16], data: new Float32Array(16).fill(Number.NaN) })),
      message: /^model\.safetensors does not fit config\.json: parameter "gate\.bias" holds a non-finite value/,
    },
    {
      name: 'truncated file',
      bytes: () => encoded.safetensors.subarray(0, encoded.safetensors.length - 8),
      message: /^model\.safetensors is not a readable safetensors file: tensor "[^"]+" points outside the file/,
    },
    {
      name: 'empty file',
      bytes: () => new Uint8Array(0),
      message: /^model\.safetensors is not a readable safetensors file: the file is too short/,
    },
  ];

  it.each(weightCases)('rejects model.safetensors: $name', ({ bytes, message }) => {
    const err = decodeError(encoded.configJson, bytes());
    expect(err.code).toBe('bad-model');
    expect(err.message).toMatch(message);
  });

  it('names the given paths in messages', () => {
    expect(() =>
      decodeCheckpoint('nope', encoded.safetensors, {
        config: '/x/head/config.json',
        weights: '/x/head/model.safetensors',
      }),
    ).toThrow(/^\/x\/head\/config\.json is not valid JSON/);
  });
});

describe('saveHeadDir / loadHeadDir', () => {
  let n = 0;
  const fresh = (): string => join(tmp, `head-${n++}`);

  it('saves both files and loads the same head back', async () => {
    const dir = fresh();
    await saveHeadDir(dir, manifest, params);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(encoded.configJson);
    expect(readFileSync(join(dir, 'model.safetensors')).equals(encoded.safetensors)).toBe(true);
    const { manifest: back, params: loaded } = await loadHeadDir(dir);
    try {
      expect(back).toEqual(manifest);
      expect(outputs(loaded)).toEqual(outputs(params));
    } finally {
      loaded.dispose();
    }
  });

  it('refuses to overwrite an existing head unless asked, leaving its files untouched', async () => {
    const dir = fresh();
    await saveHeadDir(dir, manifest, params);
    const other: HeadManifest = { ...manifest, metrics: { ua: 0.9 } };
    await expect(saveHeadDir(dir, other, params)).rejects.toMatchObject({
      code: 'internal',
      message: /Refusing to overwrite .*config\.json/,
    });
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(encoded.configJson);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    await saveHeadDir(dir, other, params, { overwrite: true });
    expect((await loadHeadDir(dir)).manifest.metrics).toEqual({ ua: 0.9 });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('refuses when only the weights file exists, and writes nothing', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.safetensors'), 'old');
    await expect(saveHeadDir(dir, manifest, params)).rejects.toThrow(/Refusing to overwrite .*model\.safetensors/);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(join(dir, 'model.safetensors'), 'utf8')).toBe('old');
  });

  it('fails cleanly when the parent directory does not exist', async () => {
    const parent = fresh();
    const dir = join(parent, 'head');
    await expect(saveHeadDir(dir, manifest, params)).rejects.toMatchObject({
      code: 'internal',
      message: new RegExp(`Could not save the MMER head to ${dir}`),
    });
    expect(existsSync(parent)).toBe(false);
  });

  it('leaves no temporary or partial file when a write fails part way', async () => {
    const dir = fresh();
    mkdirSync(join(dir, 'model.safetensors'), { recursive: true });
    writeFileSync(join(dir, 'model.safetensors', 'keep'), 'x');
    // The weights cannot replace a non-empty directory: the failure comes after both temporary files were written.
    await expect(saveHeadDir(dir, manifest, params, { overwrite: true })).rejects.toMatchObject({ code: 'internal' });
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('does not touch the disk for an invalid manifest', async () => {
    const dir = fresh();
    const wrong: HeadManifest = { ...manifest, createdAt: 'soon' };
    await expect(saveHeadDir(dir, wrong, params)).rejects.toMatchObject({ code: 'bad-model' });
    expect(existsSync(dir)).toBe(false);
  });

  it('names the missing file on load', async () => {
    const dir = fresh();
    await expect(loadHeadDir(dir)).rejects.toMatchObject({
      code: 'bad-model',
      message: `No MMER head in ${dir}: ${join(dir, 'config.json')} does not exist.`,
    });
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), encoded.configJson);
    await expect(loadHeadDir(dir)).rejects.toMatchObject({
      code: 'bad-model',
      message: `No MMER head in ${dir}: ${join(dir, 'model.safetensors')} does not exist.`,
    });
  });

  it('names the full path of a corrupt file on load', async () => {
    const dir = fresh();
    await saveHeadDir(dir, manifest, params);
    writeFileSync(join(dir, 'config.json'), encoded.configJson.replace('"version": 1', '"version": 3'));
    await expect(loadHeadDir(dir)).rejects.toThrow(`${join(dir, 'config.json')}: field "version" must be 1 (got 3)`);
  });
});
