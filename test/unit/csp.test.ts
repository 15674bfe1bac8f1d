/**
 * The Content-Security-Policy is made from one definition (src/page/csp.ts) and the manifest's model hosts, served as
 * a header and written into the built index.html; the build's service worker precaches the shell and the embedded
 * pair, never the test fixtures or onnxruntime's large WASM.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cspDirectives, cspString, modelOrigins } from '../../src/page/csp';
import { buildModelOrigins, withCspMeta } from '../../tools/vite/csp-plugin';
import { REPO_ROOT } from '../shared-data';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'public', 'models', 'manifest.json'), 'utf8')) as {
  hubUrl: string;
};

describe('model hosts', () => {
  it('are the manifest hub and the hosts its downloads redirect to', () => {
    const origins = buildModelOrigins(REPO_ROOT, {});
    expect(origins[0]).toBe(new URL(manifest.hubUrl).origin);
    expect(modelOrigins('https://huggingface.co')).toEqual([
      'https://huggingface.co',
      'https://*.huggingface.co',
      'https://*.hf.co',
    ]);
  });

  it('follow the build settings: another hub replaces it, a manifest elsewhere adds its origin', () => {
    expect(buildModelOrigins(REPO_ROOT, { VITE_MMER_HUB_URL: 'https://hf-mirror.example.org/' })).toEqual([
      'https://hf-mirror.example.org',
    ]);
    expect(
      buildModelOrigins(REPO_ROOT, { VITE_MMER_MANIFEST_URL: 'https://models.example.org/m/manifest.json' }),
    ).toContain('https://models.example.org');
    // A relative manifest URL is our own origin: nothing to add.
    expect(buildModelOrigins(REPO_ROOT, { VITE_MMER_MANIFEST_URL: '/other/manifest.json' })).toEqual(
      modelOrigins(manifest.hubUrl),
    );
  });
});

describe('the policy', () => {
  const origins = modelOrigins(manifest.hubUrl);
  const directives = (dev: boolean, delivery: 'header' | 'meta'): Map<string, string[]> =>
    new Map(cspDirectives({ modelOrigins: origins, dev, delivery }));

  it('lets connections go to our origin and the model hosts only; no JavaScript eval, no inline script', () => {
    const built = directives(false, 'header');
    expect(built.get('connect-src')).toEqual(["'self'", ...origins]);
    expect(built.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(built.get('worker-src')).toEqual(["'self'"]);
    expect(built.get('media-src')).toContain('blob:');
    expect(built.get('img-src')).toContain('data:');
    for (const [name, value] of [
      ['object-src', "'none'"],
      ['base-uri', "'self'"],
      ['form-action', "'none'"],
      ['frame-ancestors', "'none'"],
    ] as const)
      expect(built.get(name)).toEqual([value]);
    const policy = cspString({ modelOrigins: origins, dev: false, delivery: 'header' });
    expect(policy).toContain("; script-src 'self' 'wasm-unsafe-eval'; ");
    expect(policy).not.toContain(" 'unsafe-eval'");
  });

  it('leaves frame-ancestors out of a meta tag, and lets dev run its inline preamble and HMR websocket', () => {
    expect(directives(false, 'meta').has('frame-ancestors')).toBe(false);
    const dev = directives(true, 'header');
    expect(dev.get('script-src')).toContain("'unsafe-inline'");
    expect(dev.get('connect-src')).toContain('ws://localhost:*');
  });

  it('goes right after the charset declaration', () => {
    const html = '<head>\n    <meta charset="UTF-8" />\n    <title>x</title>';
    expect(withCspMeta(html, `default-src 'self'`)).toBe(
      `<head>\n    <meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="default-src 'self'" />\n    <title>x</title>`,
    );
    expect(() => withCspMeta('<head></head>', 'x')).toThrow(/charset/);
  });
});

describe('the production build', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'mmer-build-csp-'));
  beforeAll(() => {
    // A separate process with the environment a person's shell has: under the test runner NODE_ENV is 'test'.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !k.startsWith('VITE')),
    );
    execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'silent'], {
      cwd: REPO_ROOT,
      env,
      stdio: 'ignore',
      timeout: 120_000,
    });
  }, 150_000);
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it('ships the policy in index.html before any script', () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html);
    expect(meta?.[1]).toBe(cspString({ modelOrigins: origins(), dev: false, delivery: 'meta' }));
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
    expect(html).toContain('<link rel="manifest"');
  });

  it('has a service worker precaching the shell and the embedded pair, not the fixtures or onnxruntime WASM', () => {
    const sw = readFileSync(join(outDir, 'sw.js'), 'utf8');
    const urls = [...sw.matchAll(/\{url:"([^"]+)",revision:/g)].map((m) => m[1] ?? '');
    expect(urls).toContain('index.html');
    expect(urls).toContain('models/manifest.json');
    expect(urls).toContain('models/heads/lite-ravdess8/model.safetensors');
    expect(urls.some((u) => /^assets\/ml\.worker-.*\.js$/.test(u))).toBe(true);
    expect(urls.some((u) => /^assets\/tfjs-backend-wasm.*\.wasm$/.test(u))).toBe(true);
    expect(urls.filter((u) => u.startsWith('models/fixtures/') || /ort-wasm[^/]*\.wasm$/.test(u))).toEqual([]);
    expect(existsSync(join(outDir, 'models', 'fixtures'))).toBe(existsSync(join(REPO_ROOT, 'public/models/fixtures')));
  });
});

function origins(): string[] {
  return modelOrigins(manifest.hubUrl);
}
