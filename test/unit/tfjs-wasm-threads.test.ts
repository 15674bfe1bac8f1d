/**
 * The build's rewrite of tfjs-backend-wasm (tools/vite/tfjs-wasm-threads.ts) against the installed package: both
 * Blob URLs of the pthread scripts are replaced, and the scripts served instead are emscripten's unminified texts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { rewriteBackend, threadScripts } from '../../tools/vite/tfjs-wasm-threads.ts';

const backend = readFileSync(
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js'),
  'utf8',
);

describe('tfjs-wasm-threads', () => {
  it('points the pthread worker and main script at files instead of Blobs', () => {
    const out = rewriteBackend(backend, 'WORKER_URL', 'MAIN_URL');
    expect(out).not.toContain('new Blob');
    expect(out).not.toContain('wasmFactoryThreadedSimd.toString()');
    expect(out).toContain('return WORKER_URL;');
    expect(out).toContain('factoryConfig.mainScriptUrlOrBlob = MAIN_URL;');
  });

  it('refuses a backend it does not recognise', () => {
    expect(() => rewriteBackend(backend.replace('wasmFactoryThreadedSimd.toString()', 'x'), 'W', 'M')).toThrow(
      /no longer makes its pthread scripts/,
    );
  });

  it('serves the factory as published and the worker script with its line breaks escaped', () => {
    const { main, worker } = threadScripts();
    expect(main).toContain('var WasmBackendModuleThreadedSimd = (() => {');
    // The guard the minifier folded into a bare reference ("e is not defined" in each pthread worker).
    expect(main).toContain('typeof _scriptDir !== "undefined" && _scriptDir');
    expect(worker).toMatch(/^"use strict";var Module=\{\}/);
    expect(worker).not.toContain('\n');
    expect(worker).toContain('WasmBackendModuleThreadedSimd(Module)');
  });
});
