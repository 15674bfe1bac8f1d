/**
 * Where the CLI finds its models, the same two settings in every command: `--manifest PATH` (another manifest.json)
 * and `--hub-url URL` (another host for the manifest's hub models: a mirror, or a local copy served over HTTP). The
 * page build takes the same two as VITE_MMER_MANIFEST_URL and VITE_MMER_HUB_URL (src/page/manifest-url.ts).
 */
import type { NodeLoadOptions } from '../src/inference/node';

/** The parseArgs options of the two settings. */
export const MODEL_SOURCE_OPTIONS = {
  manifest: { type: 'string' },
  'hub-url': { type: 'string' },
} as const;

/** The usage text of the two settings. */
export const MODEL_SOURCE_USAGE = '[--manifest PATH] [--hub-url URL]';

/** The loader options the two settings give (absent settings give none). */
export function modelSource(v: {
  readonly manifest?: string | undefined;
  readonly 'hub-url'?: string | undefined;
}): Pick<NodeLoadOptions, 'manifestPath' | 'hubUrl'> {
  return {
    ...(v.manifest === undefined ? {} : { manifestPath: v.manifest }),
    ...(v['hub-url'] === undefined ? {} : { hubUrl: v['hub-url'] }),
  };
}
