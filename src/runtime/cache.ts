/**
 * Persistent byte storage for downloaded (and already edited) model files. Entries carry their SHA-256 and are
 * checked on every read, so a corrupted cache entry is dropped and downloaded again instead of being run.
 */
import { sha256Hex } from './hash';

/** Key-value storage for model files. */
export interface ByteStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

const HASH_HEADER = 'x-mmer-sha256';

/** Cache API storage (browser page or worker). Keys must be URLs. */
export class CacheApiStore implements ByteStore {
  constructor(private readonly cacheName = 'mmer-models-v1') {}

  async get(key: string): Promise<Uint8Array | null> {
    const cache = await caches.open(this.cacheName);
    const res = await cache.match(key);
    if (res === undefined) return null;
    const bytes = new Uint8Array(await res.arrayBuffer());
    const expected = res.headers.get(HASH_HEADER);
    if (expected === null || (await sha256Hex(bytes)) !== expected) {
      await cache.delete(key);
      return null;
    }
    return bytes;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const cache = await caches.open(this.cacheName);
    const body = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
    const headers = { 'content-type': 'application/octet-stream', [HASH_HEADER]: await sha256Hex(bytes) };
    await cache.put(key, new Response(body, { headers }));
  }

  async delete(key: string): Promise<void> {
    const cache = await caches.open(this.cacheName);
    await cache.delete(key);
  }
}

/** In-memory storage (tests, and browsers without the Cache API such as private windows). */
export class MemoryStore implements ByteStore {
  private readonly map = new Map<string, Uint8Array>();
  get(key: string): Promise<Uint8Array | null> {
    return Promise.resolve(this.map.get(key) ?? null);
  }
  put(key: string, bytes: Uint8Array): Promise<void> {
    this.map.set(key, bytes);
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.map.delete(key);
    return Promise.resolve();
  }
  /** Keys currently stored, for tests and diagnostics. */
  keys(): string[] {
    return [...this.map.keys()];
  }
}
