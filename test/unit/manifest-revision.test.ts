/**
 * A hub model's `source.revision`: a full commit pins its files, a branch or tag name leaves them unpinned (trust on
 * first use), and anything that is neither (a shortened commit above all, which would silently go unpinned) is
 * refused by the parser with the field's path. The loader fetches from the manifest's revision.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileUrl, isPinnedRevision } from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';

const raw = JSON.parse(readFileSync(new URL('../../public/models/manifest.json', import.meta.url), 'utf8')) as {
  models: { id: string; source?: { revision?: unknown } }[];
};

/** The shipped manifest with wav2vec2-base-960h (models[0]) at `revision`. */
function withRevision(revision: unknown): unknown {
  const copy = structuredClone(raw);
  const first = copy.models[0];
  if (first?.id !== 'wav2vec2-base-960h' || first.source === undefined) throw new Error('unexpected manifest');
  first.source.revision = revision;
  return copy;
}

const COMMIT = '5e3d1b2a4f6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e';

describe('a hub revision', () => {
  it.each([COMMIT, 'main', 'v1.0', 'refs/pr/12', 'release_2024-01'])('%j is accepted', (revision) => {
    const m = parseManifest(withRevision(revision));
    const entry = m.models[0];
    if (entry?.format !== 'onnx' || entry.source.type !== 'hub') throw new Error('not a hub model');
    expect(entry.source.revision).toBe(revision);
    expect(isPinnedRevision(entry.source.revision)).toBe(revision === COMMIT);
  });

  it.each([
    { revision: COMMIT.slice(0, 7), message: /revision looks like a commit of 7 hex digits .*give all 40/ },
    { revision: `${COMMIT}ab`, message: /revision looks like a commit of 42 hex digits/ },
    { revision: COMMIT.toUpperCase(), message: /revision must be a commit in lower-case hex/ },
    { revision: 'main branch', message: /revision must be a 40-hex commit or a branch or tag name/ },
    { revision: '../main', message: /revision must be a 40-hex commit or a branch or tag name/ },
    { revision: '', message: /revision must be a non-empty string/ },
    { revision: 42, message: /revision must be a non-empty string/ },
  ])('$revision is refused with a message naming the field', ({ revision, message }) => {
    const parse = (): unknown => parseManifest(withRevision(revision));
    expect(parse).toThrow(expect.objectContaining({ code: 'bad-manifest' }) as Error);
    expect(parse).toThrow(/^Model manifest: models\[0\]\.source\.revision /);
    expect(parse).toThrow(message);
  });

  it('is the one the loader fetches from', () => {
    const m = parseManifest(withRevision(COMMIT));
    const entry = m.models[0];
    if (entry?.format !== 'onnx') throw new Error('not an onnx model');
    expect(fileUrl(m, 'https://app.test/models/manifest.json', entry.source, { path: 'onnx/model.onnx' })).toBe(
      `https://huggingface.co/Xenova/wav2vec2-base-960h/resolve/${COMMIT}/onnx/model.onnx`,
    );
  });
});
