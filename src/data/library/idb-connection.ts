/**
 * The clip library's IndexedDB connection: opened on demand, reopened after another tab's upgrade closed it, and
 * every write one transaction that commits completely or not at all (idb-library.ts builds the library on it).
 */
import type { IDBPTransaction, StoreNames } from 'idb';
import { AppError } from '../../core/errors';
import { openLibraryDb, writeError, type LibraryDb, type LibrarySchema, type OpenLibraryOptions } from './db';

/** A store of the library database. */
export type Store = StoreNames<LibrarySchema>;
/** A read-write transaction over `N`. */
export type WriteTx<N extends readonly Store[]> = IDBPTransaction<LibrarySchema, N, 'readwrite'>;

/** One library database connection. */
export class LibraryConnection {
  private connection: Promise<LibraryDb> | null = null;
  private closed = false;

  constructor(private readonly options: OpenLibraryOptions) {}

  /** The open database, opened (or reopened after another tab's upgrade) on demand. */
  db(): Promise<LibraryDb> {
    if (this.closed) return Promise.reject(new AppError('internal', 'The clip library was closed; reload the page.'));
    if (this.connection === null) {
      const opening = openLibraryDb({
        ...this.options,
        onVersionChange: () => {
          // The next call reopens; at an older version than the stored one that fails with a "reload" message.
          this.connection = null;
          this.options.onVersionChange?.();
        },
      });
      this.connection = opening;
      opening.catch(() => {
        if (this.connection === opening) this.connection = null;
      });
    }
    return this.connection;
  }

  /** Runs `body` in one read-write transaction: it commits completely or, on any error, not at all. */
  async write<T>(stores: Store[], body: (tx: WriteTx<Store[]>) => Promise<T>): Promise<T> {
    const tx = (await this.db()).transaction(stores, 'readwrite');
    const done = tx.done.then(
      () => ({ ok: true as const }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    let result: T;
    try {
      result = await body(tx);
    } catch (err) {
      try {
        tx.abort();
      } catch {
        // Already aborted by the failed request.
      }
      await done;
      throw writeError(err, tx.error);
    }
    // Quota errors in real browsers often surface only here, when the transaction commits.
    const outcome = await done;
    if (!outcome.ok) throw writeError(outcome.err, tx.error);
    return result;
  }

  /** Closes the connection; later calls are refused with a 'reload' message. */
  close(): void {
    this.closed = true;
    const connection = this.connection;
    this.connection = null;
    void connection?.then(
      (db) => {
        db.close();
      },
      () => undefined,
    );
  }
}
