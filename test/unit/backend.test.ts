import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { chooseBackend, isSoftwareAdapter, wasmThreads, type BackendProbe } from '../../src/runtime/backend';
import type { Backend } from '../../src/runtime/runtime-types';

const gpuOk: BackendProbe = {
  webgpuApi: true,
  adapter: 'test adapter',
  softwareAdapter: false,
  webgpuSelfTest: () => Promise.resolve(null),
  crossOriginIsolated: true,
  hardwareConcurrency: 8,
};

interface Case {
  name: string;
  requested: Backend | 'auto';
  probe: Partial<BackendProbe>;
  backend: Backend | AppError['code'];
  rejected?: Backend[];
  reason?: RegExp;
}

const cases: Case[] = [
  {
    name: 'auto picks WebGPU when adapter and self-test pass',
    requested: 'auto',
    probe: {},
    backend: 'webgpu',
    rejected: [],
  },
  {
    name: 'auto skips WebGPU without the API',
    requested: 'auto',
    probe: { webgpuApi: false },
    backend: 'wasm-mt',
    rejected: ['webgpu'],
    reason: /no WebGPU API/,
  },
  {
    name: 'auto skips a software WebGPU adapter',
    requested: 'auto',
    probe: {
      adapter: 'google swiftshader',
      softwareAdapter: true,
      webgpuSelfTest: () => Promise.reject(new Error('must not run')),
    },
    backend: 'wasm-mt',
    rejected: ['webgpu'],
    reason: /google swiftshader\) is a software renderer/,
  },
  {
    name: 'a forced WebGPU runs on a software adapter',
    requested: 'webgpu',
    probe: { adapter: 'google swiftshader', softwareAdapter: true },
    backend: 'webgpu',
    rejected: [],
  },
  {
    name: 'auto skips WebGPU without an adapter',
    requested: 'auto',
    probe: { adapter: null },
    backend: 'wasm-mt',
    rejected: ['webgpu'],
    reason: /no WebGPU adapter/,
  },
  {
    name: 'auto skips WebGPU when the self-test fails',
    requested: 'auto',
    probe: { webgpuSelfTest: () => Promise.resolve('results differ') },
    backend: 'wasm-mt',
    rejected: ['webgpu'],
    reason: /self-test failed: results differ/,
  },
  {
    name: 'auto falls to single-threaded WASM without isolation',
    requested: 'auto',
    probe: { adapter: null, crossOriginIsolated: false },
    backend: 'wasm',
    rejected: ['webgpu', 'wasm-mt'],
    reason: /cross-origin isolated/,
  },
  {
    name: 'auto avoids threads on a single core',
    requested: 'auto',
    probe: { webgpuApi: false, hardwareConcurrency: 1 },
    backend: 'wasm',
    rejected: ['webgpu', 'wasm-mt'],
  },
  { name: 'forced wasm skips WebGPU silently', requested: 'wasm', probe: {}, backend: 'wasm', rejected: [] },
  { name: 'forced wasm-mt works when isolated', requested: 'wasm-mt', probe: {}, backend: 'wasm-mt', rejected: [] },
  {
    name: 'forced WebGPU without adapter is a no-webgpu error',
    requested: 'webgpu',
    probe: { adapter: null },
    backend: 'no-webgpu',
  },
  {
    name: 'forced wasm-mt without isolation is an error',
    requested: 'wasm-mt',
    probe: { crossOriginIsolated: false },
    backend: 'backend-unavailable',
  },
];

describe('chooseBackend', () => {
  it.each(cases)('$name', async (c) => {
    const probe = { ...gpuOk, ...c.probe };
    const run = chooseBackend(c.requested, probe);
    if (c.backend === 'webgpu' || c.backend === 'wasm' || c.backend === 'wasm-mt') {
      const info = await run;
      expect(info.backend).toBe(c.backend);
      expect(info.rejected.map((r) => r.backend)).toEqual(c.rejected);
      if (c.reason) expect(info.rejected.map((r) => r.reason).join(' | ')).toMatch(c.reason);
      expect(info.reason.length).toBeGreaterThan(10);
    } else {
      await expect(run).rejects.toBeInstanceOf(AppError);
      await expect(run).rejects.toMatchObject({ code: c.backend });
    }
  });

  it('does not run the WebGPU self-test when WASM is forced', async () => {
    let calls = 0;
    await chooseBackend('wasm', { ...gpuOk, webgpuSelfTest: () => ((calls += 1), Promise.resolve(null)) });
    expect(calls).toBe(0);
  });

  it.each([
    { flag: true, name: '', software: true },
    { flag: undefined, name: 'google swiftshader', software: true },
    { flag: false, name: 'mesa llvmpipe (LLVM 15.0.6, 256 bits)', software: true },
    { flag: false, name: 'nvidia ampere NVIDIA GeForce RTX 3060', software: false },
    { flag: undefined, name: 'apple metal-3', software: false },
  ])('isSoftwareAdapter($flag, "$name") = $software', ({ flag, name, software }) => {
    expect(isSoftwareAdapter(flag, name)).toBe(software);
  });

  it.each([
    [1, 2],
    [2, 2],
    [4, 3],
    [16, 4],
  ])('wasmThreads(%i) = %i', (cores, threads) => {
    expect(wasmThreads(cores)).toBe(threads);
  });
});
