/** Scratch: renderer RSS over one load + 10 s analysis of ours, with the worker's load steps. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { speechClip } from './lib/audio';
import { callBench, startHarness } from './lib/harness';
import { descendants } from './lib/memory';
import { addBenchHeads, modelSets, TMP, writeBenchManifest } from './lib/models';
import { readFileSync } from 'node:fs';

const dtype = process.argv[2] ?? 'q8';
const rss = (pid: number): number => {
  try { return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024; } catch { return 0; }
};
const sets = modelSets(false).filter((s) => s.dtype === dtype);
const manifest = writeBenchManifest(modelSets(false), false);
await addBenchHeads(manifest, false);
const h = await startHarness({ port: 4194, name: 'memtrace' });
const pcm = speechClip(10);
const file = join(TMP, 'speech-10s.f32');
writeFileSync(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
const before = new Set(descendants(process.pid).map((p) => p.pid));
const page = await h.openPage(console.log);
const t0 = performance.now();
const trace: string[] = [];
const timer = setInterval(() => {
  const fresh = descendants(process.pid).filter((p) => !before.has(p.pid) && /chrom/i.test(p.comm));
  trace.push(`${Math.round(performance.now() - t0)} ${fresh.map((p) => `${p.pid}:${rss(p.pid).toFixed(0)}`).join(' ')}`);
}, 300);
const set = sets[0]!;
const r = await callBench(page, 'loadOurs', set.pair, h.url(manifest), 'wasm-mt', h.url(file));
const a = await callBench(page, 'analyseOurs', h.url(file));
clearInterval(timer);
console.log(JSON.stringify({ init: r.initMs, first: r.firstResultMs, audioMs: a.audioMs }));
for (const s of r.steps) console.log('step', s[0], s[1]);
for (const l of trace) console.log('rss', l);
await page.close();
await h.close();
