/**
 * How much of the browser's storage the page uses, and whether the browser has promised to keep it. The library,
 * the heads and the cached models live in this origin's storage; a browser short of space may clear it unless
 * persistence was granted, so the person is told which holds.
 */

/** What the page's storage looks like now; null fields where the browser does not say. */
export interface StorageState {
  readonly usedBytes: number | null;
  readonly quotaBytes: number | null;
  /** True when the browser keeps this site's data until the person deletes it. */
  readonly persisted: boolean | null;
}

/** The parts of `navigator.storage` used here (absent in some browsers and in insecure contexts). */
export interface StorageLike {
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  persisted?: () => Promise<boolean>;
  persist?: () => Promise<boolean>;
}

/** `navigator.storage` where there is one. */
export function browserStorage(): StorageLike | null {
  const nav = (globalThis as { navigator?: { storage?: StorageLike } }).navigator;
  return nav?.storage ?? null;
}

/** Reads usage, quota and persistence; a browser that refuses to say gives nulls, never an error. */
export async function readStorage(storage: StorageLike | null = browserStorage()): Promise<StorageState> {
  const estimate = await storage?.estimate?.().catch(() => null);
  const persisted = await storage?.persisted?.().catch(() => null);
  return {
    usedBytes: estimate?.usage ?? null,
    quotaBytes: estimate?.quota ?? null,
    persisted: persisted ?? null,
  };
}

/**
 * Asks the browser to keep this site's data (once there is something worth keeping: the first clip). Browsers grant
 * or refuse without asking in most cases; the answer is returned, null where the browser has no such request.
 */
export async function askToPersist(storage: StorageLike | null = browserStorage()): Promise<boolean | null> {
  if (storage?.persisted !== undefined && (await storage.persisted().catch(() => false))) return true;
  if (storage?.persist === undefined) return null;
  return storage.persist().catch(() => false);
}

/** "12.3 MB", "1.2 GB": decimal units, as browsers' own settings pages show them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(0)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/** The state in one sentence for the library screen. */
export function describeStorage(state: StorageState): string {
  const used =
    state.usedBytes === null
      ? 'This browser does not say how much storage the page uses.'
      : state.quotaBytes === null
        ? `The page stores ${formatBytes(state.usedBytes)} in this browser.`
        : `The page stores ${formatBytes(state.usedBytes)} of the ${formatBytes(state.quotaBytes)} this browser allows it.`;
  const kept =
    state.persisted === true
      ? ' The browser keeps it until you delete it.'
      : state.persisted === false
        ? ' The browser may clear it when space runs low: export what you cannot lose.'
        : '';
  return used + kept;
}
