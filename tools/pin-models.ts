/**
 * `npm run pin-models`: pins the manifest's hub models for a maintainer with network access. For each hub model it
 * resolves the revision (e.g. `main`) to a commit through the hub's API, streams every file of every precision and
 * every side file from that commit to measure its size and SHA-256 (never holding a file whole), and writes the
 * commit and the pins back into the manifest, keeping its layout and key order (`json-layout.ts`). Nothing is written
 * unless every file of every model asked for was measured.
 *
 * Options: --manifest PATH (default public/models/manifest.json), --hub URL (instead of the manifest's hubUrl),
 * --only MODEL_ID (repeatable), --revision REV (resolve this instead of the manifest's revision, e.g. to move a
 * pinned model on to `main` again), --dry-run (print the table, write nothing). Progress goes to stderr, the table
 * to stdout.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isPinnedRevision } from '../src/runtime/manifest';
import { parseManifest } from '../src/runtime/manifest-parse';
import { formatLike, readLayout } from './json-layout';

/** Where the tool writes; tests pass their own to keep the output. */
export interface PinIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** One measured file, a row of the summary table. */
export interface PinnedFile {
  readonly model: string;
  readonly commit: string;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

interface RawRef {
  path: string;
  downloadBytes?: number;
  sha256?: string;
  bytes?: number;
}
interface RawModel {
  id: string;
  source?: { type: string; repo?: string; revision?: string };
  weights?: Record<string, RawRef>;
  files?: Record<string, RawRef>;
}

const defaultIo: PinIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** A fetch that says which host could not be reached instead of undici's bare "fetch failed". */
async function get(url: string, hub: string): Promise<Response> {
  try {
    return await fetch(url, { redirect: 'follow' });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new Error(`the hub ${hub} is unreachable (${cause}); check the network or --hub`, { cause: err });
  }
}

/** The commit `revision` of `repo` points at, from `GET {hub}/api/models/{repo}/revision/{revision}`. */
async function resolveCommit(hub: string, repo: string, revision: string): Promise<string> {
  const url = `${hub}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const res = await get(url, hub);
  // The hub answers 401 rather than 404 for a repository it does not have, when asked without a token.
  if (res.status === 404 || res.status === 401) {
    const why = res.headers.get('x-error-message') ?? `HTTP ${String(res.status)}`;
    throw new Error(`${repo} at revision "${revision}" does not exist on ${hub} (${why})`);
  }
  if (!res.ok) throw new Error(`the hub answered HTTP ${String(res.status)} for ${url}`);
  const body = (await res.json().catch(() => null)) as { sha?: unknown } | null;
  const sha = body?.sha;
  if (typeof sha !== 'string' || !isPinnedRevision(sha))
    throw new Error(`the hub's answer for ${repo}@${revision} has no 40-hex "sha" (${url})`);
  return sha;
}

/** Size and SHA-256 of one file at `commit`, streamed. */
async function measure(
  hub: string,
  repo: string,
  commit: string,
  path: string,
  io: PinIo,
): Promise<{ bytes: number; sha256: string }> {
  const url = `${hub}/${repo}/resolve/${commit}/${path}`;
  const res = await get(url, hub);
  if (res.status === 404 || res.status === 410)
    throw new Error(`${repo}@${commit.slice(0, 12)} has no file ${path} (HTTP ${String(res.status)} for ${url})`);
  if (!res.ok || res.body === null) throw new Error(`the hub answered HTTP ${String(res.status)} for ${url}`);
  const hash = createHash('sha256');
  let bytes = 0;
  let shown = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
    bytes += value.byteLength;
    if (bytes - shown >= 50_000_000) {
      shown = bytes;
      io.stderr(`  ${repo}/${path}: ${(bytes / 1e6).toFixed(0)} MB\n`);
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Pins `ref` in place: exact size and hash replace the approximate size. */
function pinRef(ref: RawRef, m: { bytes: number; sha256: string }): void {
  delete ref.downloadBytes;
  ref.sha256 = m.sha256;
  ref.bytes = m.bytes;
}

function table(rows: readonly PinnedFile[]): string {
  const head = ['model', 'commit', 'file', 'bytes', 'sha256'];
  const cells = rows.map((r) => [r.model, r.commit.slice(0, 12), r.path, String(r.bytes), r.sha256]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[head, ...cells].map(line).join('\n')}\n`;
}

/**
 * Runs the tool with command-line arguments `argv`; resolves to the files it measured.
 * @throws Error with a message for a person: an unreachable hub, a repository or revision the hub does not have, a
 * missing file (named), a manifest that does not parse or names no such model.
 */
export async function main(argv: readonly string[], io: PinIo = defaultIo): Promise<PinnedFile[]> {
  const { values: v } = parseArgs({
    args: [...argv],
    options: {
      manifest: { type: 'string', default: 'public/models/manifest.json' },
      hub: { type: 'string' },
      only: { type: 'string', multiple: true },
      revision: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  let text: string;
  let raw: { hubUrl: string; models: RawModel[] };
  try {
    text = readFileSync(v.manifest, 'utf8');
    raw = JSON.parse(text) as typeof raw;
  } catch (err) {
    throw new Error(`cannot read the manifest ${v.manifest} (${err instanceof Error ? err.message : String(err)})`);
  }
  parseManifest(raw);
  const hub = (v.hub ?? raw.hubUrl).replace(/\/+$/, '');
  const hubModels = raw.models.filter((m) => m.source?.type === 'hub');
  for (const id of v.only ?? []) {
    if (!hubModels.some((m) => m.id === id))
      throw new Error(`${v.manifest} has no hub model "${id}" (hub models: ${hubModels.map((m) => m.id).join(', ')})`);
  }
  const chosen = hubModels.filter((m) => v.only === undefined || v.only.includes(m.id));
  const rows: PinnedFile[] = [];
  for (const model of chosen) {
    const source = model.source as { repo: string; revision: string };
    const revision = v.revision ?? source.revision;
    const commit = await resolveCommit(hub, source.repo, revision);
    io.stderr(`${model.id}: ${source.repo}@${revision} is ${commit}\n`);
    for (const ref of [...Object.values(model.weights ?? {}), ...Object.values(model.files ?? {})]) {
      io.stderr(`  ${ref.path}\n`);
      const measured = await measure(hub, source.repo, commit, ref.path, io);
      rows.push({ model: model.id, commit, path: ref.path, ...measured });
      pinRef(ref, measured);
    }
    source.revision = commit;
  }
  io.stdout(table(rows));
  // What is written must still be a manifest the app accepts.
  parseManifest(raw);
  if (v['dry-run']) io.stderr(`dry run: ${v.manifest} left as it was\n`);
  else {
    writeFileSync(v.manifest, `${formatLike(raw, readLayout(text))}\n`);
    io.stderr(`pinned ${String(rows.length)} files of ${String(chosen.length)} models in ${v.manifest}\n`);
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`pin-models: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
