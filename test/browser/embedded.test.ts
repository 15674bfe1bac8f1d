/**
 * The embedded head in the real worker: on the embedded (lite) pair its own shipped head scores; on a pair without a
 * head of its own (the fixture pair without its built-in head, as `?head=none` loads it) the same head scores the same
 * audio through the embedded encoders, with the same scores. Adapting to a voice: the statistics of eight recordings
 * of one speaker become a profile, and the worker's adapted scores equal `predict` in the page on features with that
 * profile applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import { decodeWav } from '../../src/audio/wav';
import type { Result } from '../../src/core/errors';
import { decodeCheckpoint } from '../../src/mmer/checkpoint';
import { initWebEngine } from '../../src/mmer/engine-web';
import { predict } from '../../src/mmer/trainer';
import { applyProfile, columnStats } from '../../src/mmer/utterance';
import { createMlClient } from '../../src/worker-api/client';
import type { MlClient } from '../../src/worker-api/client-types';
import type { AnalysisSummary, EmotionScores } from '../../src/worker-api/protocol';

const MANIFEST = '/models/manifest.json';
/** Actor 01, one clip of each emotion (neutral, calm, happy, sad, angry, fearful, disgust, surprised). */
const VOICE = [1, 2, 3, 4, 5, 6, 7, 8].map((e) => `Actor_01/03-01-0${String(e)}-01-01-01-01.wav`);
/** Another clip of the same actor, scored with and without the profile. */
const PROBE = 'Actor_01/03-01-05-02-01-01-01.wav';
const TOLERANCE = 1e-5;

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function clip(rel: string): Promise<Float32Array> {
  const b64 = await commands.readRavdess(rel);
  const mono = decodeWav(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))).channels[0];
  if (mono === undefined) throw new Error('no channel');
  return mono;
}

function maxDiff(a: EmotionScores | null, b: EmotionScores | null): number {
  if (a === null || b === null) throw new Error('scores missing');
  return Math.max(...a.map((x) => Math.abs(x.score - (b.find((y) => y.label === x.label)?.score ?? Number.NaN))));
}

describe('the embedded head', () => {
  const clients: MlClient[] = [];
  let lite: MlClient;
  let probe: Float32Array;
  let plain: AnalysisSummary;

  async function started(pair: string, builtinHead = true): Promise<MlClient> {
    const client = createMlClient();
    clients.push(client);
    unwrap(await client.init({ pair, manifestUrl: MANIFEST, backend: 'wasm', builtinHead }, () => undefined));
    return client;
  }

  beforeAll(async () => {
    probe = await clip(PROBE);
    lite = await started('lite');
  });
  afterAll(() => {
    for (const c of clients) c.dispose();
  });

  it('scores clips of the embedded pair with its shipped head', async () => {
    const status = unwrap(await lite.headStatus());
    expect(status.head?.builtinId).not.toBeNull();
    expect(status.head?.speakerAdaptable).toBe(true);
    expect(status.embedded).toBeNull();
    plain = unwrap(await lite.analyse(probe));
    expect(plain.scorer).toEqual({ source: 'pair', head: status.head?.name, adaptedClips: null });
    expect(plain.transcript).toBeNull();
    expect(plain.emotion?.map((e) => e.label).sort()).toEqual([...(status.head?.labels ?? [])].sort());
  });

  it('stands in for a pair without a head: the same head, the same audio, the same scores and statistics', async () => {
    const fixture = await started('fixture', false);
    const status = unwrap(await fixture.headStatus());
    expect(status.head).toBeNull();
    expect(status.embedded?.name).toBe(plain.scorer?.head);
    const summary = unwrap(await fixture.analyse(probe));
    expect(typeof summary.transcript).toBe('string');
    expect(summary.scorer).toEqual({ source: 'embedded', head: status.embedded?.name, adaptedClips: null });
    expect(maxDiff(summary.emotion, plain.emotion)).toBeLessThan(TOLERANCE);
    const fromFixture = unwrap(await fixture.lastUtteranceStats());
    unwrap(await lite.analyse(probe));
    const fromLite = unwrap(await lite.lastUtteranceStats());
    expect(fromFixture?.features).toBe(fromLite?.features);
    expect(Array.from(fromFixture?.stats ?? [])).toEqual(Array.from(fromLite?.stats ?? []));
  });

  it('adapts scores to a voice from the statistics of its recordings, as predict does on profiled features', async () => {
    const rows: Float64Array[] = [];
    let features = '';
    for (const rel of VOICE) {
      unwrap(await lite.analyse(await clip(rel)));
      const row = unwrap(await lite.lastUtteranceStats());
      if (row === null) throw new Error('no utterance statistics');
      features = row.features;
      rows.push(row.stats);
    }
    expect(rows[0]?.length).toBeGreaterThan(100);
    expect(unwrap(await lite.setVoice({ features, rows }))).toBe(VOICE.length);

    const adapted = unwrap(await lite.analyse(probe));
    expect(adapted.scorer?.adaptedClips).toBe(VOICE.length);
    // The speaker branch reads the profile: the scores move.
    expect(maxDiff(adapted.emotion, plain.emotion)).toBeGreaterThan(1e-3);

    // The same in the page: the profile applied to the worker's features, then predict with the shipped head.
    const status = unwrap(await lite.headStatus());
    const source = status.head?.source ?? '';
    const [config, weights] = await Promise.all([
      fetch(`${source}config.json`).then((r) => r.text()),
      fetch(`${source}model.safetensors`).then((r) => r.arrayBuffer()),
    ]);
    const last = unwrap(await lite.lastFeatures());
    if (last === null) throw new Error('no features');
    await initWebEngine(['wasm']);
    const { manifest, params } = decodeCheckpoint(config, new Uint8Array(weights));
    const dim = manifest.config.utterance?.dim ?? 0;
    const profile = { ...columnStats(rows, dim), clips: rows.length };
    const [direct] = await predict(params, manifest.config, [
      { audio: applyProfile(last.audio, dim, profile), text: last.text },
    ]);
    params.dispose();
    const expected = manifest.config.labels.map((label, i) => ({ label, score: direct?.scores[i] ?? Number.NaN }));
    expect(maxDiff(adapted.emotion, expected)).toBeLessThan(TOLERANCE);

    // Forgetting the voice gives the plain scores back.
    expect(unwrap(await lite.setVoice(null))).toBe(0);
    const again = unwrap(await lite.classifyLast());
    expect(again?.scorer.adaptedClips).toBeNull();
    expect(maxDiff(again?.emotion ?? null, plain.emotion)).toBeLessThan(TOLERANCE);
  });
});
