/** Absolute URL of the app's `models/manifest.json` (under Vite's base path), as the page and the worker read it. */
export function manifestUrl(): string {
  return new URL(`${import.meta.env.BASE_URL}models/manifest.json`, window.location.href).href;
}
