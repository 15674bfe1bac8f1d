/**
 * tfjs-backend-wasm's threaded SIMD build, served as two same-origin script files. tfjs 4.22 hands emscripten both
 * pthread scripts as Blob URLs, which fails in this app twice over:
 * - the page's policy (src/page/csp.ts: `worker-src 'self'`, `script-src 'self'`) blocks Blob workers, so the pool's
 *   `new Worker(blob:)` is refused and the backend's start never settles;
 * - the main script's Blob is the factory's own source text (`Function.prototype.toString`), and in the minified
 *   build that text refers to a variable of the bundle around it: emscripten's `typeof _scriptDir !== "undefined" &&
 *   _scriptDir` is compressed to `e !== void 0 && e` once `_scriptDir` (renamed `e`) is known to be declared in the
 *   enclosing function, which is not part of the text, so each pthread worker dies with "e is not defined".
 * The plugin rewrites those two places in tfjs' backend_wasm.js to URLs of files with the texts emscripten wrote: the
 * factory exactly as published (unminified, self-contained) and the pthread worker script. A build emits them as
 * assets; the dev server serves them itself (its pre-bundled tfjs is rewritten by the same transform). Both
 * rewrites must apply, or the build fails: a tfjs upgrade that moves them is noticed here, not in a hung page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Plugin } from 'vite';

const require = createRequire(import.meta.url);

/** The module of tfjs-backend-wasm that starts the emscripten factory. */
const BACKEND_MODULE = /[\\/]@tensorflow[\\/]tfjs-backend-wasm[\\/]dist[\\/]backend_wasm\.js$/;

/** Where the dev server answers with the two scripts. */
const DEV_PREFIX = '/@mmer-tfjs-wasm-threads/';

/**
 * The two scripts: the emscripten factory (a classic script defining `WasmBackendModuleThreadedSimd`) and its
 * worker.
 */
export function threadScripts(): { main: string; worker: string } {
  const main = readFileSync(
    require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
    'utf8',
  );
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  // As tfjs does before making its Blob: the template literal turned the `\n` escapes inside the script's own string
  // literals into line breaks, which would end those strings.
  return { main, worker: wasmWorkerContents.replace(/\n/g, '\\n') };
}

/**
 * backend_wasm.js with the pthread worker and main script taken from `workerUrl` and `mainUrl` (JavaScript
 * expressions) instead of Blobs. Throws if either place is not found.
 */
export function rewriteBackend(code: string, workerUrl: string, mainUrl: string): string {
  const workerBlob =
    /const response = wasmWorkerContents\.replace\([^\n]*\n[^\n]*new Blob\(\[response\][^\n]*\n\s*return URL\.createObjectURL\(blob\);/;
  const mainBlob =
    /new Blob\(\[`var WasmBackendModuleThreadedSimd = ` \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\)/;
  if (!workerBlob.test(code) || !mainBlob.test(code))
    throw new Error('tfjs-wasm-threads: backend_wasm.js no longer makes its pthread scripts as expected');
  return code.replace(workerBlob, `return ${workerUrl};`).replace(mainBlob, mainUrl);
}

/** The plugin; list it in both `plugins` and `worker.plugins` (the engine runs in the ML worker's bundle). */
export function tfjsWasmThreads(): Plugin {
  let build = false;
  const scripts = threadScripts();
  return {
    name: 'mmer-tfjs-wasm-threads',
    config(_config, { command }) {
      build = command === 'build';
      if (build) return;
      // The dev server's pre-bundle of tfjs-backend-wasm is made without Vite's plugins: rewrite it there.
      const devUrl = (file: string): string => JSON.stringify(`${DEV_PREFIX}${file}`);
      return {
        optimizeDeps: {
          rolldownOptions: {
            plugins: [
              {
                name: 'mmer-tfjs-wasm-threads-deps',
                transform(code: string, id: string) {
                  return BACKEND_MODULE.test(id) ? rewriteBackend(code, devUrl('worker.js'), devUrl('main.js')) : null;
                },
              },
            ],
          },
        },
      };
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = req.url?.startsWith(DEV_PREFIX) === true ? req.url.slice(DEV_PREFIX.length) : '';
        const text = file === 'main.js' ? scripts.main : file === 'worker.js' ? scripts.worker : null;
        if (text === null) {
          next();
          return;
        }
        res.setHeader('Content-Type', 'text/javascript');
        res.end(text);
      });
    },
    transform(code, id) {
      if (!build || !BACKEND_MODULE.test(id)) return null;
      const asset = (name: string, source: string): string =>
        `import.meta.ROLLUP_FILE_URL_${this.emitFile({ type: 'asset', name, source })}`;
      return rewriteBackend(
        code,
        asset('tfjs-backend-wasm-threaded-simd.worker.js', scripts.worker),
        asset('tfjs-backend-wasm-threaded-simd.js', scripts.main),
      );
    },
  };
}
