/**
 * `npx tsx bench/memory-trace.ts [q8|fp32]`: the resident size of every new Chromium process, read every 300 ms
 * (VmRSS, cheap to read) while the app worker loads the bench pair cold and analyses a 10 s clip, printed next to
 * the worker's load steps. Shows which step grows the page's memory; the `browser` case gives the peak itself.
 * Run by hand after `npm run fixtures -- --size base`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { speechClip } from './lib/audio';
import { callBench, startHarness } from './lib/harness';
import { descendants } from './lib/memory';
import { addBenchHeads, modelSets, TMP, writeBenchManifest } from './lib/models';

const PORT = 4194;
const dtype = process.argv[2] ?? 'q8';
const rssMb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
const set = modelSets(false).find((s) => s.dtype === dtype);
if (set === undefined) throw new Error(`no ${dtype} base fixtures: run npm run fixtures -- --size base`);
const sets = modelSets(false);
const manifest = writeBenchManifest(sets, false);
await addBenchHeads(manifest, sets, false);
const h = await startHarness({ port: PORT, name: 'memtrace' });
const pcm = speechClip(10);
const clip = join(TMP, 'speech-10s.f32');
writeFileSync(clip, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
const before = new Set(descendants(process.pid).map((p) => p.pid));
const page = await h.openPage(console.log);
const t0 = performance.now();
const trace: string[] = [];
const timer = setInterval(() => {
  const fresh = descendants(process.pid).filter((p) => !before.has(p.pid) && /chrom/i.test(p.comm));
  trace.push(
    `${String(Math.round(performance.now() - t0))} ms: ${fresh.map((p) => `${String(p.pid)} ${rssMb(p.pid).toFixed(0)} MB`).join(', ')}`,
  );
}, 300);
try {
  const load = await callBench(page, 'loadOurs', set.pair, h.url(manifest), 'wasm-mt', h.url(clip));
  const again = await callBench(page, 'analyseOurs', h.url(clip));
  console.log(
    `init ${load.initMs.toFixed(0)} ms, first result ${load.firstResultMs.toFixed(0)} ms, second pass ${again.audioMs.toFixed(0)} ms`,
  );
  for (const [ms, step] of load.steps) console.log(`step ${String(ms)} ms: ${step}`);
} finally {
  clearInterval(timer);
  await page.close();
  await h.close();
}
for (const line of trace) console.log(`rss ${line}`);
