/**
 * Where the CLI finds its models, the same two settings in every command: `--manifest PATH` (another manifest.json)
 * and `--hub-url URL` (another host for the manifest's hub models: a mirror, or a local copy served over HTTP). The
 * page build takes the same two as VITE_MMER_MANIFEST_URL and VITE_MMER_HUB_URL (src/page/manifest-url.ts).
 */
import { DEFAULT_MANIFEST, type NodeLoadOptions } from '../src/inference/node';
import { nodePlatform } from '../src/recognizer/node-platform';
import { Recognizer } from '../src/recognizer/recognizer';
import type { LoadProgress } from '../src/runtime/runtime-types';

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

/**
 * The page's recognizer on onnxruntime-node with `pair` loaded from the manifest and host the two settings name.
 * `builtinHead` false leaves the pair's built-in head out (a command that loads its own).
 */
export async function loadNodeRecognizer(
  v: { readonly manifest?: string | undefined; readonly 'hub-url'?: string | undefined },
  pair: string,
  options: { readonly builtinHead?: boolean; readonly onProgress?: (p: LoadProgress) => void } = {},
): Promise<Recognizer> {
  const source = modelSource(v);
  const recognizer = new Recognizer(nodePlatform());
  await recognizer.load(
    {
      pair,
      manifestUrl: source.manifestPath ?? DEFAULT_MANIFEST,
      hubUrl: source.hubUrl ?? null,
      backend: 'wasm',
      builtinHead: options.builtinHead !== false,
    },
    options.onProgress ?? (() => undefined),
  );
  return recognizer;
}
