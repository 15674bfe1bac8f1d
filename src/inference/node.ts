/** Node entry to the shared pipeline: same manifest, loader and encoders as the worker, onnxruntime-node underneath. */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ByteStore } from '../runtime/cache';
import { withAudioLayer, withHubUrl, type Manifest } from '../runtime/manifest';
import { AppError } from '../core/errors';
import { parseManifest } from '../runtime/manifest-parse';
import { DirectoryStore, fileAwareFetch } from '../runtime/node-io';
import { nodeAdapter } from '../runtime/ort-node';
import type { LoadProgress } from '../runtime/runtime-types';
import type { EncoderGraph } from './load-encoders';
import { loadAudioGraph, loadEncoders, type EncoderContext, type EncoderPair } from './load-encoders';

/** This project's manifest, relative to the working directory (the CLI runs from the repository root). */
export const DEFAULT_MANIFEST = 'public/models/manifest.json';

export interface NodeLoadOptions {
  readonly pair: string;
  /** Path of manifest.json (default: public/models/manifest.json of this project). */
  readonly manifestPath?: string;
  /** A host that replaces the manifest's `hubUrl` (a mirror or a local copy; the CLI's --hub-url). */
  readonly hubUrl?: string;
  readonly store?: ByteStore;
  readonly threads?: number;
  readonly onProgress?: (p: LoadProgress) => void;
  readonly fetchImpl?: typeof fetch;
  /**
   * Which hidden state the audio encoder exposes, overriding the manifest (a head that trains the top k layers
   * reads the state below them). Ignored for encoders without a graph (lite).
   */
  readonly audioLayer?: 'head-input' | number;
}

/** Default on-disk model cache of the CLI. */
export function defaultCacheDir(): string {
  return process.env.MMER_CACHE_DIR ?? join(homedir(), '.cache', 'mmer-web');
}

/** The manifest the CLI uses: `manifestPath` (default: this project's), with `hubUrl` applied. */
export async function readNodeManifest(options: Pick<NodeLoadOptions, 'manifestPath' | 'hubUrl'>): Promise<Manifest> {
  const path = resolve(options.manifestPath ?? DEFAULT_MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError(
      'bad-manifest',
      `Cannot read the model manifest ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('bad-manifest', `The model manifest ${path} is not JSON.`);
  }
  return withHubUrl(parseManifest(json), options.hubUrl);
}

async function nodeContext(options: NodeLoadOptions): Promise<EncoderContext> {
  const manifestPath = resolve(options.manifestPath ?? DEFAULT_MANIFEST);
  const manifest = withAudioLayer(await readNodeManifest(options), options.pair, options.audioLayer);
  return {
    manifest,
    manifestUrl: pathToFileURL(manifestPath).href,
    store: options.store ?? new DirectoryStore(defaultCacheDir()),
    fetchImpl: options.fetchImpl ?? fileAwareFetch,
    onProgress: options.onProgress ?? (() => undefined),
    ort: nodeAdapter(options.threads ?? 2),
    backend: 'wasm',
    hasShaderF16: false,
  };
}

/** Loads an encoder pair for Node (CLI, tests, benchmarks). */
export async function loadNodeEncoders(options: NodeLoadOptions): Promise<EncoderPair> {
  const ctx = await nodeContext(options);
  return loadEncoders(ctx, options.pair);
}

/** What the training engine needs of the audio encoder's graph (the shared `EncoderGraph`). */
export type AudioGraph = EncoderGraph;

/** The audio encoder's graph of `pair`, or null for encoders without one (lite). */
export async function loadNodeAudioGraph(options: NodeLoadOptions): Promise<AudioGraph | null> {
  return loadAudioGraph(await nodeContext(options), options.pair);
}
