/**
 * What a pair's load will download, in the order it reads the files: the graph each encoder opens first (the larger
 * encoder first, as `loadEncoders` opens them), then the weights of the pair's built-in head when one will be
 * fetched. The queue downloads them back to back while the files before are edited, opened and decoded.
 */
import { headsForPair, dtypeCandidates, type HeadEntry } from '../runtime/manifest';
import { DownloadQueue, type PlannedDownload } from '../runtime/download-queue';
import { planGraph } from '../runtime/model-loader';
import { planHeadWeights } from './builtin-head';
import { encoderLoadOrder, type EncoderContext } from './load-encoders';

/**
 * How many bytes may arrive before their reader asks. An int8 pair (126 + 95 MB) and its head come back to back;
 * an fp32 graph (378-499 MB) waits for its reader, since holding it while the graph before it opens would add its
 * size to the load's peak (the same line as the cache's pending writes, web-platform.ts).
 */
export const AHEAD_BYTES = 256e6;

/** Which head the load will fetch: the pair's first built-in one, unless none is wanted or a head is already active. */
export interface HeadPlan {
  readonly builtin: boolean;
  readonly headActive: boolean;
}

/** The files `pairName`'s load will download (cached ones left out), in the order it reads them. */
export async function planPairDownloads(
  ctx: EncoderContext,
  pairName: string,
  head: HeadPlan,
): Promise<PlannedDownload[]> {
  const { audio, text, textFirst } = encoderLoadOrder(ctx, pairName);
  // A file that cannot be planned (a URL that does not resolve, a store that cannot look) is left to its reader,
  // which meets the same fault where the load reports it: planning never fails a load itself.
  const plan = async (f: () => Promise<PlannedDownload | null>): Promise<PlannedDownload | null> => {
    try {
      return await f();
    } catch {
      return null;
    }
  };
  const planned: (PlannedDownload | null)[] = [];
  for (const entry of textFirst ? [text, audio] : [audio, text]) {
    const dtype =
      entry.format === 'onnx' ? dtypeCandidates(ctx.manifest, entry, ctx.backend, ctx.hasShaderF16)[0] : undefined;
    if (entry.format === 'onnx' && dtype !== undefined) planned.push(await plan(() => planGraph(ctx, entry, dtype)));
  }
  // An active head that fits the new pair stays (settle-head.ts); one that does not is rare enough to fetch late.
  const headEntry = pairHeadToFetch(ctx, pairName, head);
  if (headEntry !== undefined) planned.push(await plan(() => planHeadWeights(ctx, headEntry, 'pair')));
  return planned.filter((p): p is PlannedDownload => p !== null);
}

/**
 * Starts downloading what `pairName`'s load will read (the caller closes the queue when the load ends), and says
 * whether the load will fetch a head.
 */
export async function openLoadQueue(
  ctx: EncoderContext,
  pairName: string,
  head: HeadPlan,
): Promise<{ downloads: DownloadQueue; headComing: boolean }> {
  const downloads = new DownloadQueue(await planPairDownloads(ctx, pairName, head), AHEAD_BYTES);
  return { downloads, headComing: pairHeadToFetch(ctx, pairName, head) !== undefined };
}

function pairHeadToFetch(ctx: EncoderContext, pairName: string, head: HeadPlan): HeadEntry | undefined {
  return head.builtin && !head.headActive ? headsForPair(ctx.manifest, pairName)[0] : undefined;
}
