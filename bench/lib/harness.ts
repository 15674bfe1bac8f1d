/**
 * The browser side of the bench: builds bench/browser/index.html with the app's Vite config, serves the repository
 * root cross-origin isolated on a loopback port (so the built page, the bench manifest and the fixture graphs share
 * one origin and COEP allows them all, without copying a model anywhere), and drives `window.bench` through
 * Playwright in Debian's Chromium. Each case gets its own port and build folder, so cases never share a server.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { build } from 'vite';
import { chromiumArgs, chromiumPath } from '../../test/chromium';
import { isolationHeaders } from '../../vite.config';
import type { BenchPage } from '../browser/page';
import { REPO } from './models';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};

/** Where a harness listens and builds. */
export interface HarnessOptions {
  /** Loopback port (the e2e suite owns 4173). */
  readonly port: number;
  /** Build folder name under node_modules/.cache/mmer-bench/ (git and `eslint .` skip it, as Vite's own cache). */
  readonly name: string;
  /** Extra Chromium flags. */
  readonly args?: readonly string[];
  /** Serves a file body; the default streams it at full speed (the load case throttles it). */
  readonly send?: (path: string, size: number, req: IncomingMessage, res: ServerResponse) => void;
}

/** A running harness: a built page, its server and a browser. */
export interface Harness {
  readonly browser: Browser;
  /** URL of a file under the repository root. */
  readonly url: (file: string) => string;
  /** Opens the bench page in a fresh context (own cache and storage) and waits for `window.bench`. */
  openPage(log: (line: string) => void): Promise<Page>;
  close(): Promise<void>;
}

/** Builds the page, starts the server and launches Chromium. */
export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const web = join(REPO, 'node_modules', '.cache', 'mmer-bench', o.name);
  await build({
    configFile: join(REPO, 'vite.config.ts'),
    root: REPO,
    base: './',
    publicDir: false,
    logLevel: 'warn',
    build: { outDir: web, emptyOutDir: true, rollupOptions: { input: join(REPO, 'bench', 'browser', 'index.html') } },
  });
  const origin = `http://127.0.0.1:${String(o.port)}`;
  const send =
    o.send ??
    ((path, _size, _req, res) => {
      createReadStream(path).pipe(res);
    });
  const server = createServer((req, res) => {
    const path = resolve(REPO, `.${decodeURIComponent(new URL(req.url ?? '/', origin).pathname)}`);
    let size = -1;
    try {
      if (path.startsWith(REPO + sep) && req.method === 'GET')
        size = statSync(path).isFile() ? statSync(path).size : -1;
    } catch {
      size = -1;
    }
    if (size < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      ...isolationHeaders,
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': size,
    });
    send(path, size, req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, '127.0.0.1', () => {
      ok();
    });
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs(), ...(o.args ?? [])],
    headless: true,
  });
  const url = (file: string): string =>
    `${origin}/${file
      .slice(REPO.length + 1)
      .split(sep)
      .join('/')}`;
  return {
    browser,
    url,
    async openPage(log) {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') log(`  [page] ${m.text()}`);
      });
      page.on('response', (r) => {
        if (r.status() >= 400) log(`  [page] ${String(r.status())} ${r.url()}`);
      });
      // Closing the browser closes its pages too; the context is gone then, which is no error here.
      page.on('close', () => void context.close().catch(() => undefined));
      await page.goto(url(join(web, 'bench', 'browser', 'index.html')));
      await page.waitForFunction(() => 'bench' in window);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

type Method = { [K in keyof BenchPage]: BenchPage[K] extends (...a: never[]) => unknown ? K : never }[keyof BenchPage];

/** Calls `window.bench[name](...args)` in the page, typed by the page's own API. */
export function callBench<K extends Method>(
  page: Page,
  name: K,
  ...args: Parameters<BenchPage[K]>
): Promise<Awaited<ReturnType<BenchPage[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const b = (window as unknown as { bench: Record<string, (...x: unknown[]) => unknown> }).bench;
      const fn = b[n];
      if (fn === undefined) throw new Error(`bench.${n} missing`);
      return fn(...a);
    },
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<BenchPage[K]>>>;
}
