/**
 * Whether a model pair would load from this browser's model cache alone: the page asks before it starts a pair the
 * person chose on an earlier visit, so a visit without a network never ends in a failed download when it need not.
 */
import { editedGraphKey, sideFileKey } from './cache-keys';
import { fileUrl, resolvePair, type Manifest, type ModelEntry } from './manifest';

/** Side files the encoders read when a pair loads (the audio encoder's config is read only by a training run). */
const LOADED_FILES: Readonly<Record<ModelEntry['role'], readonly string[]>> = {
  'audio-encoder': ['vocab'],
  'text-encoder': ['tokenizer', 'tokenizerConfig', 'config'],
};

async function modelCached(
  manifest: Manifest,
  manifestUrl: string,
  entry: ModelEntry,
  has: (key: string) => Promise<boolean>,
): Promise<boolean> {
  if (entry.format !== 'onnx') return true;
  for (const purpose of LOADED_FILES[entry.role]) {
    const ref = entry.files[purpose];
    if (ref !== undefined && !(await has(sideFileKey(fileUrl(manifest, manifestUrl, entry.source, ref), ref))))
      return false;
  }
  // The worker picks the precision for its backend; any cached one means the graph was loaded here before.
  for (const ref of Object.values(entry.weights)) {
    if (await has(await editedGraphKey(fileUrl(manifest, manifestUrl, entry.source, ref), entry, ref))) return true;
  }
  return false;
}

/**
 * True when both encoders of `pair` are in the store `has` looks into (weight-free encoders always are): every side
 * file they read and an edited graph of at least one precision. The precision the backend picks next time may
 * still differ; the page then falls back to the embedded pair if that download fails.
 */
export async function isPairCached(
  manifest: Manifest,
  manifestUrl: string,
  pair: string,
  has: (key: string) => Promise<boolean>,
): Promise<boolean> {
  const { audio, text } = resolvePair(manifest, pair);
  return (
    (await modelCached(manifest, manifestUrl, audio, has)) && (await modelCached(manifest, manifestUrl, text, has))
  );
}
