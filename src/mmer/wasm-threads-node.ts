/**
 * tfjs-backend-wasm's threaded SIMD build under Node's worker_threads. tfjs 4.22 never picks it in Node (its
 * WASM_HAS_MULTITHREAD_SUPPORT flag is false there, tfjs#3830), yet the emscripten code inside supports Node; three
 * things stop it, each fixed here for the duration of the backend's start only:
 * - the pthread worker script and the main script reach the workers as Blob URLs, which Node's Worker and the
 *   worker's `importScripts` (a file read there) cannot open: while the backend starts, those two Blobs are written
 *   to a temporary folder and their "URLs" are the file paths;
 * - the main script is the factory's own source text (Function.toString), which in tfjs' Node bundle refers to the
 *   bundle's module variables (`require$$0` for fs and so on, `commonjsGlobal`): the file defines them first;
 * - the wasm side caps the pool at half of the logical cores (one thread on a 2-core machine): `os.cpus()` reports
 *   twice the requested count while the pool is made.
 * The workers are unref'd so a finished CLI run still exits. The files stay until the process exits (a worker the
 * pool adds later reads them again).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** The start of the main script tfjs hands to each pthread worker. */
const MAIN_SCRIPT = 'var WasmBackendModuleThreadedSimd';
/** The start of the worker script's Node branch. */
const WORKER_SCRIPT = '"use strict";var Module={};var ENVIRONMENT_IS_NODE';
/** The module variables of tfjs-backend-wasm's Node bundle that the factory's source text refers to. */
const BUNDLE_VARIABLES =
  "var require$$0=require('fs'),require$$1=require('path'),require$$2=require('worker_threads')," +
  "require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;";

let folder: string | null = null;

function scratch(): string {
  if (folder === null) {
    const dir = mkdtempSync(join(os.tmpdir(), 'tfjs-wasm-threads-'));
    process.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
    });
    folder = dir;
  }
  return folder;
}

/**
 * Makes the next start of the wasm backend use `threads` threads (the threaded SIMD build) and returns the function
 * that undoes the process-wide patches; call it once the backend has started (or failed to).
 */
export function prepareWasmThreads(threads: number): () => void {
  const dir = scratch();
  const mainPath = join(dir, 'main.cjs');
  const workerPath = join(dir, 'worker.cjs');
  const texts = new WeakMap<Blob, string>();
  const NodeBlob = globalThis.Blob;
  // Records the text of string-only Blobs (tfjs makes both scripts that way). The main script never reaches
  // createObjectURL here (each worker would make a blob: URL of it), so it is written as soon as it exists, before
  // any worker starts.
  class TextBlob extends NodeBlob {
    constructor(parts: BlobPart[] = [], options?: BlobPropertyBag) {
      super(parts, options);
      if (!parts.every((p) => typeof p === 'string')) return;
      const text = parts.join('');
      texts.set(this, text);
      if (text.startsWith(MAIN_SCRIPT)) writeFileSync(mainPath, BUNDLE_VARIABLES + text);
    }
  }
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = os.cpus.bind(os);
  globalThis.Blob = TextBlob;
  URL.createObjectURL = (blob: Blob): string => {
    const text = texts.get(blob);
    if (text?.startsWith(WORKER_SCRIPT) === true) {
      // The worker opens the main script through its own createObjectURL: point that at the file.
      writeFileSync(
        workerPath,
        `URL.createObjectURL=()=>${JSON.stringify(mainPath)};URL.revokeObjectURL=()=>{};${text}`,
      );
      return workerPath;
    }
    return createObjectURL(blob);
  };
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0] as os.CpuInfo);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  return () => {
    globalThis.Blob = NodeBlob;
    URL.createObjectURL = createObjectURL;
    (os as { cpus: () => os.CpuInfo[] }).cpus = cpus;
  };
}

/** The emscripten pthread bookkeeping this file touches. */
interface PThreads {
  readonly unusedWorkers: readonly { unref(): void }[];
  readonly runningWorkers: readonly { unref(): void }[];
}

/** Threads the started wasm backend multiplies with (1 when single-threaded); unrefs its workers. */
export function settleWasmThreads(): number {
  const module = (tf.backend() as unknown as { wasm?: { PThread?: PThreads } }).wasm;
  const pool = module?.PThread;
  if (pool !== undefined) for (const w of [...pool.unusedWorkers, ...pool.runningWorkers]) w.unref();
  return getThreadsCount();
}
