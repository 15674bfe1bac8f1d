/**
 * The fixture pair served as if from a model hub, for the loader's verification tests: a manifest whose fixture
 * models come from hub repositories, and a fetch that answers `https://hub.test/<repo>/resolve/<rev>/<path>` (and
 * the app's own files under `https://app.test/models/`) from the fixture files on disk, whose bytes a test can swap
 * to play an upstream change. No network.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MemoryStore } from '../../src/runtime/cache';
import type { Manifest, OnnxModelEntry } from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';
import type { LoaderContext } from '../../src/runtime/model-loader';
import type { LoadProgress } from '../../src/runtime/runtime-types';
import { REPO_ROOT } from '../shared-data';

export const MODELS = join(REPO_ROOT, 'public', 'models');
export const HUB = 'https://hub.test';
export const MANIFEST_URL = 'https://app.test/models/manifest.json';
export const COMMIT = '0123456789abcdef0123456789abcdef01234567';
/** Hub repository of each fixture model. */
export const REPOS: Readonly<Record<string, string>> = {
  'wav2vec2-tiny-fixture': 'fixtures/wav2vec2-tiny',
  'roberta-tiny-fixture': 'fixtures/roberta-tiny',
};

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface LooseRef {
  path: string;
  sha256?: string;
  bytes?: number;
}
interface LooseModel {
  id: string;
  source?: Record<string, string>;
  weights?: Record<string, LooseRef>;
  files?: Record<string, LooseRef>;
}

/**
 * The shipped manifest with the fixture models on the hub at `revision`. `pinned`: every file carries its sha256 and
 * bytes (computed here from the files on disk); otherwise none does. The fixture head is pinned either way.
 */
export function hubManifest(revision: string, pinned: boolean): Manifest {
  const m = JSON.parse(readFileSync(join(MODELS, 'manifest.json'), 'utf8')) as {
    hubUrl: string;
    models: LooseModel[];
    heads: { pair: string; files: Record<string, LooseRef> }[];
  };
  m.hubUrl = HUB;
  const pin = (ref: LooseRef, dir: string): LooseRef => {
    if (!pinned) return { path: ref.path };
    const bytes = readFileSync(join(MODELS, dir, ref.path));
    return { path: ref.path, sha256: sha256(bytes), bytes: bytes.byteLength };
  };
  for (const e of m.models) {
    const repo = REPOS[e.id];
    if (repo === undefined || e.weights === undefined || e.files === undefined) continue;
    e.source = { type: 'hub', repo, revision };
    for (const [k, ref] of Object.entries(e.weights)) e.weights[k] = pin(ref, repo);
    for (const [k, ref] of Object.entries(e.files)) e.files[k] = pin(ref, repo);
  }
  for (const h of m.heads) {
    if (h.pair !== 'fixture') continue;
    for (const [k, ref] of Object.entries(h.files)) {
      const bytes = readFileSync(join(MODELS, ref.path));
      h.files[k] = { path: ref.path, sha256: sha256(bytes), bytes: bytes.byteLength };
    }
  }
  return parseManifest(m);
}

/** The ONNX entry of a fixture model in `manifest`. */
export function onnxModel(manifest: Manifest, id: string): OnnxModelEntry {
  const e = manifest.models.find((m) => m.id === id);
  if (e?.format !== 'onnx') throw new Error(`no onnx model ${id}`);
  return e;
}

/** A fake hub and app server over the fixture files; `replace` makes a URL answer other bytes from now on. */
export class FakeHub {
  readonly requests: string[] = [];
  private readonly replaced = new Map<string, Uint8Array>();

  readonly fetchImpl = ((input: string | URL | Request): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    this.requests.push(url);
    const body = this.replaced.get(url) ?? this.fromDisk(url);
    if (body === null) return Promise.resolve(new Response('not found', { status: 404, statusText: 'Not Found' }));
    return Promise.resolve(new Response(body.slice(), { headers: { 'content-length': String(body.byteLength) } }));
  }) as typeof fetch;

  private fromDisk(url: string): Uint8Array | null {
    const app = /^https:\/\/app\.test\/models\/(.+)$/.exec(url);
    const hub = /^https:\/\/hub\.test\/(fixtures\/[^/]+)\/resolve\/[^/]+\/(.+)$/.exec(url);
    const rel = app?.[1] ?? (hub === null ? undefined : `${hub[1] ?? ''}/${hub[2] ?? ''}`);
    if (rel === undefined) return null;
    try {
      return new Uint8Array(readFileSync(join(MODELS, rel)));
    } catch {
      return null;
    }
  }

  /** The bytes `url` answers now. */
  bytes(url: string): Uint8Array {
    const b = this.replaced.get(url) ?? this.fromDisk(url);
    if (b === null) throw new Error(`the fake hub has no ${url}`);
    return b;
  }

  replace(url: string, bytes: Uint8Array): void {
    this.replaced.set(url, bytes);
  }

  /** How many times `url` was requested. */
  count(url: string): number {
    return this.requests.filter((r) => r === url).length;
  }
}

/** A loader context over `hub` and a fresh memory store (or `store`), with progress recorded. */
export function loaderContext(
  manifest: Manifest,
  hub: FakeHub,
  store = new MemoryStore(),
): LoaderContext & { store: MemoryStore; progress: LoadProgress[] } {
  const progress: LoadProgress[] = [];
  return {
    manifest,
    manifestUrl: MANIFEST_URL,
    store,
    progress,
    onProgress: (p) => progress.push(p),
    fetchImpl: hub.fetchImpl,
    retryDelayMs: 1,
  };
}

/** Flips one byte of the entry stored under `key`, in place: a damaged cache entry. */
export async function damage(store: MemoryStore, key: string): Promise<void> {
  const bytes = await store.get(key);
  if (bytes === null || bytes.byteLength === 0) throw new Error(`nothing stored under ${key}`);
  bytes[bytes.byteLength >> 1] = (bytes[bytes.byteLength >> 1] ?? 0) ^ 0xff;
}
