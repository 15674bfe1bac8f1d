import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dtypeCandidates,
  fileUrl,
  headFileUrl,
  headsForPair,
  resolvePair,
  withHubUrl,
  type OnnxModelEntry,
} from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';

const raw = JSON.parse(readFileSync(new URL('../../public/models/manifest.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const manifest = parseManifest(raw);

function onnxEntry(id: string): OnnxModelEntry {
  const e = manifest.models.find((m) => m.id === id);
  if (e?.format !== 'onnx') throw new Error(`no onnx model ${id}`);
  return e;
}

/** A deep copy of the shipped manifest with one change applied. */
type Loose = Record<string, unknown> & { models: Record<string, unknown>[]; heads?: unknown };
function mutated(change: (m: Loose) => void): unknown {
  const copy = structuredClone(raw) as Loose;
  change(copy);
  return copy;
}

/** A copy of the shipped manifest with its `heads` list changed (the first entry is the embedded lite head). */
function withHeads(change: (heads: Record<string, unknown>[], first: Record<string, unknown>) => void): unknown {
  return mutated((m) => {
    const heads = m.heads as Record<string, unknown>[];
    const first = heads[0];
    if (first === undefined) throw new Error('the shipped manifest lists no head');
    change(heads, first);
  });
}

describe('the shipped manifest', () => {
  it('defines the base, lite and fixture pairs with the production default', () => {
    // The embedded pair: a first visit needs no download.
    expect(manifest.defaultPair).toBe('lite');
    expect(Object.keys(manifest.pairs).sort()).toEqual(['base', 'fixture', 'lite']);
    const base = resolvePair(manifest, 'base');
    expect(base.audio.id).toBe('wav2vec2-base-960h');
    expect(base.text.id).toBe('roberta-base');
    expect(resolvePair(manifest, 'lite').audio.format).toBe('lite');
  });

  it('points hub models at the Xenova repositories', () => {
    const w2v = onnxEntry('wav2vec2-base-960h');
    expect(
      fileUrl(manifest, 'https://app.test/models/manifest.json', w2v.source, { path: 'onnx/model_quantized.onnx' }),
    ).toBe('https://huggingface.co/Xenova/wav2vec2-base-960h/resolve/main/onnx/model_quantized.onnx');
    expect(onnxEntry('roberta-base').surgery).toMatchObject({ keepHead: false, hiddenOutput: 'last_hidden_state' });
  });

  it('resolves local models against the manifest URL', () => {
    const fx = onnxEntry('wav2vec2-tiny-fixture');
    expect(
      fileUrl(manifest, 'https://app.test/base/models/manifest.json', fx.source, { path: 'onnx/model.onnx' }),
    ).toBe('https://app.test/base/models/fixtures/wav2vec2-tiny/onnx/model.onnx');
  });
});

describe('built-in emotion heads', () => {
  it('lists the trained embedded head for the lite pair and the random-weight fixture head for the fixture pair', () => {
    const fixture = headsForPair(manifest, 'fixture');
    expect(fixture.map((h) => h.id)).toEqual(['fixture-random']);
    expect(fixture[0]?.description).toMatch(/random-weight fixture head/);
    const lite = headsForPair(manifest, 'lite');
    expect(lite.map((h) => h.id)).toEqual(['lite-ravdess8']);
    // A shipped head is pinned, so the page may cache it and a changed file is refused.
    expect(lite[0]?.files.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(lite[0]?.files.config.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Its training-only parameters are a file of their own, pinned too, fetched only when a run starts from it.
    expect(lite[0]?.files.training?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // No trained head ships for the hub pair: the page scores it with the embedded head instead.
    expect(headsForPair(manifest, 'base')).toEqual([]);
  });

  it('resolves head files against the manifest URL', () => {
    const head = headsForPair(manifest, 'fixture')[0];
    if (head === undefined) throw new Error('no fixture head');
    expect(headFileUrl('https://app.test/base/models/manifest.json', head.files.weights)).toBe(
      'https://app.test/base/models/fixtures/heads/fixture/model.safetensors',
    );
    expect(headFileUrl('https://app.test/base/models/manifest.json', head.files.config)).toBe(
      'https://app.test/base/models/fixtures/heads/fixture/config.json',
    );
  });

  it('treats a missing heads list as no heads', () => {
    const parsed = parseManifest(mutated((m) => delete m.heads));
    expect(parsed.heads).toEqual([]);
    expect(headsForPair(parsed, 'fixture')).toEqual([]);
  });

  it('keeps the order of the list and optional hashes', () => {
    const sha = 'a'.repeat(64);
    const parsed = parseManifest(
      withHeads((heads, first) => {
        heads.unshift({
          ...structuredClone(first),
          id: 'lite-trained',
          pair: 'lite',
          files: {
            config: { path: 'heads/lite/config.json' },
            weights: { path: 'heads/lite/model.safetensors', sha256: sha, bytes: 10 },
          },
        });
      }),
    );
    expect(parsed.heads.map((h) => h.id)).toEqual(['lite-trained', ...manifest.heads.map((h) => h.id)]);
    expect(headsForPair(parsed, 'lite')[0]?.files.weights).toEqual({
      path: 'heads/lite/model.safetensors',
      sha256: sha,
      bytes: 10,
    });
  });
});

describe('the first dtype tried', () => {
  const w2v = onnxEntry('wav2vec2-base-960h');
  const fixture = onnxEntry('wav2vec2-tiny-fixture');
  it.each([
    { entry: w2v, backend: 'wasm', f16: false, want: 'q8' },
    { entry: w2v, backend: 'wasm-mt', f16: true, want: 'q8' },
    { entry: w2v, backend: 'webgpu', f16: true, want: 'fp16' },
    { entry: w2v, backend: 'webgpu', f16: false, want: 'fp32' },
    { entry: fixture, backend: 'wasm', f16: false, want: 'fp32' },
  ] as const)('$entry.id on $backend (shader-f16 $f16) -> $want', ({ entry, backend, f16, want }) => {
    expect(dtypeCandidates(manifest, entry, backend, f16)[0]).toBe(want);
  });
});

describe('parseManifest rejects bad manifests with the field named', () => {
  const cases: { name: string; json: unknown; message: RegExp }[] = [
    { name: 'not an object', json: 42, message: /manifest must be an object/ },
    { name: 'wrong version', json: mutated((m) => (m.version = 2)), message: /version must be 1/ },
    {
      name: 'unknown role',
      json: mutated((m) => ((m.models[0] ?? {}).role = 'vision')),
      message: /models\[0\]\.role must be one of/,
    },
    {
      name: 'bad sha256',
      json: mutated((m) => ((m.models[0] ?? {}).weights = { fp32: { path: 'a.onnx', sha256: 'xyz' } })),
      message: /weights\.fp32\.sha256/,
    },
    {
      name: 'path escaping the folder',
      json: mutated((m) => ((m.models[0] ?? {}).weights = { fp32: { path: '../a.onnx' } })),
      message: /relative path/,
    },
    {
      name: 'unknown dtype',
      json: mutated((m) => ((m.models[0] ?? {}).weights = { int3: { path: 'a.onnx' } })),
      message: /weights key must be one of/,
    },
    {
      name: 'audio encoder without vocab',
      json: mutated((m) => ((m.models[0] ?? {}).files = {})),
      message: /files\.vocab is required/,
    },
    {
      name: 'pair naming a missing model',
      json: mutated((m) => (m.pairs = { base: { audio: 'nope', text: 'roberta-base', description: 'x' } })),
      message: /pairs\.base\.audio/,
    },
    {
      name: 'pair with roles swapped',
      json: mutated((m) => (m.pairs = { base: { audio: 'roberta-base', text: 'roberta-base', description: 'x' } })),
      message: /audio-encoder/,
    },
    {
      name: 'default pair missing',
      json: mutated((m) => (m.defaultPair = 'huge')),
      message: /defaultPair names no pair/,
    },
    {
      name: 'duplicate ids',
      json: mutated((m) => m.models.push(structuredClone(m.models[0] ?? {}))),
      message: /two entries with id "wav2vec2-base-960h"/,
    },
    {
      name: 'layer beyond the model',
      json: mutated(
        (m) =>
          ((m.models[0] ?? {}).surgery = {
            headPrefix: '/lm_head/',
            keepHead: true,
            hiddenOutput: 'h',
            layer: 12,
            layerScope: '/l.{i}/',
          }),
      ),
      message: /below numLayers \(12\)/,
    },
    { name: 'heads not a list', json: mutated((m) => (m.heads = { fixture: 'x' })), message: /heads must be an array/ },
    { name: 'head not an object', json: mutated((m) => (m.heads = ['x'])), message: /heads\[0\] must be an object/ },
    {
      name: 'head without id',
      json: withHeads((_, h) => delete h.id),
      message: /heads\[0\]\.id must be a non-empty string/,
    },
    {
      name: 'head with one label',
      json: withHeads((_, h) => (h.labels = ['sad'])),
      message: /heads\[0\]\.labels must list two or more distinct labels/,
    },
    {
      name: 'head with a label twice',
      json: withHeads((_, h) => (h.labels = ['sad', 'sad'])),
      message: /heads\[0\]\.labels must list two or more distinct labels/,
    },
    {
      name: 'head with a label that is not text',
      json: withHeads((_, h) => (h.labels = ['sad', 3])),
      message: /heads\[0\]\.labels\[1\] must be a non-empty string/,
    },
    {
      name: 'head for an unknown pair',
      json: withHeads((_, h) => (h.pair = 'huge')),
      message: /heads\[0\]\.pair names no pair \("huge"; known: base, lite, fixture\)/,
    },
    {
      name: 'head without description',
      json: withHeads((_, h) => (h.description = '')),
      message: /heads\[0\]\.description must be a non-empty string/,
    },
    {
      name: 'head without files',
      json: withHeads((_, h) => delete h.files),
      message: /heads\[0\]\.files must be an object/,
    },
    {
      name: 'head without weights',
      json: withHeads((_, h) => (h.files = { config: { path: 'c.json' } })),
      message: /heads\[0\]\.files\.weights must be an object/,
    },
    {
      name: 'head file escaping the folder',
      json: withHeads((_, h) => (h.files = { config: { path: '../c.json' }, weights: { path: 'w' } })),
      message: /heads\[0\]\.files\.config\.path must be a relative path/,
    },
    {
      name: 'head file with a bad hash',
      json: withHeads((_, h) => (h.files = { config: { path: 'c.json' }, weights: { path: 'w', sha256: 'XYZ' } })),
      message: /heads\[0\]\.files\.weights\.sha256/,
    },
    {
      name: 'head with an extra file',
      json: withHeads(
        (_, h) => (h.files = { config: { path: 'c.json' }, weights: { path: 'w' }, vocab: { path: 'v' } }),
      ),
      message: /heads\[0\]\.files\.vocab is not a head file/,
    },
    {
      name: 'head with a training file that is no file reference',
      json: withHeads((_, h) => (h.files = { config: { path: 'c.json' }, weights: { path: 'w' }, training: 'x' })),
      message: /heads\[0\]\.files\.training/,
    },
    {
      name: 'head with a misspelt field',
      json: withHeads((_, h) => (h.descripton = 'typo')),
      message: /heads\[0\]\.descripton is not a head field/,
    },
    {
      name: 'duplicate head ids',
      json: withHeads((heads, h) => heads.push(structuredClone(h))),
      message: new RegExp(`heads has two entries with id "${manifest.heads[0]?.id ?? ''}"`),
    },
    {
      name: 'numbered layer without scope',
      json: mutated(
        (m) => ((m.models[0] ?? {}).surgery = { headPrefix: '/lm_head/', keepHead: true, hiddenOutput: 'h', layer: 3 }),
      ),
      message: /layerScope must contain \{i\}/,
    },
  ];
  it.each(cases)('$name', ({ json, message }) => {
    expect(() => parseManifest(json)).toThrow(message);
    try {
      parseManifest(json);
    } catch (err) {
      expect(err).toMatchObject({ code: 'bad-manifest' });
    }
  });

  it('rejects an unknown pair name at resolve time', () => {
    expect(() => resolvePair(manifest, 'nope')).toThrow(/Unknown model pair "nope". Known pairs: base, lite, fixture/);
  });
});

describe('dtypeCandidates', () => {
  const w2v = onnxEntry('wav2vec2-base-960h');
  it.each([
    { backend: 'webgpu', f16: true, want: ['fp16', 'fp32', 'q8'] },
    { backend: 'webgpu', f16: false, want: ['fp32', 'q8'] },
    { backend: 'wasm', f16: false, want: ['q8', 'fp32'] },
  ] as const)('$backend (shader-f16 $f16) tries $want', ({ backend, f16, want }) => {
    expect(dtypeCandidates(manifest, w2v, backend, f16)).toEqual(want);
  });
});

describe('another hub host (--hub-url, VITE_MMER_HUB_URL)', () => {
  const base = onnxEntry('wav2vec2-base-960h');
  const weights = base.weights.q8;
  if (weights === undefined) throw new Error('no q8 weights');
  it.each([
    {
      name: "absent: the manifest's own host",
      hub: undefined,
      want: `${manifest.hubUrl}/Xenova/wav2vec2-base-960h/resolve/main/onnx/model_quantized.onnx`,
    },
    {
      name: "empty: the manifest's own host",
      hub: '  ',
      want: `${manifest.hubUrl}/Xenova/wav2vec2-base-960h/resolve/main/onnx/model_quantized.onnx`,
    },
    {
      name: 'a mirror, trailing slash dropped',
      hub: 'https://mirror.example/hf/',
      want: 'https://mirror.example/hf/Xenova/wav2vec2-base-960h/resolve/main/onnx/model_quantized.onnx',
    },
    {
      name: 'a local copy over http',
      hub: 'http://localhost:8080',
      want: 'http://localhost:8080/Xenova/wav2vec2-base-960h/resolve/main/onnx/model_quantized.onnx',
    },
  ])('$name', ({ hub, want }) => {
    const m = withHubUrl(manifest, hub);
    expect(fileUrl(m, 'https://app.test/models/manifest.json', base.source, weights)).toBe(want);
  });

  it.each(['not a url', 'file:///srv/models', 'ftp://mirror.example'])('refuses %j with bad-manifest', (hub) => {
    expect(() => withHubUrl(manifest, hub)).toThrow(expect.objectContaining({ code: 'bad-manifest' }) as Error);
  });
});
