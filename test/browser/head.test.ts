/**
 * The emotion head in the real worker, on the fixture pair and its random-weight fixture head: the built-in head is
 * loaded at init, a real clip gets a sorted softmax that equals `predict` run in the page on the same features, heads
 * that do not fit or are damaged are refused with the previous head kept, a missing built-in head is a notice (the
 * transcript still works, and the embedded head scores instead), and a pair switch drops a head made for another pair.
 * Head timings on WASM and WebGPU (SwiftShader here) are compared and printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { decodeWav } from '../../src/audio/wav';
import type { Result } from '../../src/core/errors';
import { decodeCheckpoint, encodeCheckpoint, type HeadManifest } from '../../src/mmer/checkpoint';
import { initWebEngine } from '../../src/mmer/engine-web';
import { ParamStore } from '../../src/mmer/params';
import { predict } from '../../src/mmer/trainer';
import { createMlClient } from '../../src/worker-api/client';
import type { MlClient } from '../../src/worker-api/client-types';
import type { AnalysisSummary, EmotionScores, HeadFiles, HeadInfo } from '../../src/worker-api/protocol';
import type { LoadProgress } from '../../src/runtime/runtime-types';

const MANIFEST = '/models/manifest.json';
const HEAD_DIR = '/models/fixtures/heads/fixture';
const CLIP = 'Actor_01/03-01-05-02-01-01-01.wav';
/** Softmax scores computed twice by the same kernels must agree to float32 rounding. */
const TOLERANCE = 1e-5;

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function loadClip(): Promise<Float32Array> {
  const b64 = await commands.readRavdess(CLIP);
  const wav = decodeWav(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  const mono = wav.channels[0];
  if (mono === undefined) throw new Error('no channel');
  return mono;
}

async function fixtureHead(): Promise<HeadFiles> {
  const [config, weights] = await Promise.all([
    fetch(`${HEAD_DIR}/config.json`),
    fetch(`${HEAD_DIR}/model.safetensors`),
  ]);
  expect([config.status, weights.status], 'run `npm run fixtures` first').toEqual([200, 200]);
  return {
    configJson: await config.text(),
    weights: new Uint8Array(await weights.arrayBuffer()),
    source: 'fixture head files',
  };
}

/** A head like the fixture one with `change` applied, random parameters from `seed` (built with the page's engine). */
async function variantHead(
  base: HeadFiles,
  change: (m: HeadManifest) => HeadManifest,
  seed: number,
  source: string,
): Promise<HeadFiles> {
  const { manifest, params } = decodeCheckpoint(base.configJson, base.weights);
  params.dispose();
  const m = change(manifest);
  const fresh = ParamStore.init(m.config, seed);
  try {
    const { configJson, safetensors } = await encodeCheckpoint(m, fresh);
    return { configJson, weights: safetensors, source };
  } finally {
    fresh.dispose();
  }
}

function checkScores(emotion: EmotionScores | null, labels: readonly string[]): EmotionScores {
  if (emotion === null) throw new Error('no emotion scores');
  expect(emotion.map((e) => e.label).sort()).toEqual([...labels].sort());
  for (const e of emotion) {
    expect(e.score, e.label).toBeGreaterThanOrEqual(0);
    expect(e.score, e.label).toBeLessThanOrEqual(1);
  }
  expect(Math.abs(emotion.reduce((s, e) => s + e.score, 0) - 1)).toBeLessThan(TOLERANCE);
  for (let i = 1; i < emotion.length; i++)
    expect(emotion[i - 1]?.score).toBeGreaterThanOrEqual(emotion[i]?.score ?? Number.NaN);
  return emotion;
}

function maxDiff(a: EmotionScores, b: EmotionScores): number {
  return Math.max(...a.map((x) => Math.abs(x.score - (b.find((y) => y.label === x.label)?.score ?? Number.NaN))));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

describe('emotion head in the worker (fixture pair)', () => {
  let clip: Float32Array;
  let files: HeadFiles;
  let labels: readonly string[];
  const clients: MlClient[] = [];

  async function started(backend: 'wasm' | 'webgpu'): Promise<{ client: MlClient; progress: LoadProgress[] }> {
    const client = createMlClient();
    clients.push(client);
    const progress: LoadProgress[] = [];
    unwrap(await client.init({ pair: 'fixture', manifestUrl: MANIFEST, backend }, (p) => progress.push(p)));
    return { client, progress };
  }

  beforeAll(async () => {
    clip = await loadClip();
    files = await fixtureHead();
    // Read from the file itself (decoding the weights would need the page's engine, started later).
    labels = (JSON.parse(files.configJson) as { config: { labels: string[] } }).config.labels;
  });
  afterAll(() => {
    for (const c of clients) c.dispose();
  });

  let wasm: { client: MlClient; summary: AnalysisSummary; head: HeadInfo };

  it('loads the built-in head at init and scores a real clip like predict in the page', async () => {
    const { client, progress } = await started('wasm');
    const status = unwrap(await client.headStatus());
    expect(status.notices).toEqual([]);
    const head = status.head;
    if (head === null) throw new Error('the fixture head was not loaded');
    expect(head).toMatchObject({ builtinId: 'fixture-random', pair: 'fixture', labels, metrics: null });
    expect(head.description).toMatch(/random-weight fixture head/);
    // `?backend=wasm` keeps the head off the GPU as well.
    expect(head.engine.backend).toBe('wasm');
    expect(progress.filter((p) => p.status === 'ready').map((p) => p.model)).toContain('fixture-random');

    const summary = unwrap(await client.analyse(clip));
    const emotion = checkScores(summary.emotion, labels);
    expect(summary.timings.headMs).toBeGreaterThan(0);

    const features = unwrap(await client.lastFeatures());
    if (features === null) throw new Error('no features');
    const engine = await initWebEngine([head.engine.backend]);
    expect(engine.backend).toBe(head.engine.backend);
    const { manifest, params } = decodeCheckpoint(files.configJson, files.weights);
    const [direct] = await predict(params, manifest.config, [features]);
    params.dispose();
    if (direct === undefined) throw new Error('predict gave nothing');
    const expected = manifest.config.labels.map((label, i) => ({ label, score: direct.scores[i] ?? Number.NaN }));
    const diff = maxDiff(emotion, expected);
    console.info(`worker vs page predict (${engine.backend}) max |diff| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);

    // Re-scoring the last clip gives the same answer.
    const again = unwrap(await client.classifyLast());
    if (again === null) throw new Error('classifyLast gave nothing');
    expect(again.scorer).toEqual({ source: 'pair', head: 'fixture-random', adaptedClips: null });
    expect(summary.scorer).toEqual(again.scorer);
    expect(maxDiff(again.emotion, emotion)).toBeLessThan(TOLERANCE);
    wasm = { client, summary, head };
  });

  it('refuses a head with other feature widths, naming both, and keeps the active head', async () => {
    const { client, summary, head } = wasm;
    const wrong = await variantHead(files, (m) => ({ ...m, config: { ...m.config, audioDim: 48 } }), 7, 'wrong dims');
    const r = await client.loadHead(wrong);
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-model' } });
    if (!r.ok)
      expect(r.error.message).toMatch(
        /expects 48-value audio frames and 32-value text tokens, but .* give 32-value audio frames and 32-value text tokens/,
      );
    expect(unwrap(await client.headStatus()).head).toEqual(head);
    const again = unwrap(await client.classifyLast());
    if (again === null || summary.emotion === null) throw new Error('scores missing');
    expect(maxDiff(again.emotion, summary.emotion)).toBeLessThan(TOLERANCE);
  });

  it('refuses a head trained on other encoders, naming both pairs', async () => {
    const { client, head } = wasm;
    const other = await variantHead(
      files,
      (m) => ({
        ...m,
        encoders: { pair: 'lite', audio: 'lite-acoustic', text: 'lite-ngram', hiddenStateLayer: 'head-input' },
      }),
      8,
      'lite head',
    );
    const r = await client.loadHead(other);
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-model' } });
    if (!r.ok)
      expect(r.error.message).toMatch(
        /lite-acoustic \+ lite-ngram features \(pair "lite"\), but the loaded models are wav2vec2-tiny-fixture \+ roberta-tiny-fixture \(pair "fixture"\)/,
      );
    expect(unwrap(await client.headStatus()).head).toEqual(head);
  });

  it.each([
    {
      name: 'a corrupted safetensors header',
      damage: (w: Uint8Array) => w.map((b, i) => (i >= 8 && i < 40 ? 0x7b : b)),
      message: /model\.safetensors is not a readable safetensors file/,
    },
    {
      name: 'a truncated safetensors file',
      damage: (w: Uint8Array) => w.slice(0, w.length - 100),
      message: /model\.safetensors/,
    },
  ])('refuses $name with bad-model and keeps the active head', async ({ damage, message }) => {
    const { client, head } = wasm;
    const r = await client.loadHead({ ...files, weights: damage(files.weights), source: 'damaged' });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-model' } });
    if (!r.ok) expect(r.error.message).toMatch(message);
    expect(unwrap(await client.headStatus()).head).toEqual(head);
  });

  it('replaces the head with an imported one, then removes it: the embedded head scores from then on', async () => {
    const { client, summary } = wasm;
    const imported = await variantHead(files, (m) => m, 9, 'my-head.json + my-head.safetensors');
    const info = unwrap(await client.loadHead(imported));
    expect(info).toMatchObject({ builtinId: null, name: 'my-head.json + my-head.safetensors', labels });
    const rescored = unwrap(await client.classifyLast());
    checkScores(rescored?.emotion ?? null, labels);
    if (summary.emotion === null || rescored === null) throw new Error('scores missing');
    // Other random weights, other scores: the re-score really used the new head.
    expect(maxDiff(rescored.emotion, summary.emotion)).toBeGreaterThan(TOLERANCE);
    unwrap(await client.unloadHead());
    const status = unwrap(await client.headStatus());
    expect(status.head).toBeNull();
    const embedded = status.embedded;
    if (embedded === null) throw new Error('no embedded head stands in for the fixture pair');
    const standIn = unwrap(await client.classifyLast());
    expect(standIn?.scorer).toEqual({ source: 'embedded', head: embedded.name, adaptedClips: null });
    checkScores(standIn?.emotion ?? null, embedded.labels);
    const plain = unwrap(await client.analyse(clip));
    expect(plain.scorer?.source).toBe('embedded');
    expect(plain.emotion).toEqual(standIn?.emotion);
    expect(plain.transcript).toBe(summary.transcript);
  });

  it('drops a head made for another pair when the pair changes, with a notice; the lite pair loads its own head', async () => {
    const { client } = await started('wasm');
    expect(unwrap(await client.headStatus()).head?.builtinId).toBe('fixture-random');
    unwrap(await client.init({ pair: 'lite', manifestUrl: MANIFEST, backend: 'wasm' }, () => undefined));
    const status = unwrap(await client.headStatus());
    expect(status.head?.pair).toBe('lite');
    // The lite pair is the embedded pair: nothing stands in for it.
    expect(status.embedded).toBeNull();
    expect(status.notices).toEqual([
      expect.objectContaining({ kind: 'dropped', name: 'fixture-random', headPair: 'fixture', pair: 'lite' }),
    ]);
    const summary = unwrap(await client.analyse(clip));
    expect(summary.scorer?.source).toBe('pair');
    checkScores(summary.emotion, status.head?.labels ?? []);
  });

  it('gives the same scores on WebGPU, WASM and CPU, and times them', async () => {
    // In the page, on the worker's features: a second worker on WebGPU would spend minutes loading the encoders on
    // SwiftShader for the same head arithmetic. The worker's own WebGPU path runs in pipeline.test.ts.
    const features = unwrap(await wasm.client.lastFeatures());
    if (features === null) throw new Error('no features');
    const lines: string[] = [];
    const scores = new Map<string, EmotionScores>();
    for (const backend of ['webgpu', 'wasm', 'cpu'] as const) {
      const engine = await initWebEngine([backend]);
      expect(engine.backend).toBe(backend);
      const { manifest, params } = decodeCheckpoint(files.configJson, files.weights);
      const runs: number[] = [];
      let last: number[] = [];
      for (let i = 0; i < 4; i++) {
        const t0 = performance.now();
        const [r] = await predict(params, manifest.config, [features]);
        runs.push(performance.now() - t0);
        last = r?.scores ?? [];
      }
      params.dispose();
      scores.set(
        backend,
        checkScores(
          manifest.config.labels
            .map((label, i) => ({ label, score: last[i] ?? Number.NaN }))
            .sort((x, y) => y.score - x.score),
          labels,
        ),
      );
      lines.push(
        `${backend}: first ${(runs[0] ?? Number.NaN).toFixed(1)} ms, then median ${median(runs.slice(1)).toFixed(1)} ms`,
      );
    }
    const cpu = scores.get('cpu');
    if (cpu === undefined) throw new Error('no cpu scores');
    const diffs = ['webgpu', 'wasm'].map((b) => maxDiff(scores.get(b) ?? [], cpu));
    console.info(
      `emotion head predict in the page (fixture head, ${String(features.audio.rows)} audio frames, ${String(features.text.rows)} tokens): ${lines.join('; ')}; ` +
        `max |diff| vs cpu: webgpu ${(diffs[0] ?? Number.NaN).toExponential(2)}, wasm ${(diffs[1] ?? Number.NaN).toExponential(2)}; ` +
        `in the worker on wasm (first analysis, headMs): ${(wasm.summary.timings.headMs ?? Number.NaN).toFixed(1)} ms`,
    );
    for (const d of diffs) expect(d).toBeLessThan(TOLERANCE);
  });
});

describe('a built-in head that cannot be loaded', () => {
  let clip: Float32Array;
  beforeAll(async () => {
    clip = await loadClip();
  });

  it.each([
    // The dev and preview servers answer a missing file with index.html (status 200), like many static hosts.
    {
      name: 'a file missing on the server',
      weights: '/models/fixtures/heads/fixture/no-such-file.safetensors',
      message: /no-such-file\.safetensors is missing on the server/,
    },
    {
      name: 'an unreachable host',
      weights: 'http://127.0.0.1:9/heads/model.safetensors',
      message: /Could not download model\.safetensors after 3 attempts/,
    },
  ])(
    'is a warning notice for $name; the transcript still works and the embedded head scores',
    async ({ weights, message }) => {
      const m = (await (await fetch(MANIFEST)).json()) as {
        models: { source?: { path?: string } }[];
        heads: {
          pair: string;
          files: { config: { path: string }; weights: { path: string }; card?: { path: string } };
        }[];
      };
      // A blob: manifest has no folder of its own, so every local path is made absolute.
      const absolute = (path: string): string =>
        new URL(path.startsWith('http') ? path : `/models/${path}`, location.href).href;
      for (const e of m.models) if (e.source?.path !== undefined) e.source.path = absolute(e.source.path);
      for (const h of m.heads) {
        h.files.config.path = absolute(h.files.config.path);
        if (h.files.card !== undefined) h.files.card.path = absolute(h.files.card.path);
        h.files.weights.path =
          h.pair === 'fixture' ? new URL(weights, location.href).href : absolute(h.files.weights.path);
      }
      const url = URL.createObjectURL(new Blob([JSON.stringify(m)], { type: 'application/json' }));
      const client = createMlClient();
      try {
        unwrap(await client.init({ pair: 'fixture', manifestUrl: url, backend: 'wasm' }, () => undefined));
        const status = unwrap(await client.headStatus());
        expect(status.head).toBeNull();
        expect(status.notices).toEqual([expect.objectContaining({ kind: 'builtin-failed', headId: 'fixture-random' })]);
        const notice = status.notices[0];
        if (notice?.kind !== 'builtin-failed') throw new Error('no notice');
        expect(notice.error.code).toBe('download-failed');
        expect(notice.error.message).toMatch(message);
        const summary = unwrap(await client.analyse(clip));
        expect(typeof summary.transcript).toBe('string');
        expect(status.embedded).not.toBeNull();
        expect(summary.scorer).toMatchObject({ source: 'embedded', head: status.embedded?.name });
        checkScores(summary.emotion, status.embedded?.labels ?? []);
      } finally {
        client.dispose();
        URL.revokeObjectURL(url);
      }
    },
  );
});
