/**
 * Where the page finds its models. By default `models/manifest.json` under Vite's base path and the hub host that
 * manifest names; a build can point elsewhere (a mirror, a local copy) without editing a committed file:
 *   VITE_MMER_MANIFEST_URL=https://example.org/models/manifest.json   another manifest (relative URLs allowed)
 *   VITE_MMER_HUB_URL=https://hf-mirror.example.org                  another host for the manifest's hub models
 * (set in the environment of `npm run dev` / `vite build`, or in a `.env.local` file; the CLI's --manifest and
 * --hub-url do the same).
 */

/** Absolute URL of the manifest the page and the worker read. */
export function manifestUrl(): string {
  const setting = import.meta.env.VITE_MMER_MANIFEST_URL?.trim() ?? '';
  return new URL(setting !== '' ? setting : `${import.meta.env.BASE_URL}models/manifest.json`, window.location.href)
    .href;
}

/** The hub host that replaces the manifest's `hubUrl`, or null to keep it. */
export function hubUrlSetting(): string | null {
  const setting = import.meta.env.VITE_MMER_HUB_URL?.trim() ?? '';
  return setting === '' ? null : setting;
}
