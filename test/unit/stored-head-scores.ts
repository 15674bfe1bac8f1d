/**
 * The fixture head (random weights, seed 11) saved as float32 and in a smaller stored form, read back through
 * decodeCheckpoint and scored on the same random clips: what the F16 and Q8 tests compare.
 */
import { mulberry32 } from '../../src/core/rng';
import type { FeatureMatrix } from '../../src/encoders/types';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/mmer/checkpoint';
import { ParamStore } from '../../src/mmer/params';
import type { StoredDtype } from '../../src/mmer/safetensors';
import { predict } from '../../src/mmer/trainer';
import { fixtureHeadManifest } from '../../tools/fixtures/head';

type Prediction = Awaited<ReturnType<typeof predict>>[number];

/** Both heads' predictions on `clips` random clips (seeded by `seed`), and both files' sizes. */
export async function storedHeadScores(
  stored: StoredDtype,
  clips: number,
  seed: number,
): Promise<{ wide: Prediction[]; narrow: Prediction[]; wideBytes: number; narrowBytes: number }> {
  const manifest = fixtureHeadManifest();
  const params = ParamStore.init(manifest.config, 11);
  const f32 = await encodeCheckpoint(manifest, params, 'F32');
  const small = await encodeCheckpoint(manifest, params, stored);
  params.dispose();
  const rand = mulberry32(seed);
  const matrix = (rows: number, dim: number): FeatureMatrix => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, () => rand() * 2 - 1),
  });
  const inputs = Array.from({ length: clips }, () => ({
    audio: matrix(40, manifest.config.audioDim),
    text: matrix(7, manifest.config.textDim),
  }));
  const scores = async (files: { configJson: string; safetensors: Uint8Array }): Promise<Prediction[]> => {
    const { manifest: m, params: p } = decodeCheckpoint(files.configJson, files.safetensors);
    try {
      return await predict(p, m.config, inputs);
    } finally {
      p.dispose();
    }
  };
  return {
    wide: await scores(f32),
    narrow: await scores(small),
    wideBytes: f32.safetensors.byteLength,
    narrowBytes: small.safetensors.byteLength,
  };
}
