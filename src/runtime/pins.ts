/**
 * Trust on first use for hub files the manifest does not pin. A file fetched from a branch such as `main` may change
 * upstream; the first download on a device records its size and SHA-256 (a pin), and every later download of the same
 * URL (after the cache was cleared, evicted, found damaged, or for another cut of the graph) must match it. A pin is a
 * small JSON entry in the model store itself, under `pinKey(url)`, so it needs no storage of its own and the store's
 * own hash check covers it.
 */
import type { ByteStore } from './cache';
import { variantKey } from './cache-keys';
import { fileUrl, type Manifest } from './manifest';

/** What this device saw the first time it downloaded a file. */
export interface FilePin {
  /** The file's URL, revision included: a pin holds for one URL only. */
  readonly url: string;
  readonly sha256: string;
  readonly bytes: number;
  /** When the file was first downloaded (ISO 8601), for the message that says it changed since. */
  readonly firstSeen: string;
}

/** Store key of the pin of `url` (a variant of the URL, so it never collides with a cached file). */
export function pinKey(url: string): string {
  return variantKey(url, 'pin');
}

function isPin(v: unknown, url: string): v is FilePin {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<Record<keyof FilePin, unknown>>;
  return (
    p.url === url &&
    typeof p.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(p.sha256) &&
    typeof p.bytes === 'number' &&
    Number.isInteger(p.bytes) &&
    p.bytes >= 0 &&
    typeof p.firstSeen === 'string'
  );
}

/** The pin recorded for `url`, or null when none is (an unreadable record is dropped and counts as none). */
export async function readPin(store: ByteStore, url: string): Promise<FilePin | null> {
  const raw = await store.get(pinKey(url));
  if (raw === null) return null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    // Falls through to the drop below: a record that cannot be read protects nothing.
  }
  if (isPin(parsed, url)) return parsed;
  await store.delete(pinKey(url));
  return null;
}

/** Records `pin` for its URL, replacing any earlier one. */
export async function recordPin(store: ByteStore, pin: FilePin): Promise<void> {
  await store.put(pinKey(pin.url), new TextEncoder().encode(JSON.stringify(pin)));
}

/** URLs of every hub file of the manifest's models (each precision and side file), or of one model's. */
export function hubFileUrls(manifest: Manifest, manifestUrl: string, modelId?: string): string[] {
  const urls: string[] = [];
  for (const m of manifest.models) {
    if (m.format !== 'onnx' || m.source.type !== 'hub' || (modelId !== undefined && m.id !== modelId)) continue;
    for (const ref of [...Object.values(m.weights), ...Object.values(m.files)])
      urls.push(fileUrl(manifest, manifestUrl, m.source, ref));
  }
  return urls;
}

/**
 * Forgets the pins recorded for the manifest's hub files (or for one model's), so that the next download of each is
 * trusted again as a first one: what a person does after a publisher changed a model on purpose. The cached files
 * themselves stay. Returns how many pins were removed.
 */
export async function forgetPins(
  store: ByteStore,
  manifest: Manifest,
  manifestUrl: string,
  modelId?: string,
): Promise<number> {
  let removed = 0;
  for (const url of hubFileUrls(manifest, manifestUrl, modelId)) {
    if ((await store.get(pinKey(url))) === null) continue;
    await store.delete(pinKey(url));
    removed++;
  }
  return removed;
}
