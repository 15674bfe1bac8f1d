/**
 * The library's IndexedDB schema. The schema only ever grows through `MIGRATIONS`: entry k upgrades version k to
 * k + 1, and `upgrade` runs every entry from the stored version to the current one, so a library created by any
 * older page upgrades in place without losing a clip.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { AppError } from '../../core/errors';
import { BUILTIN_LABEL_SET } from './label-sets';
import type {
  CachedFeatures,
  ClipAudio,
  LabelSet,
  LibraryClip,
  SettingKey,
  StoredHeadFiles,
  StoredHeadInfo,
  TrainCheckpoint,
} from './library-types';

/** Default database name (one per origin). */
export const LIBRARY_DB_NAME = 'mmer-library';

/** The typed shape of the database, for `idb`. */
export interface LibrarySchema extends DBSchema {
  clips: { key: string; value: LibraryClip; indexes: { label: string; speaker: string; createdAt: string } };
  audio: { key: string; value: ClipAudio };
  labelSets: { key: string; value: LabelSet };
  /** Out-of-line keys: the setting's name. */
  settings: { key: SettingKey; value: string };
  heads: { key: string; value: StoredHeadInfo };
  /** Out-of-line keys: the head's id. */
  headFiles: { key: string; value: StoredHeadFiles };
  features: { key: string; value: CachedFeatures; indexes: { clipId: string } };
  checkpoints: { key: string; value: TrainCheckpoint; indexes: { updatedAt: string } };
}

/** An open library database. */
export type LibraryDb = IDBPDatabase<LibrarySchema>;

/** The transaction an upgrade runs in. */
export type UpgradeTransaction = IDBPTransaction<LibrarySchema, StoreNames<LibrarySchema>[], 'versionchange'>;

/** One schema step; runs inside the upgrade transaction, so it must only issue IndexedDB requests (no awaits). */
export type Migration = (db: LibraryDb, tx: UpgradeTransaction) => void;

/** Every schema step in order: index k takes version k to version k + 1. Append only; never edit a shipped entry. */
export const MIGRATIONS: readonly Migration[] = [
  (db, tx) => {
    const clips = db.createObjectStore('clips', { keyPath: 'id' });
    clips.createIndex('label', 'label');
    clips.createIndex('speaker', 'speaker');
    clips.createIndex('createdAt', 'createdAt');
    db.createObjectStore('audio', { keyPath: 'clipId' });
    db.createObjectStore('labelSets', { keyPath: 'id' });
    db.createObjectStore('settings');
    db.createObjectStore('heads', { keyPath: 'id' });
    db.createObjectStore('headFiles');
    db.createObjectStore('features', { keyPath: 'key' }).createIndex('clipId', 'clipId');
    db.createObjectStore('checkpoints', { keyPath: 'runId' }).createIndex('updatedAt', 'updatedAt');
    // A failed seed aborts the upgrade, which rejects the open itself; the request promises need no handler of
    // their own beyond keeping them from being reported as unhandled.
    void tx
      .objectStore('labelSets')
      .put(BUILTIN_LABEL_SET)
      .catch(() => undefined);
    void tx
      .objectStore('settings')
      .put(BUILTIN_LABEL_SET.id, 'activeLabelSet')
      .catch(() => undefined);
  },
];

/** The schema version this code writes. */
export const LIBRARY_DB_VERSION = MIGRATIONS.length;

/** How to open the library database. */
export interface OpenLibraryOptions {
  /** Database name (tests use their own); default `LIBRARY_DB_NAME`. */
  readonly name?: string;
  /** IndexedDB implementation; default `globalThis.indexedDB` (tests pass fake-indexeddb's). */
  readonly factory?: IDBFactory;
  /** Schema version to open at (tests of migrations only); default `LIBRARY_DB_VERSION`. */
  readonly version?: number;
  /** Another tab or worker holds an older connection that does not close; the page may ask to close it. */
  readonly onBlocked?: () => void;
  /** This connection was closed so that another tab's upgrade (or deletion) could go ahead. */
  readonly onVersionChange?: () => void;
}

