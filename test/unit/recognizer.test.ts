/**
 * The recognizer the worker exposes, driven in Node as the CLI drives it: which head scores a clip (the pair's, the
 * embedded stand-in, an imported one), that its scores are the head's own on the clip's features, that the CLI's
 * `transcribe` prints those very scores, and the errors it gives instead of a made-up emotion.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { loadHeadDir, readHeadDir } from '../../src/mmer/checkpoint-node';
import { predict } from '../../src/mmer/trainer';
import { MemoryStore } from '../../src/runtime/cache';
import { nodePlatform } from '../../src/recognizer/node-platform';
import { fileAwareFetch } from '../../src/runtime/node-io';
import { Recognizer } from '../../src/recognizer/recognizer';
import type { EmotionScores } from '../../src/worker-api/protocol';
import { ravdessClip, REPO_ROOT } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

const MANIFEST = 'public/models/manifest.json';
const SHIPPED = 'public/models/heads/lite-ravdess8';
const CLIP = 'Actor_02/03-01-05-02-01-01-02.wav';

function pcm(rel: string): Float32Array {
  const ch = decodeWav(readFileSync(ravdessClip(rel))).channels[0];
  if (ch === undefined) throw new Error('no audio');
  return ch;
}

async function loaded(pair: string, builtinHead = true): Promise<Recognizer> {
  const r = new Recognizer(nodePlatform({ store: new MemoryStore() }));
  await r.load({ pair, manifestUrl: MANIFEST, backend: 'auto', builtinHead }, () => undefined);
  return r;
}

function byLabel(scores: EmotionScores | null | undefined): Map<string, number> {
  return new Map((scores ?? []).map((s) => [s.label, s.score]));
}

describe('Recognizer (Node)', () => {
  beforeAll(async () => {
    await initNodeEngine();
    await ensureFixtures();
  });

  it('scores a clip of the lite pair with its shipped head, exactly as the head predicts on the clip features', async () => {
    const r = await loaded('lite');
    const summary = await r.analyse(pcm(CLIP));
    expect(summary.scorer).toEqual({ source: 'pair', head: 'lite-ravdess8', adaptedClips: null });
    const features = r.lastFeatures();
    if (features === null) throw new Error('no features kept');
    const { manifest, params } = await loadHeadDir(SHIPPED);
    const [direct] = await predict(params, manifest.config, [features]);
    params.dispose();
    const shown = byLabel(summary.emotion);
    expect([...shown.keys()].sort()).toEqual([...manifest.config.labels].sort());
    manifest.config.labels.forEach((label, i) => {
      expect(shown.get(label), label).toBeCloseTo(direct?.scores[i] ?? Number.NaN, 6);
    });
    // Ranked best first.
    const values = (summary.emotion ?? []).map((s) => s.score);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await r.dispose();
  });

  it('lets the embedded head score a pair without a head: the same head and audio give the same scores', async () => {
    const lite = await loaded('lite');
    const alone = byLabel((await lite.analyse(pcm(CLIP))).emotion);
    await lite.dispose();
    const fixture = await loaded('fixture', false);
    const status = await fixture.headStatus();
    expect(status.head).toBeNull();
    expect(status.embedded?.name).toBe('lite-ravdess8');
    const summary = await fixture.analyse(pcm(CLIP));
    expect(summary.scorer?.source).toBe('embedded');
    for (const [label, score] of alone) expect(byLabel(summary.emotion).get(label), label).toBeCloseTo(score, 6);
    await fixture.dispose();
  });

  it('refuses a head of other encoders, keeps the active one, and falls back to the embedded head when it is removed', async () => {
    const r = await loaded('fixture');
    const builtin = (await r.headStatus()).head?.name;
    expect(builtin).toBeDefined();
    await expect(r.loadHead(await readHeadDir(SHIPPED))).rejects.toMatchObject({ code: 'bad-model' });
    expect((await r.headStatus()).head?.name).toBe(builtin);
    await r.analyse(pcm(CLIP));
    await r.unloadHead();
    const rescored = await r.classifyLast();
    expect(rescored?.scorer).toEqual({ source: 'embedded', head: 'lite-ravdess8', adaptedClips: null });
    await r.dispose();
  });

  it.each([
    { what: 'analysis before a load', run: (r: Recognizer) => r.analyse(new Float32Array(16_000)), code: 'internal' },
    {
      what: 'training where there is no clip library',
      run: (r: Recognizer) => r.evaluateHead('h', 'test'),
      code: 'training',
    },
  ])('answers $what with $code', async ({ run, code }) => {
    await expect(run(new Recognizer(nodePlatform({ store: new MemoryStore() })))).rejects.toMatchObject({ code });
  });

  it('refuses WebGPU in Node with a reason', async () => {
    const r = new Recognizer(nodePlatform({ store: new MemoryStore() }));
    await expect(
      r.load({ pair: 'lite', manifestUrl: MANIFEST, backend: 'webgpu' }, () => undefined),
    ).rejects.toMatchObject({ code: 'backend-unavailable' });
  });

  it('prints through `npm run cli -- transcribe --json` the scores the recognizer gives', async () => {
    const r = await loaded('lite');
    const expected = byLabel((await r.analyse(pcm(CLIP))).emotion);
    await r.dispose();
    const out = execFileSync(
      'npx',
      ['tsx', 'cli/main.ts', 'transcribe', '--pair', 'lite', '--json', ravdessClip(CLIP)],
      { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    const line = JSON.parse(out.trim()) as {
      emotion: EmotionScores | null;
      scorer: { head: string } | null;
      transcript: string | null;
    };
    expect(line.transcript).toBeNull();
    expect(line.scorer?.head).toBe('lite-ravdess8');
    const printed = byLabel(line.emotion);
    expect(printed.size).toBe(expected.size);
    for (const [label, score] of expected) expect(printed.get(label), label).toBeCloseTo(score, 6);
  });
});

describe('Recognizer load: the head settles after the encoders', () => {
  beforeAll(async () => {
    await initNodeEngine();
    await ensureFixtures();
  });

  it('analyses a clip while the head still downloads, and scores it with that head once it has come', async () => {
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const asked: string[] = [];
    // Serves every file at once except the lite head's weights, which wait for `release`.
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : input.toString();
      asked.push(url);
      if (url.endsWith('lite-ravdess8/model.safetensors')) await held;
      return fileAwareFetch(input, init);
    };
    const r = new Recognizer(nodePlatform({ store: new MemoryStore(), fetchImpl }));
    await r.load({ pair: 'lite', manifestUrl: MANIFEST, backend: 'auto', builtinHead: true }, () => undefined);
    // Loaded, although the head's weights have not come: the encoders are ready.
    expect(asked.some((u) => u.endsWith('lite-ravdess8/model.safetensors'))).toBe(true);
    const steps: string[] = [];
    const analysing = r.analyse(pcm(CLIP)).then((s) => {
      steps.push('scored');
      return s;
    });
    await new Promise((ok) => setTimeout(ok, 200));
    steps.push('released');
    release();
    const summary = await analysing;
    expect(steps).toEqual(['released', 'scored']);
    expect(summary.scorer).toEqual({ source: 'pair', head: 'lite-ravdess8', adaptedClips: null });
    expect(summary.emotion?.length).toBeGreaterThan(0);
    expect((await r.headStatus()).head?.name).toBe('lite-ravdess8');
    await r.dispose();
  });
});
