// Bundles the browser page script and the Node script with esbuild.
import * as esbuild from 'esbuild';
await esbuild.build({
  entryPoints: ['src/page.js'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  outfile: 'dist/page.js',
  logLevel: 'warning',
  target: 'es2022',
});
await esbuild.build({
  entryPoints: ['src/node-bench.js'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  outfile: 'dist/node-bench.cjs',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  target: 'node20',
});