/** The `name` of a thrown DOMException (or any error-like object), or null; realm-independent, unlike instanceof. */
export function errorName(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('name' in err)) return null;
  return typeof err.name === 'string' ? err.name : null;
}

function defaultFactory(): IDBFactory {
  // `indexedDB` is absent in Node and in some private browsing modes; the DOM typings claim it always exists.
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) {
    throw new AppError(
      'internal',
      'This browser offers no IndexedDB storage, so the clip library cannot be kept. Leave private browsing or use another browser.',
    );
  }
  return factory;
}

/**
 * Opens (creating or upgrading) the library database. Like `idb`'s `openDB`, but with a choosable factory. The
 * connection closes itself on `versionchange`, so a newer page in another tab is never stuck behind this one.
 */
export async function openLibraryDb(options: OpenLibraryOptions = {}): Promise<LibraryDb> {
  const version = options.version ?? LIBRARY_DB_VERSION;
  if (!Number.isInteger(version) || version < 1 || version > LIBRARY_DB_VERSION) {
    throw new AppError(
      'internal',
      `The clip library's schema version must be between 1 and ${LIBRARY_DB_VERSION} (asked for ${version}).`,
    );
  }
  const factory = options.factory ?? defaultFactory();
  const request = factory.open(options.name ?? LIBRARY_DB_NAME, version);
  request.addEventListener('upgradeneeded', (event) => {
    const db = wrap(request.result) as LibraryDb;
    const raw = request.transaction;
    if (raw === null) return;
    const tx = wrap(raw) as unknown as UpgradeTransaction;
    for (let v = event.oldVersion; v < (event.newVersion ?? version); v++) {
      const migrate = MIGRATIONS[v];
      if (migrate === undefined) throw new Error(`No migration from library version ${v}.`);
      migrate(db, tx);
    }
  });
  request.addEventListener('blocked', () => options.onBlocked?.());
  let db: LibraryDb;
  try {
    db = (await wrap(request)) as LibraryDb;
  } catch (err) {
    if (errorName(err) === 'VersionError') {
      throw new AppError(
        'internal',
        'A newer version of this page has upgraded the clip library. Reload the page to keep working.',
        { cause: err },
      );
    }
    throw err;
  }
  db.addEventListener('versionchange', () => {
    db.close();
    options.onVersionChange?.();
  });
  return db;
}

// Write plumbing shared by the library's transactions.

const STORAGE_FULL =
  "The browser's storage for this page is full: the change was not saved. Nothing already stored was lost. " +
  'Free space by deleting clips or heads, or allow this site more storage in the browser settings.';

/** Maps what a failed write threw (or the transaction's own error) to an error fit for people. */
export function writeError(err: unknown, txError: unknown): Error {
  if (err instanceof AppError) return err;
  if (errorName(err) === 'QuotaExceededError' || errorName(txError) === 'QuotaExceededError') {
    return new AppError('storage-full', STORAGE_FULL, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('internal', `The clip library could not save the change (${message}). Nothing was changed.`, {
    cause: err,
  });
}

/** Issues all requests at once (IndexedDB runs them in order) and waits for them; none is left unhandled. */
export async function inParallel(requests: readonly (() => Promise<unknown>)[]): Promise<void> {
  const pending: Promise<unknown>[] = [];
  try {
    for (const request of requests) pending.push(request());
  } catch (err) {
    // A request that threw synchronously: the ones already issued will be aborted; keep their rejections handled.
    void Promise.allSettled(pending);
    throw err;
  }
  await Promise.all(pending);
}

/**
 * A view's structured clone copies its whole underlying buffer, so a `subarray` of a long recording would store
 * the recording; store views of exactly their own bytes.
 */
export function tight<T extends Float32Array | Uint8Array>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

/** A head's files with each byte array `tight`, as the library stores them. */
export function tightHead(files: StoredHeadFiles): StoredHeadFiles {
  const { configJson, weights, training } = files;
  return { configJson, weights: tight(weights), ...(training === undefined ? {} : { training: tight(training) }) };
}
