// Node.js run: tfjs-backend-wasm vs jax-js "wasm" device (the only jax-js device besides "cpu" in Node).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as jax from '@jax-js/jax';
import path from 'node:path';
import fs from 'node:fs';
import { runCase } from './suite.js';

const wasmDir = path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/';
setWasmPaths(wasmDir);

async function main() {
  const reps = Number(process.env.REPS ?? 5),
    warmup = Number(process.env.WARMUP ?? 2);
  const cases = (process.env.CASES ?? 'matmul-forward,matmul-grad,bert-step').split(',');
  const log = (s) => console.error(s);
  const info = { node: process.version };
  // jax.init() with no arguments probes WebGPU via the global `navigator`, which Node 20 lacks; record that, then init wasm only.
  try {
    info.jaxInitAll = await jax.init();
  } catch (e) {
    info.jaxInitAllError = String(e);
  }
  info.jaxDevicesInit = await jax.init('wasm');
  info.jaxDefaultDevice = jax.defaultDevice();
  await tf.setBackend('wasm');
  info.tfWasmThreads = getThreadsCount();
  info.tfWasmSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  info.tfWasmMultithreadSupport = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  info.sharedArrayBuffer = typeof SharedArrayBuffer !== 'undefined';
  info.globalWorker = typeof Worker !== 'undefined';
  log(JSON.stringify(info));
  const results = [];
  for (const c of cases) {
    log(`[node] ${c} tfjs=wasm jax=wasm`);
    try {
      results.push({ env: 'node', ...(await runCase(c, 'wasm', 'wasm', { reps, warmup, log })) });
    } catch (e) {
      log(`  FAILED: ${e.stack || e}`);
      results.push({ env: 'node', case: c, error: String(e.stack || e) });
    }
  }
  const outFile = process.env.OUT ?? 'results/node.json';
  fs.writeFileSync(outFile, JSON.stringify({ info, results }, null, 1));
  log(`wrote ${outFile}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
