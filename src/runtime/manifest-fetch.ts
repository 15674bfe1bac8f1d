/** Fetching and checking `manifest.json`: the worker does it at init, the page to choose a pair and show sizes. */
import { AppError } from '../core/errors';
import { withHubUrl, type Manifest } from './manifest';
import { parseManifest } from './manifest-parse';

/**
 * The manifest at `manifestUrl` (absolute), parsed and validated, with its hub host replaced by `hubUrl` when given.
 * @throws AppError('download-failed') when it cannot be fetched, 'bad-manifest' when it is not a valid manifest.
 */
export async function fetchManifest(manifestUrl: string, hubUrl?: string | null): Promise<Manifest> {
  const res = await fetch(manifestUrl).catch((err: unknown) => {
    throw new AppError('download-failed', `Could not fetch the model manifest (${String(err)}).`);
  });
  if (!res.ok)
    throw new AppError('download-failed', `Could not fetch the model manifest: server answered ${res.status}.`);
  const json: unknown = await res.json().catch(() => {
    throw new AppError('bad-manifest', `The model manifest at ${manifestUrl} is not JSON.`);
  });
  return withHubUrl(parseManifest(json), hubUrl);
}
