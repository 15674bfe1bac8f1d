/**
 * Persistent byte storage for downloaded (and already edited) model files. Entries carry their SHA-256 and are
 * checked on every read, so a corrupted cache entry is dropped and downloaded again instead of being run.
 */
import { sha256Hex } from './hash';

/** Key-value storage for model files. */
export interface ByteStore {
  /**
   * The bytes put under `key`, or null when there are none or they no longer match the hash taken when they were
   * put (the damaged entry is then deleted): a loader that gets null downloads the file again.
   */
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Whether something is stored under `key`, without reading or checking it. Optional: a loader planning its
   * downloads treats a store without it as holding everything, and leaves each file to its reader.
   */
  has?(key: string): Promise<boolean>;
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

  async has(key: string): Promise<boolean> {
    const cache = await caches.open(this.cacheName);
    return (await cache.match(key)) !== undefined;
  }
}

/**
 * In-memory storage (tests, and browsers without the Cache API such as private windows). `get` hands out the stored
 * array itself, not a copy, so it checks the hash like the other stores: a caller that wrote into those bytes (or
 * transferred their buffer away) must not be handed them again.
 */
export class MemoryStore implements ByteStore {
  private readonly map = new Map<string, { bytes: Uint8Array; sha256: Promise<string | null> }>();
  async get(key: string): Promise<Uint8Array | null> {
    const entry = this.map.get(key);
    if (entry === undefined) return null;
    // A detached buffer cannot be hashed at all: damaged as well.
    const now = await sha256Hex(entry.bytes).catch(() => 'unreadable');
    if (now !== (await entry.sha256)) {
      this.map.delete(key);
      return null;
    }
    return entry.bytes;
  }
  put(key: string, bytes: Uint8Array): Promise<void> {
    // WebCrypto copies the bytes when the digest starts, so the hash is of what was put, yet put returns at once:
    // callers (BackgroundWriteStore, tests gating writes) rely on a memory write taking no turn of the event loop.
    this.map.set(key, { bytes, sha256: sha256Hex(bytes).catch(() => null) });
    return Promise.resolve();
  }
  delete(key: string): Promise<void> {
    this.map.delete(key);
    return Promise.resolve();
  }
  has(key: string): Promise<boolean> {
    return Promise.resolve(this.map.has(key));
  }
  /** Keys currently stored, for tests and diagnostics. */
  keys(): string[] {
    return [...this.map.keys()];
  }
}

/**
 * Writes in the background: `put` hands the bytes to `inner` and returns at once, so a multi-hundred-megabyte
 * Cache API write (20 MB/s in headless Chromium here) overlaps the next download or session instead of delaying it.
 * `get` sees a pending entry; `flush` waits for every write, after which the entries are in `inner` (or were dropped
 * with a warning: a full disk or quota must not stop the models from running, they are fetched again next visit).
 * Pending bytes stay in memory until their write lands, and the write itself copies them for a while, so past
 * `maxPendingBytes` a `put` waits for the writes before it and for its own: an fp32 graph (378-499 MB) is written
 * before its session opens instead of beside it.
 */
export class BackgroundWriteStore implements ByteStore {
  private readonly pending = new Map<string, { bytes: Uint8Array; done: Promise<void> }>();

  constructor(
    private readonly inner: ByteStore,
    private readonly maxPendingBytes = Number.POSITIVE_INFINITY,
  ) {}

  async get(key: string): Promise<Uint8Array | null> {
    return this.pending.get(key)?.bytes ?? this.inner.get(key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const held = (): number => [...this.pending.values()].reduce((sum, e) => sum + e.bytes.byteLength, 0);
    while (this.pending.size > 0 && held() + bytes.byteLength > this.maxPendingBytes) {
      await Promise.race([...this.pending.values()].map((e) => e.done));
    }
    // A second write of the same key waits for the first, so the last bytes put are the ones that stay.
    const previous = this.pending.get(key)?.done ?? Promise.resolve();
    const entry: { bytes: Uint8Array; done: Promise<void> } = { bytes, done: Promise.resolve() };
    entry.done = previous
      .then(() => this.inner.put(key, bytes))
      .catch((err: unknown) => {
        console.warn(`Model cache write failed for ${key}; it will be downloaded again next time.`, err);
      })
      .finally(() => {
        if (this.pending.get(key) === entry) this.pending.delete(key);
      });
    this.pending.set(key, entry);
    if (held() > this.maxPendingBytes) await entry.done;
  }

  async delete(key: string): Promise<void> {
    await this.pending.get(key)?.done;
    await this.inner.delete(key);
  }

  async has(key: string): Promise<boolean> {
    if (this.pending.has(key)) return true;
    return this.inner.has === undefined ? true : this.inner.has(key);
  }

  /** Resolves when every write started so far has landed or failed. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending.values()].map((e) => e.done));
  }
}
