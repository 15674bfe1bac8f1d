/**
 * `npm run pin-models` against a local fake hub (node:http on 127.0.0.1, the hub's URL scheme, large files behind a
 * redirect as on the real hub): it writes each model's commit and every file's exact size and sha256, keeps the
 * manifest's layout, writes nothing when a file is missing, and the manifest it writes loads through the real loader
 * until the hub serves other bytes.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/runtime/cache';
import { withHubUrl, type Manifest, type OnnxModelEntry } from '../../src/runtime/manifest';
import { parseManifest } from '../../src/runtime/manifest-parse';
import { loadEditedModel, loadJsonFile, type LoaderContext } from '../../src/runtime/model-loader';
import type { LoadProgress } from '../../src/runtime/runtime-types';
import { main, type PinIo } from '../../tools/pin-models';
import { MODELS, sha256 } from './fake-hub';
import { ensureFixtures } from './fixtures-on-disk';

const FIXTURE_REPOS = { 'wav2vec2-tiny-fixture': 'test/wav2vec2-tiny', 'roberta-tiny-fixture': 'test/roberta-tiny' };
const ONLY = Object.keys(FIXTURE_REPOS).flatMap((id) => ['--only', id]);
const commitOf = (repo: string): string => createHash('sha1').update(repo).digest('hex');

/** repo → path → bytes served at the repo's one commit (reachable as `main` too). */
const served = new Map<string, Map<string, Uint8Array>>();
let server: Server;
let hubUrl = '';

function handle(path: string): { status: number; body?: Uint8Array | string; location?: string } {
  const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(path);
  if (api !== null) {
    const repo = api[1] ?? '';
    const rev = decodeURIComponent(api[2] ?? '');
    if (!served.has(repo) || (rev !== 'main' && rev !== commitOf(repo))) return { status: 404 };
    return { status: 200, body: JSON.stringify({ id: repo, sha: commitOf(repo) }) };
  }
  const cdn = /^\/cdn\/(.+?)\/file\/(.+)$/.exec(path);
  const file = cdn ?? /^\/(.+?)\/resolve\/([0-9a-f]{40})\/(.+)$/.exec(path);
  const repo = file?.[1] ?? '';
  const name = (cdn === null ? file?.[3] : cdn[2]) ?? '';
  const bytes = served.get(repo)?.get(name);
  if (file === null || bytes === undefined || (cdn === null && file[2] !== commitOf(repo))) return { status: 404 };
  // The hub answers large files with a redirect to its storage host.
  if (cdn === null && name.endsWith('.onnx')) return { status: 302, location: `/cdn/${repo}/file/${name}` };
  return { status: 200, body: bytes };
}

/** The fixture models' files, as the fake hub serves them. */
function serveFixtures(): void {
  served.clear();
  const files: Record<string, readonly string[]> = {
    'test/wav2vec2-tiny': ['onnx/model.onnx', 'vocab.json', 'config.json'],
    'test/roberta-tiny': ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'],
  };
  for (const [repo, paths] of Object.entries(files)) {
    const dir = repo.replace('test/', 'fixtures/');
    served.set(repo, new Map(paths.map((p) => [p, new Uint8Array(readFileSync(join(MODELS, dir, p)))])));
  }
}

/** The shipped manifest, text-edited so the fixture models come unpinned from the hub at `main`. */
function unpinnedManifest(): string {
  let text = readFileSync(join(MODELS, 'manifest.json'), 'utf8');
  const edit = (from: RegExp | string, to: string): void => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`the shipped manifest has no ${String(from)}`);
    text = next;
  };
  for (const [, repo] of Object.entries(FIXTURE_REPOS)) {
    const local = `{ "type": "local", "path": "${repo.replace('test/', 'fixtures/')}" }`;
    edit(local, `{ "type": "hub", "repo": "${repo}", "revision": "main" }`);
  }
  edit(/\{ "path": "onnx\/model\.onnx", "sha256": "[0-9a-f]{64}", "bytes": \d+ \}/g, '{ "path": "onnx/model.onnx" }');
  const path = join(mkdtempSync(join(tmpdir(), 'mmer-pin-')), 'manifest.json');
  writeFileSync(path, text);
  return path;
}

function quiet(): PinIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

function onnx(manifest: Manifest, id: string): OnnxModelEntry {
  const e = manifest.models.find((m) => m.id === id);
  if (e?.format !== 'onnx') throw new Error(`no onnx model ${id}`);
  return e;
}

/** Loads every file of both fixture models through the real loader from the fake hub, into a fresh store. */
async function loadAll(manifest: Manifest): Promise<LoadProgress[]> {
  const progress: LoadProgress[] = [];
  const ctx: LoaderContext = {
    manifest: withHubUrl(manifest, hubUrl),
    manifestUrl: 'https://app.test/models/manifest.json',
    store: new MemoryStore(),
    onProgress: (p) => progress.push(p),
    retryDelayMs: 1,
  };
  for (const id of Object.keys(FIXTURE_REPOS)) {
    const entry = onnx(manifest, id);
    await loadEditedModel(ctx, entry, 'fp32');
    for (const purpose of Object.keys(entry.files)) await loadJsonFile(ctx, entry, purpose);
  }
  return progress;
}

