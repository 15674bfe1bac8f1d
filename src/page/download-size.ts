/** The download a pair would cost, in words, before it starts (from the manifest's approximate sizes). */
import { pairDownloadBytes, type Manifest } from '../runtime/manifest';
import type { Backend, Dtype } from '../runtime/runtime-types';

/** How a precision is named to people. */
export const DTYPE_WORDS: Readonly<Record<Dtype, string>> = {
  q8: '8-bit weights',
  fp16: '16-bit weights',
  fp32: '32-bit weights',
};

function mb(bytes: number): string {
  return `${Math.round(bytes / 1_000_000)} MB`;
}

/**
 * "about 221 MB (8-bit weights)" for the precision `backend` would load first, plus the fallback precision on WebGPU
 * (used where the GPU lacks 16-bit shaders). Null when the manifest gives no sizes for the pair.
 */
export function downloadSizeText(manifest: Manifest, pair: string, backend: Backend): string | null {
  const sizes = manifest.dtypePreference[backend]
    .map((dtype) => ({ dtype, bytes: pairDownloadBytes(manifest, pair, dtype) }))
    .filter((s): s is { dtype: Dtype; bytes: number } => s.bytes !== null && s.bytes > 0);
  const [first, second] = sizes;
  if (first === undefined) return null;
  const main = `about ${mb(first.bytes)} (${DTYPE_WORDS[first.dtype]})`;
  return first.dtype === 'fp16' && second !== undefined
    ? `${main}, or ${mb(second.bytes)} (${DTYPE_WORDS[second.dtype]}) where the GPU cannot run 16-bit weights`
    : main;
}
