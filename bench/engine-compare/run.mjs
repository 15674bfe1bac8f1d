// Runner: builds, serves the page (plain and cross-origin-isolated), drives headless Chromium, runs the Node suite,
// and writes results/results.json + results/summary.md.
// Env: REPS (5), WARMUP (2), SUITES (webgpu,wasm,wasm-mt,node), CASES (matmul-forward,matmul-grad,bert-step).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { loss64 } from './src/ref64.js';
import { summarize } from './summarize.mjs';

const REPS = Number(process.env.REPS ?? 5),
  WARMUP = Number(process.env.WARMUP ?? 2);
const SUITES = (process.env.SUITES ?? 'webgpu,wasm,wasm-mt,node').split(',');
const CASES = (process.env.CASES ?? 'matmul-forward,matmul-grad,bert-step').split(',');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Same flags as test/chromium.ts (WebGPU through SwiftShader needs --enable-unsafe-webgpu).
const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
fs.mkdirSync('results', { recursive: true });

const files = {
  'page.html': ['page.html', 'text/html'],
  'page.js': ['dist/page.js', 'text/javascript'],
};
const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist/';
const server = http.createServer((req, res) => {
  const m = /^\/(iso|plain)\/(.*)$/.exec(new URL(req.url, 'http://x').pathname);
  let file, type;
  if (m && files[m[2]]) [file, type] = files[m[2]];
  else if (m && /^wasm\/[\w.-]+\.wasm$/.test(m[2])) {
    file = wasmDir + m[2].slice(5);
    type = 'application/wasm';
  }
  if (!file || !fs.existsSync(file)) {
    console.log(`[server] 404 ${req.url}`);
    res.writeHead(404);
    res.end();
    return;
  }
  if (process.env.LOG_REQUESTS) console.log(`[server] 200 ${req.url}`);
  const headers = { 'Content-Type': type, 'Cache-Control': 'no-store' };
  if (m[1] === 'iso')
    Object.assign(headers, {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
  res.writeHead(200, headers);
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const all = { started: new Date().toISOString(), reps: REPS, warmup: WARMUP, versions: {}, pages: {}, results: [] };
for (const p of [
  '@jax-js/jax',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-webgpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-cpu',
  'playwright-core',
  'esbuild',
]) {
  all.versions[p] = JSON.parse(fs.readFileSync(`node_modules/${p}/package.json`, 'utf8')).version;
}
all.versions.node = process.version;
all.versions.chromium = execFileSync(chromiumPath, ['--version'], { stderr: 'ignore' }).toString().trim();

// suite -> [page mode, tfjs backend, jax-js device]
const plan = {
  webgpu: ['plain', 'webgpu', 'webgpu'],
  wasm: ['plain', 'wasm', 'wasm'],
  'wasm-mt': ['iso', 'wasm', 'wasm'],
};
const browserSuites = SUITES.filter((s) => plan[s]);
if (browserSuites.length) {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  all.browserVersion = browser.version();
  for (const mode of ['plain', 'iso']) {
    const suites = browserSuites.filter((s) => plan[s][0] === mode);
    if (!suites.length) continue;
    const page = await browser.newPage();
    page.on('console', (msg) => console.log(`[${mode}] ${msg.text()}`));
    page.on('pageerror', (e) => console.log(`[${mode}] pageerror: ${e}`));
    await page.goto(`${base}/${mode}/page.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    const info = await page.evaluate(() => window.bench.info());
    console.log(`[${mode}] info ${JSON.stringify(info)}`);
    all.pages[mode] = info;
    for (const s of suites) {
      for (const c of CASES) {
        const [, tfB, jaxD] = plan[s];
        console.log(`[${mode}] === ${s}: ${c} (tfjs ${tfB}, jax-js ${jaxD})`);
        try {
          const r = await page.evaluate(
            ([c, tfB, jaxD, o]) => window.bench.run(c, tfB, jaxD, o),
            [c, tfB, jaxD, { reps: REPS, warmup: WARMUP }],
          );
          all.results.push({ env: `chromium ${s}`, suite: s, ...r });
        } catch (e) {
          console.log(`[${mode}] FAILED: ${e}`);
          all.results.push({ env: `chromium ${s}`, suite: s, case: c, error: String(e) });
        }
        fs.writeFileSync('results/results.json', JSON.stringify(all, null, 1));
      }
    }
    await page.close();
  }
  await browser.close();
}
server.close();

if (SUITES.includes('node')) {
  console.log('[node] === node: tfjs wasm vs jax-js wasm');
  const r = spawnSync(process.execPath, ['dist/node-bench.cjs'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      REPS: String(REPS),
      WARMUP: String(WARMUP),
      CASES: CASES.join(','),
      OUT: 'results/node.json',
    },
  });
  if (r.status === 0) {
    const n = JSON.parse(fs.readFileSync('results/node.json', 'utf8'));
    all.pages.node = n.info;
    for (const x of n.results) all.results.push({ ...x, env: 'node', suite: 'node' });
  } else all.results.push({ env: 'node', suite: 'node', error: `node-bench exited with ${r.status}` });
}
if (CASES.includes('bert-step')) {
  const t0 = Date.now();
  all.bertLossFloat64 = loss64();
  console.log(`float64 plain-JS reference loss ${all.bertLossFloat64} (${Date.now() - t0} ms)`);
}
all.finished = new Date().toISOString();
fs.writeFileSync('results/results.json', JSON.stringify(all, null, 1));
fs.writeFileSync('results/summary.md', summarize(all));
console.log(fs.readFileSync('results/summary.md', 'utf8'));
