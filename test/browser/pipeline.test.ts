/**
 * The worker pipeline in real Chromium on the fixture models: WebGPU (SwiftShader here) and single-threaded WASM
 * analyse the same real clip and must agree; crash recovery, download failures and integrity failures are checked
 * through the same client the page uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { decodeWav } from '../../src/audio/wav';
import type { Result } from '../../src/core/errors';
import { createMlClient } from '../../src/worker-api/client';
import type { MlClient } from '../../src/worker-api/client-types';
import type { AnalysisSummary } from '../../src/worker-api/protocol';
import type { BackendInfo, LoadProgress } from '../../src/runtime/runtime-types';

const MANIFEST = '/models/manifest.json';
const CLIP = 'Actor_01/03-01-05-02-01-01-01.wav';
/** Backends run different kernels (GPU shaders vs WASM SIMD); measured differences are ~1e-5 on the fixtures. */
const TOLERANCE = 1e-4;

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function loadClip(): Promise<Float32Array> {
  const b64 = await commands.readRavdess(CLIP);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const wav = decodeWav(bytes);
  expect(wav.sampleRate).toBe(16000);
  const mono = wav.channels[0];
  if (mono === undefined) throw new Error('no channel');
  return mono;
}

/** Frames of wav2vec2's feature encoder (kernel, stride) stack, the fixture's too, for `n` input samples. */
function wav2vec2Frames(n: number): number {
  const stack = [
    [10, 5],
    [3, 2],
    [3, 2],
    [3, 2],
    [3, 2],
    [2, 2],
    [2, 2],
  ] as const;
  return stack.reduce((len, [k, s]) => Math.floor((len - k) / s) + 1, n);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return worst;
}

describe('ML worker on fixture models', () => {
  let clip: Float32Array;
  const clients: MlClient[] = [];
  type Loaded = { info: BackendInfo; summary: AnalysisSummary; client: MlClient; progress: LoadProgress[] };
  const loads = new Map<string, Promise<Loaded>>();

  /** A worker on `backend` that loaded the pair and analysed the clip, once per file run; any test also runs alone. */
  function loadedOn(backend: 'wasm' | 'webgpu'): Promise<Loaded> {
    let p = loads.get(backend);
    if (p === undefined) {
      p = (async () => {
        const client = createMlClient();
        clients.push(client);
        const progress: LoadProgress[] = [];
        const info = unwrap(
          await client.init({ pair: 'fixture', manifestUrl: MANIFEST, backend }, (e) => progress.push(e)),
        );
        return { info, summary: unwrap(await client.analyse(clip)), client, progress };
      })();
      loads.set(backend, p);
    }
    return p;
  }

  beforeAll(async () => {
    clip = await loadClip();
  });
  afterAll(() => {
    for (const c of clients) c.dispose();
  });

  it.each(['wasm', 'webgpu'] as const)('loads and analyses a real clip on %s', async (backend) => {
    const { info, summary, progress } = await loadedOn(backend);
    expect(info.backend).toBe(backend);
    if (backend === 'webgpu') expect(info.adapter).not.toBeNull();
    // The larger graph opens first (RoBERTa's 239 kB before wav2vec2's 194 kB: a smaller WASM heap), and the fixture
    // pair's built-in emotion head loads after the encoders (head.test.ts covers it in depth), then the embedded
    // pair's head, which stands in should the pair's own head go (embedded.test.ts).
    const manifest = (await (await fetch(MANIFEST)).json()) as {
      defaultPair: string;
      heads: { id: string; pair: string }[];
    };
    const embedded = manifest.heads.find((h) => h.pair === manifest.defaultPair)?.id;
    expect(progress.filter((p) => p.status === 'ready').map((p) => p.model)).toEqual([
      'roberta-tiny-fixture',
      'wav2vec2-tiny-fixture',
      'fixture-random',
      embedded,
    ]);

    // The clip's length is whatever its WAV file holds (full RAVDESS clips run 2.9-5 s): one 20 s window.
    expect(clip.length).toBeGreaterThan(16000);
    expect(summary.durationS).toBeCloseTo(clip.length / 16000, 6);
    expect(summary.windows).toBe(1);
    // Its samples through the 320x conv stack.
    expect(summary.audioFeatures).toEqual({ frames: wav2vec2Frames(clip.length), dim: 32 });
    expect(typeof summary.transcript).toBe('string');
    expect(summary.textFeatures.dim).toBe(32);
    expect(summary.textFeatures.tokens).toBeGreaterThanOrEqual(2);
    expect(summary.emotion?.length).toBeGreaterThan(1);
  });

  it('WebGPU and WASM agree on transcript and features', async () => {
    const wasm = await loadedOn('wasm');
    const gpu = await loadedOn('webgpu');
    expect(gpu.summary.transcript).toBe(wasm.summary.transcript);
    const a = unwrap(await wasm.client.lastFeatures());
    const b = unwrap(await gpu.client.lastFeatures());
    if (a === null || b === null) throw new Error('features missing');
    const audioDiff = maxAbsDiff(a.audio.data, b.audio.data);
    const textDiff = maxAbsDiff(a.text.data, b.text.data);
    console.info(
      `WebGPU vs WASM max |diff|: audio hidden ${audioDiff.toExponential(2)}, text hidden ${textDiff.toExponential(2)}`,
    );
    expect(audioDiff).toBeLessThan(TOLERANCE);
    expect(textDiff).toBeLessThan(TOLERANCE);
  });

  it('serves the second load from the cache', async () => {
    // The first load (shared with the tests above) fills the cache; this one must not fetch a model again.
    await loadedOn('wasm');
    const client = createMlClient();
    clients.push(client);
    const progress: LoadProgress[] = [];
    unwrap(await client.init({ pair: 'fixture', manifestUrl: MANIFEST, backend: 'wasm' }, (p) => progress.push(p)));
    // init returns with the encoders ready; the head settles after it, and the head status waits for it.
    unwrap(await client.headStatus());
    // The fixture emotion head pins no hash, so it is fetched every time (builtin-head.ts says why); models are cached.
    const models = progress.filter((p) => p.model !== 'fixture-random');
    const done = models.filter((p) => p.status === 'done');
    expect(done.length).toBeGreaterThan(0);
    expect(done.filter((p) => !p.fromCache).map((p) => p.file)).toEqual([]);
    expect(models.filter((p) => p.status === 'progress')).toEqual([]);
    const headDone = progress.filter(
      (p): p is Extract<LoadProgress, { status: 'done' }> => p.model === 'fixture-random' && p.status === 'done',
    );
    expect(headDone.map((p) => p.fromCache)).toEqual([false, false]);
  });

  it('restarts a crashed worker, reports it, and loads the models again', async () => {
    const client = createMlClient();
    clients.push(client);
    unwrap(await client.init({ pair: 'fixture', manifestUrl: MANIFEST, backend: 'wasm' }, () => undefined));
    const notices: string[] = [];
    client.onCrash((n) => notices.push(`${n.restarts}: ${n.message}`));
    await client.debugCrash();
    await expect.poll(() => notices.length, { timeout: 10_000 }).toBe(1);
    expect(notices[0]).toMatch(/^1: The ML engine stopped unexpectedly .* restarted/);
    // The client re-ran init on the new worker; analysis works again without the caller doing anything.
    await expect.poll(async () => (await client.analyse(clip)).ok, { timeout: 60_000, interval: 500 }).toBe(true);
  });

  it('answers an analysis in flight with worker-crashed when the worker dies', async () => {
    const client = createMlClient();
    clients.push(client);
    unwrap(await client.init({ pair: 'fixture', manifestUrl: MANIFEST, backend: 'wasm' }, () => undefined));
    await client.debugCrash('during-next-analysis');
    const r = await client.analyse(clip);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('worker-crashed');
  });
});

