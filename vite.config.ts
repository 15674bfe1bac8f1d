import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { appIcons } from './tools/vite/app-icons.ts';
import { contentSecurityPolicy } from './tools/vite/csp-plugin.ts';
import { pwa } from './tools/vite/pwa.ts';
import { tfjsWasmThreads } from './tools/vite/tfjs-wasm-threads.ts';

/**
 * Cross-origin isolation (COOP/COEP) makes SharedArrayBuffer available, which multithreaded WASM needs.
 * Served in dev and preview alike so both behave like production.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

export default defineConfig({
  // The CSP plugin adds its header to the server and preview headers below; the icons are emitted before the PWA
  // plugin lists the output folder for its precache.
  plugins: [
    react(),
    contentSecurityPolicy(import.meta.dirname),
    appIcons(),
    pwa(import.meta.dirname),
    tfjsWasmThreads(),
  ],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  // The head's tfjs engine starts in the ML worker, whose bundle gets only these plugins.
  worker: { format: 'es', plugins: () => [tfjsWasmThreads()] },
  optimizeDeps: {
    // onnxruntime-web and transformers.js load WASM and workers relative to their own files: serve them as they are.
    exclude: ['onnxruntime-web', '@huggingface/transformers'],
    // Pre-bundled up front: discovering these (CommonJS onnx-proto above all) mid-test makes Vite reload the page.
    // The worker's TensorFlow.js and IndexedDB packages too: a page reload kills the workers a test is talking to.
    include: [
      'onnx-proto',
      'comlink',
      'react',
      'react-dom/client',
      'react/jsx-runtime',
      'react/jsx-dev-runtime',
      'idb',
      'uplot',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
    ],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
