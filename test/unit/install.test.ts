/**
 * A fresh clone installs with the README's own command and no variables: CI runs exactly that command, and
 * onnxruntime-node's install script (which would fetch CUDA libraries from outside the npm registry) never runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

interface PackageJson {
  readonly engines?: Record<string, string>;
  readonly allowScripts?: Record<string, boolean>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}
const pkg = JSON.parse(read('package.json')) as PackageJson;

describe('install', () => {
  it('CI installs with the README command and sets no variable the README does not', () => {
    const readmeInstall = /```sh\n(npm install[^\n]*)\n```/.exec(read('README.md'))?.[1];
    expect(readmeInstall).toBe('npm install && npm run dev');
    const ci = read('.ci/run');
    const commands = ci
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('#'));
    expect(commands).toContain('npm install');
    expect(commands).toContain('npm test');
    // The only variable CI may set is apt's, inside the branch that installs Chromium.
    const exported = commands.filter((l) => /^(export\s+)?[A-Z_]+=/.test(l));
    expect(exported).toEqual(['export DEBIAN_FRONTEND=noninteractive']);
    expect(ci).not.toMatch(/ONNXRUNTIME_NODE_INSTALL|npm_config_/);
  });

  it("onnxruntime-node's install script is denied in package.json and the package is a development dependency", () => {
    expect(pkg.allowScripts?.['onnxruntime-node']).toBe(false);
    expect(pkg.dependencies?.['onnxruntime-node']).toBeUndefined();
    expect(pkg.devDependencies?.['onnxruntime-node']).toBeDefined();
    // allowScripts is npm 11's; older npm would run the script, so the engine check refuses it with a clear message.
    expect(pkg.engines?.npm).toBe('>=11');
    expect(read('.npmrc')).toMatch(/^engine-strict=true$/m);
  });

  it('the installed onnxruntime-node holds its CPU binary and no downloaded GPU add-on', () => {
    const bin = join(root, 'node_modules', 'onnxruntime-node', 'bin');
    const files = readdirSync(bin, { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('onnxruntime_binding.node'))).not.toEqual([]);
    expect(files.filter((f) => /cuda|tensorrt/i.test(f))).toEqual([]);
    expect(existsSync(join(root, 'node_modules', '.bin', 'tsx'))).toBe(true);
  });
});
