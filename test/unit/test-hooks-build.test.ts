/**
 * The test hooks (crashing the worker on demand, reading raw features) are left out of the production build and kept
 * in the end-to-end build, as src/worker-api/test-hooks.ts promises: both builds are made and their worker read.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../shared-data';

/** The text of the built ML worker for `mode`. */
function builtWorker(mode: string): string {
  const outDir = mkdtempSync(join(tmpdir(), `mmer-build-${mode}-`));
  try {
    // A separate process with the environment a person's shell has: under the test runner NODE_ENV is 'test'.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !k.startsWith('VITE')),
    );
    execFileSync(
      'npx',
      ['vite', 'build', '--mode', mode, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'silent'],
      {
        cwd: REPO_ROOT,
        env,
        stdio: 'ignore',
        timeout: 120_000,
      },
    );
    const assets = join(outDir, 'assets');
    const worker = readdirSync(assets).find((f) => f.startsWith('ml.worker-') && f.endsWith('.js'));
    if (worker === undefined) throw new Error(`no ML worker in the ${mode} build`);
    return readFileSync(join(assets, worker), 'utf8');
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

describe('test hooks in builds', () => {
  it.each([
    { mode: 'production', crashCode: false },
    { mode: 'e2e', crashCode: true },
  ])('the $mode build has the crash hook: $crashCode', { timeout: 120_000 }, ({ mode, crashCode }) => {
    const text = builtWorker(mode);
    expect(text.includes('deliberate worker crash')).toBe(crashCode);
    // Without hooks, the hooks answer that the build has none.
    expect(text.includes('This build has no test hooks')).toBe(!crashCode);
  });
});
