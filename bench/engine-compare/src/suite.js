// Runs one (case, backend) comparison in the current JS realm (browser page or Node), interleaving the engines.
import * as tf from '@tensorflow/tfjs-core';
import * as jax from '@jax-js/jax';
import { matmulData, bertData, interleave, compare } from './common.js';
import { tfMatmul, tfBert, useFastMatMulGradient } from './tfjs-impl.js';
import * as jaxImpl from './jax-impl.js';
const { jaxMatmul, jaxBert } = jaxImpl;

let matmulInputs = null,
  bertInputs = null;
const inputs = (c) => (c === 'bert' ? (bertInputs ??= bertData()) : (matmulInputs ??= matmulData()));

/** Reference outputs from tfjs-cpu, per case, computed once. */
const cpuRef = {};
export async function tfCpuReference(caseName, log = () => {}) {
  if (cpuRef[caseName]) return cpuRef[caseName];
  useFastMatMulGradient();
  await tf.setBackend('cpu');
  const t0 = performance.now();
  if (caseName === 'bert') {
    const e = tfBert(inputs('bert'));
    cpuRef.bert = { step: await e.step() };
    e.dispose();
  } else {
    const e = tfMatmul(inputs('matmul'));
    cpuRef.matmul = { forward: await e.forward(), grad: await e.grad() };
    e.dispose();
  }
  log(`  tfjs-cpu reference for ${caseName}: ${(performance.now() - t0).toFixed(0)} ms`);
  return cpuRef[caseName];
}

/**
 * caseName: 'matmul-forward' | 'matmul-grad' | 'bert-step'; tfBackend: 'webgpu' | 'wasm'; jaxDevice: 'webgpu' | 'wasm'.
 */
export async function runCase(caseName, tfBackend, jaxDevice, { warmup = 2, reps = 5, log = () => {} } = {}) {
  useFastMatMulGradient();
  const kind = caseName.startsWith('bert') ? 'bert' : 'matmul';
  const ref = await tfCpuReference(kind, log);
  const ok = await tf.setBackend(tfBackend);
  if (!ok || tf.getBackend() !== tfBackend)
    throw new Error(`tfjs could not switch to ${tfBackend} (got ${tf.getBackend()})`);
  jax.defaultDevice(jaxDevice);

  const engines = {};
  let tfE,
    jaxE,
    jaxErr = null;
  if (kind === 'bert') {
    tfE = tfBert(inputs('bert'));
    try {
      jaxE = jaxBert(inputs('bert'), jaxDevice);
    } catch (e) {
      jaxErr = String(e.stack || e);
    }
    engines.tfjs = tfE.step;
    if (jaxE) {
      engines['jax-eager'] = jaxE.step;
      engines['jax-jit'] = jaxE.stepJit;
    }
  } else {
    tfE = tfMatmul(inputs('matmul'));
    try {
      jaxE = jaxMatmul(inputs('matmul'), jaxDevice);
    } catch (e) {
      jaxErr = String(e.stack || e);
    }
    const which = caseName === 'matmul-forward' ? 'forward' : 'grad';
    engines.tfjs = tfE[which];
    if (jaxE) {
      engines['jax-eager'] = jaxE[which];
      engines['jax-jit'] = jaxE[which + 'Jit'];
    }
  }
  const res = await interleave(engines, { warmup, reps, log });
  const refOut = kind === 'bert' ? ref.step : ref[caseName === 'matmul-forward' ? 'forward' : 'grad'];

  const out = { case: caseName, tfBackend: tf.getBackend(), jaxDevice, jaxSetupError: jaxErr, engines: {} };
  for (const [label, r] of Object.entries(res)) {
    const e = { median: r.median ?? null, times: r.times, warmupTimes: r.warmupTimes, error: r.error };
    if (r.outputs) {
      e.vsTfjsCpu = compare(r.outputs, refOut);
      if (label !== 'tfjs' && res.tfjs.outputs) e.vsTfjsSameBackend = compare(r.outputs, res.tfjs.outputs);
      if (r.outputs.loss) e.loss = r.outputs.loss[0];
      if (r.outputs.bk) e.bkMaxAbs = r.outputs.bk.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    }
    out.engines[label] = e;
  }
  out.refLoss = refOut.loss ? refOut.loss[0] : undefined;
  // Leak checks: jax-js input arrays should still hold exactly one reference; tfjs tensor count after the run.
  if (jaxE) out.jaxInputRefCounts = jaxE.refCounts();
  out.jaxOutputDevices = jaxImpl.lastOutputDevices;
  out.tfNumTensors = tf.memory().numTensors;
  tfE.dispose();
  if (jaxE) jaxE.dispose();
  return out;
}
