/**
 * The service worker and the web app manifest (vite-plugin-pwa, Workbox's generateSW). What is precached: the app
 * shell, the workers, TensorFlow.js' WASM and the embedded pair's files (the manifest and the heads of its default
 * pair), so a visit without a network opens the page and classifies with the embedded pair. onnxruntime-web's two
 * WASM builds (14 and 27 MB) are kept on first use instead: a visit that never leaves the embedded pair never loads
 * them. Hub models are none of its business: the page keeps them in its own cache (src/runtime/cache.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VitePWA } from 'vite-plugin-pwa';
import type { PluginOption } from 'vite';
import { APP_ICONS, BRAND_COLOUR } from './app-icons.ts';

/** The cache onnxruntime-web's WASM is kept in once loaded (a name of ours, never the models' cache). */
export const ORT_WASM_CACHE = 'mmer-ort-wasm';

interface ManifestFiles {
  defaultPair: string;
  heads?: { pair: string; files: Record<string, { path: string }> }[];
}

/** Paths under the output folder of the files the default pair's heads load (config, weights, card). */
export function defaultPairFiles(root: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'public', 'models', 'manifest.json'), 'utf8')) as ManifestFiles;
  return (manifest.heads ?? [])
    .filter((h) => h.pair === manifest.defaultPair)
    .flatMap((h) => Object.values(h.files).map((f) => `models/${f.path}`));
}

/** The PWA plugin: precache as above, an update waits until the person reloads (src/hooks/useAppUpdate.ts). */
export function pwa(root: string): PluginOption {
  return VitePWA({
    registerType: 'prompt',
    // Registered by the page itself (useAppUpdate), so the update notice can wait for a safe moment.
    injectRegister: false,
    filename: 'sw.js',
    manifestFilename: 'manifest.webmanifest',
    manifest: {
      name: 'MMER · speech emotion recognition in your browser',
      short_name: 'MMER',
      description: 'Speech emotion recognition that runs entirely in your browser: nothing you record leaves the page.',
      start_url: '.',
      scope: '.',
      display: 'standalone',
      theme_color: BRAND_COLOUR,
      background_color: '#ffffff',
      icons: APP_ICONS.map((icon) => ({ ...icon })),
    },
    workbox: {
      globPatterns: ['**/*.{html,js,mjs,css,wasm,png}', 'models/manifest.json', ...defaultPairFiles(root)],
      globIgnores: ['models/fixtures/**', 'assets/ort-wasm-*.wasm'],
      // The largest precached file is the ML worker's TensorFlow.js chunk (about 1.1 MB); room to grow.
      maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      // The first visit is controlled as soon as the worker is ready, so it works offline without a reload.
      clientsClaim: true,
      skipWaiting: false,
      cleanupOutdatedCaches: true,
      navigateFallback: 'index.html',
      runtimeCaching: [
        {
          // Hashed names: a cached file never goes stale, and two builds' worth is plenty.
          urlPattern: /\/assets\/ort-wasm[^/]*\.wasm$/,
          handler: 'CacheFirst',
          options: { cacheName: ORT_WASM_CACHE, expiration: { maxEntries: 4 } },
        },
      ],
    },
  });
}
