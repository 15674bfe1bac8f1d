/**
 * Accepting hub files that changed upstream: the pins this device recorded at their first download are forgotten, so
 * the next load trusts the new files as a first download again. Offered only after a load refused a changed file
 * ('changed-upstream'), as the person's own decision.
 */
import { forgetPins } from '../runtime/pins';
import type { RecognizerPlatform } from './platform';

/** Forgets every recorded pin of the manifest's hub files; returns how many were forgotten. */
export async function forgetRecordedPins(
  platform: RecognizerPlatform,
  manifestUrl: string,
  hubUrl: string | null,
): Promise<number> {
  const manifest = await platform.readManifest(manifestUrl, hubUrl);
  const store = platform.openStore();
  const forgotten = await forgetPins(store, manifest.manifest, manifest.manifestUrl);
  await store.flush?.();
  return forgotten;
}
