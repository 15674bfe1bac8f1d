/**
 * Page options taken from the URL (`?pair=...&backend=...&head=none`), for tests and power users. Pure functions;
 * the React side is in `useUrlOptions.ts`. Without `?pair` the page chooses (usePairChoice.ts).
 */
import type { Backend, BackendInfo } from '../runtime/runtime-types';

export type BackendChoice = Backend | 'auto';

export interface PairChoice {
  readonly id: string;
  readonly label: string;
  /** How a sentence names the pair's models ("wav2vec2 + RoBERTa"). */
  readonly shortName: string;
  readonly description: string;
}

/** Model pairs offered in the selector; the manifest may name more (reachable via `?pair=`). */
export const PAIRS: readonly PairChoice[] = [
  {
    id: 'lite',
    label: 'Embedded acoustic model (no download)',
    shortName: 'embedded acoustic',
    description:
      'Built into the page: weight-free acoustic statistics and a shipped emotion head. Ready at once, works offline, no transcript.',
  },
  {
    id: 'base',
    label: 'wav2vec2 + RoBERTa (download)',
    shortName: 'wav2vec2 + RoBERTa',
    description:
      'wav2vec2-base-960h speech recognition and RoBERTa-base text features: a transcript, and the full MMER models. A large one-time download, then cached.',
  },
  {
    id: 'fixture',
    label: 'Test fixture',
    shortName: 'test fixture',
    description: 'Tiny random-weight models generated for tests; the transcript is meaningless.',
  },
];

/** The pair whose download the page offers beside the embedded one (wav2vec2 + RoBERTa from the hub). */
export const FULL_PAIR = 'base';

/** How a sentence names a pair's models: "wav2vec2 + RoBERTa", or `pair "x"` for one the page does not know. */
export function pairShortName(id: string): string {
  return PAIRS.find((p) => p.id === id)?.shortName ?? `pair "${id}"`;
}

/** The pair the page uses when the manifest cannot be read (the worker then reports why). */
export const FALLBACK_PAIR = 'lite';
export const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm-mt', 'wasm'];

export interface UrlOptions {
  /** `?pair=`, or null when absent or unreadable (the page then chooses). */
  readonly pair: string | null;
  readonly backend: BackendChoice;
  /**
   * `?head=none`: the pair's built-in head is left out, so the page behaves as for a pair without a trained head of
   * its own (the embedded head scores). For tests and for comparing.
   */
  readonly noBuiltinHead: boolean;
}

const PAIR_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/** Reads `pair`, `backend` and `head` from a query string; anything unrecognisable counts as absent. */
export function parseUrlOptions(search: string): UrlOptions {
  const params = new URLSearchParams(search);
  const pairParam = params.get('pair')?.trim() ?? '';
  const backendParam = params.get('backend')?.trim().toLowerCase() ?? '';
  const backend = (BACKENDS as readonly string[]).includes(backendParam) ? (backendParam as BackendChoice) : 'auto';
  return {
    pair: PAIR_PATTERN.test(pairParam) ? pairParam : null,
    backend,
    noBuiltinHead: params.get('head')?.trim().toLowerCase() === 'none',
  };
}

/** The query string for `options`, keeping unrelated parameters and leaving defaults out. */
export function withUrlOptions(search: string, options: UrlOptions): string {
  const params = new URLSearchParams(search);
  if (options.pair === null) params.delete('pair');
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
