/**
 * What the browser offers for WebGPU and where model files can be kept: the worker asks once per init. Browser
 * plumbing only (navigator.gpu, the Cache API); the decisions taken on it live in backend.ts.
 */
import { isSoftwareAdapter } from './backend';
import { CacheApiStore, MemoryStore, type ByteStore } from './cache';

/** The WebGPU adapter as far as backend choice cares. */
export interface GpuProbe {
  readonly api: boolean;
  readonly adapter: string | null;
  readonly software: boolean;
  readonly shaderF16: boolean;
}

/** Asks for a WebGPU adapter and describes it; never throws (no API or no adapter are answers too). */
export async function probeGpu(): Promise<GpuProbe> {
  // The DOM typings declare navigator.gpu unconditionally; browsers without WebGPU simply lack the property.
  if (!('gpu' in navigator)) return { api: false, adapter: null, software: false, shaderF16: false };
  const gpu = navigator.gpu;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) return { api: true, adapter: null, software: false, shaderF16: false };
  const { vendor, architecture, description } = adapter.info;
  const name = [vendor, architecture, description].filter((s) => s.length > 0).join(' ') || 'unnamed adapter';
  // isFallbackAdapter is newer than the DOM typings in use; older browsers lack it and are judged by name.
  const fallback = (adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return {
    api: true,
    adapter: name,
    software: isSoftwareAdapter(fallback, name),
    shaderF16: adapter.features.has('shader-f16'),
  };
}

/** The Cache API store, or memory for this session where the Cache API is missing. */
export function openStore(): ByteStore {
  // Private windows and some embedded browsers have no Cache API: models then live for this session only.
  return typeof caches === 'undefined' ? new MemoryStore() : new CacheApiStore();
}