beforeAll(async () => {
  await ensureFixtures();
  server = createServer((req, res) => {
    const r = handle(new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(r.status, r.location === undefined ? {} : { location: r.location });
    res.end(r.body ?? (r.status === 404 ? 'Not Found' : ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('npm run pin-models', () => {
  it('writes each commit and exact pins, keeps the layout, and the result loads until the hub changes a file', async () => {
    serveFixtures();
    const path = unpinnedManifest();
    const before = readFileSync(path, 'utf8');
    const io = quiet();
    const rows = await main(['--manifest', path, '--hub', hubUrl, ...ONLY], io);
    const after = readFileSync(path, 'utf8');
    const written = JSON.parse(after) as { models: { id: string; source: { revision: string } }[] };
    const manifest = parseManifest(written);
    expect(rows).toHaveLength(7);
    for (const [id, repo] of Object.entries(FIXTURE_REPOS)) {
      const entry = onnx(manifest, id);
      expect(entry.source).toEqual({ type: 'hub', repo, revision: commitOf(repo) });
      for (const ref of [...Object.values(entry.weights), ...Object.values(entry.files)]) {
        const bytes = served.get(repo)?.get(ref.path);
        if (bytes === undefined) throw new Error(`not served: ${ref.path}`);
        expect(ref).toEqual({ path: ref.path, sha256: sha256(bytes), bytes: bytes.byteLength });
        expect(io.out.join('')).toContain(sha256(bytes));
      }
    }
    // The hub models not asked for keep their branch; only the lines with a revision or a file changed.
    expect(written.models.find((m) => m.id === 'roberta-base')?.source.revision).toBe('main');
    const was = before.split('\n');
    const now = after.split('\n');
    expect(now).toHaveLength(was.length);
    const changed = was.filter((line, i) => line !== now[i]);
    // Two revisions, two graphs, wav2vec2's one-line files and RoBERTa's three side-file lines.
    expect(changed).toHaveLength(2 + 2 + 1 + 3);
    for (const line of changed) expect(line).toMatch(/"revision": "main"|\{ "path": "[^"]+" \}/);

    const progress = await loadAll(manifest);
    expect(progress.filter((p) => p.status === 'verify')).toHaveLength(7);

    const graph = served.get('test/wav2vec2-tiny')?.get('onnx/model.onnx');
    if (graph === undefined) throw new Error('no graph');
    served.get('test/wav2vec2-tiny')?.set(
      'onnx/model.onnx',
      graph.map((b, i) => (i === 200 ? b ^ 1 : b)),
    );
    await expect(loadAll(manifest)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringMatching(/model\.onnx failed its integrity check.*SHA-256 mismatch/) as string,
    });
  });

  it('names a file the hub does not have and writes nothing', async () => {
    serveFixtures();
    served.get('test/roberta-tiny')?.delete('tokenizer_config.json');
    const path = unpinnedManifest();
    const before = readFileSync(path, 'utf8');
    await expect(main(['--manifest', path, '--hub', hubUrl, ...ONLY], quiet())).rejects.toThrow(
      new RegExp(
        `test/roberta-tiny@${commitOf('test/roberta-tiny').slice(0, 12)} has no file tokenizer_config\\.json \\(HTTP 404`,
      ),
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it.each([
    {
      args: ['--only', 'roberta-base'],
      message: /Xenova\/roberta-base at revision "main" does not exist on http:\/\/127/,
    },
    { args: [...ONLY, '--revision', 'v9'], message: /test\/wav2vec2-tiny at revision "v9" does not exist/ },
    { args: ['--only', 'lite-ngram'], message: /has no hub model "lite-ngram" \(hub models: wav2vec2-base-960h, / },
  ])('refuses $args with a clear message and writes nothing', async ({ args, message }) => {
    serveFixtures();
    const path = unpinnedManifest();
    const before = readFileSync(path, 'utf8');
    await expect(main(['--manifest', path, '--hub', hubUrl, ...args], quiet())).rejects.toThrow(message);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('says the hub is unreachable when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = main(['--manifest', unpinnedManifest(), '--hub', `http://127.0.0.1:${String(port)}`, ...ONLY], quiet());
    await expect(run).rejects.toThrow(/the hub http:\/\/127\.0\.0\.1:\d+ is unreachable \(.*ECONNREFUSED.*\)/);
  });

  it('prints the table and writes nothing with --dry-run', async () => {
    serveFixtures();
    const path = unpinnedManifest();
    const before = readFileSync(path, 'utf8');
    const io = quiet();
    const rows = await main(['--manifest', path, '--hub', hubUrl, ...ONLY, '--dry-run'], io);
    expect(readFileSync(path, 'utf8')).toBe(before);
    const table = io.out.join('').split('\n');
    expect(table[0]).toMatch(/^model\s+commit\s+file\s+bytes\s+sha256$/);
    for (const r of rows) expect(table).toContainEqual(expect.stringContaining(r.path) as string);
    expect(table.filter((l) => /[0-9a-f]{64}$/.test(l))).toHaveLength(rows.length);
  });
});
