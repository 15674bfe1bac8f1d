/**
 * Page options taken from the URL (`?pair=...&backend=...`), for tests and power users. Pure functions; the
 * React side is in `useUrlOptions.ts`.
 */
import type { Backend, BackendInfo } from '../worker-api/protocol';

export type BackendChoice = Backend | 'auto';

export interface PairChoice {
  readonly id: string;
  readonly label: string;
  readonly description: string;
}

/** Model pairs offered in the selector; the manifest may name more (reachable via `?pair=`). */
export const PAIRS: readonly PairChoice[] = [
  {
    id: 'base',
    label: 'wav2vec2-base-960h + RoBERTa-base',
    description: 'The real models: speech recognition and text features. A large one-time download, then cached.',
  },
  {
    id: 'lite',
    label: 'Lite (no downloads)',
    description: 'Weight-free encoders: exercises the app without downloading models. No transcript.',
  },
  {
    id: 'fixture',
    label: 'Test fixture',
    description: 'Tiny random-weight models generated for tests; the transcript is meaningless.',
  },
];

export const DEFAULT_PAIR = 'base';
export const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm-mt', 'wasm'];

export interface UrlOptions {
  readonly pair: string;
  readonly backend: BackendChoice;
}

const PAIR_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** Reads `pair` and `backend` from a query string; anything unrecognisable falls back to the default. */
export function parseUrlOptions(search: string): UrlOptions {
  const params = new URLSearchParams(search);
  const pairParam = params.get('pair')?.trim() ?? '';
  const backendParam = params.get('backend')?.trim().toLowerCase() ?? '';
  const backend = (BACKENDS as readonly string[]).includes(backendParam) ? (backendParam as BackendChoice) : 'auto';
  return { pair: PAIR_PATTERN.test(pairParam) ? pairParam : DEFAULT_PAIR, backend };
}

/** The query string for `options`, keeping unrelated parameters and leaving defaults out. */
export function withUrlOptions(search: string, options: UrlOptions): string {
  const params = new URLSearchParams(search);
  if (options.pair === DEFAULT_PAIR) params.delete('pair');
  else params.set('pair', options.pair);
  if (options.backend === 'auto') params.delete('backend');
  else params.set('backend', options.backend);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Human name of a backend id. */
export function backendLabel(backend: Backend): string {
  switch (backend) {
    case 'webgpu':
      return 'WebGPU';
    case 'wasm-mt':
      return 'WebAssembly (multithreaded)';
    case 'wasm':
      return 'WebAssembly';
  }
}

/** "WebGPU unavailable: no adapter" for each backend that was tried and rejected. */
export function rejectedBackendLines(info: BackendInfo | null): string[] {
  if (info === null) return [];
  return info.rejected.map((r) => `${backendLabel(r.backend)} unavailable: ${r.reason}`);
}