describe('model download failures', () => {
  interface LooseManifest {
    models: { id: string; weights: Record<string, { path: string; sha256?: string }>; source?: { path?: string } }[];
  }
  async function manifestBlob(change: (m: LooseManifest) => void): Promise<string> {
    const m = (await (await fetch(MANIFEST)).json()) as LooseManifest;
    for (const e of m.models)
      if (e.source?.path !== undefined) e.source.path = new URL(`/models/${e.source.path}`, location.href).href;
    change(m);
    return URL.createObjectURL(new Blob([JSON.stringify(m)], { type: 'application/json' }));
  }

  const cases = [
    {
      name: 'a hash mismatch is an integrity error and the model is not run',
      code: 'integrity',
      // The graph's download, tried three times.
      retries: [2, 2] as const,
      change: (m: LooseManifest) => {
        const w = m.models.find((e) => e.id === 'wav2vec2-tiny-fixture')?.weights.fp32;
        if (w) w.sha256 = '0'.repeat(64);
      },
    },
    {
      name: 'an unreachable model host is a download failure',
      code: 'download-failed',
      // The vocabulary's download, and the graph's, planned ahead of it (download-queue.ts), until the load ends.
      retries: [2, 4] as const,
      change: (m: LooseManifest) => {
        const e = m.models.find((x) => x.id === 'wav2vec2-tiny-fixture');
        if (e?.source) e.source.path = 'http://127.0.0.1:9/models/fixtures/wav2vec2-tiny';
      },
    },
  ];
  it.each(cases)('$name', async ({ code, change, retries: [least, most] }) => {
    const client = createMlClient();
    try {
      const url = await manifestBlob(change);
      const progress: LoadProgress[] = [];
      const r = await client.init({ pair: 'fixture', manifestUrl: url, backend: 'wasm' }, (p) => progress.push(p));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(code);
      const tries = progress.filter((p) => p.status === 'retry').length;
      expect(tries).toBeGreaterThanOrEqual(least);
      expect(tries).toBeLessThanOrEqual(most);
      // Nothing goes on downloading after the failed load: no retry comes later (the back-off waits 0.5 s, then 1 s).
      await new Promise((r) => setTimeout(r, 2000));
      expect(progress.filter((p) => p.status === 'retry').length).toBe(tries);
      expect(progress.filter((p) => p.status === 'ready' && p.model === 'wav2vec2-tiny-fixture')).toEqual([]);
    } finally {
      client.dispose();
    }
  });

  it.each([
    {
      name: 'an unreachable manifest is a download failure',
      url: 'http://127.0.0.1:9/models/manifest.json',
      code: 'download-failed',
    },
    { name: 'a manifest that is not JSON is a bad manifest', url: '/index.html', code: 'bad-manifest' },
  ])('$name', async ({ url, code }) => {
    const client = createMlClient();
    const r = await client.init({ pair: 'fixture', manifestUrl: url, backend: 'wasm' }, () => undefined);
    client.dispose();
    expect(r).toMatchObject({ ok: false, error: { code } });
  });
});
