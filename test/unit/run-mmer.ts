/** Runs the `mmer` and `cli` commands as a user would (node + tsx), for the CLI tests: exit code and both output streams. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../shared-data';

const run = promisify(execFile);

/** `npm run mmer -- ...args` without npm in between; never throws for a non-zero exit. */
export function mmer(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runScript('cli/mmer.ts', args);
}

/** `npm run cli -- ...args` (transcribe, timeline) without npm in between; never throws for a non-zero exit. */
export function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runScript('cli/main.ts', args);
}

async function runScript(
  script: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, script), ...args],
      {
        cwd: REPO_ROOT,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
