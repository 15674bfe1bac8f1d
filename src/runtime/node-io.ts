/**
 * Node-side I/O for the shared loader: `file://` URLs read from disk (Node's fetch refuses them), everything else
 * through the global fetch; and a cache folder on disk so the CLI downloads and edits a model once.
 */
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ByteStore } from './cache';

/** fetch() that also serves `file://` URLs, for manifests and fixtures on disk. */
export const fileAwareFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith('file:')) return fetch(input, init);
  try {
    const bytes = await readFile(fileURLToPath(url));
    return new Response(bytes, { headers: { 'content-length': String(bytes.byteLength) } });
  } catch {
    return new Response('not found', { status: 404, statusText: 'Not Found' });
  }
};

/** A ByteStore in a folder; file names are hashes of the keys. Entries are verified by the loader's hash checks. */
export class DirectoryStore implements ByteStore {
  constructor(private readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, createHash('sha256').update(key).digest('hex'));
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const data = await readFile(this.path(key));
      const body = data.subarray(32);
      const digest = createHash('sha256').update(body).digest();
      // The first 32 bytes hold the body's SHA-256: a half-written or damaged entry is dropped, not used.
      if (!digest.equals(data.subarray(0, 32))) {
        await this.delete(key);
        return null;
      }
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    } catch {
      return null;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const digest = createHash('sha256').update(bytes).digest();
    const tmp = `${this.path(key)}.tmp`;
    await writeFile(tmp, Buffer.concat([digest, bytes]));
    // Rename is atomic, so a crash mid-write never leaves a plausible-looking entry.
    await rename(tmp, this.path(key));
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async has(key: string): Promise<boolean> {
    return access(this.path(key)).then(
      () => true,
      () => false,
    );
  }
}
