/**
 * The layout rules of docs/architecture.md, checked on the source itself so they stay true: no import circle
 * (type-only imports count: they tie the modules' meaning together all the same); layers, each folder importing
 * only folders below it (core, audio, runtime, encoders, mmer, worker-api, inference, timeline, training, recognizer, then the
 * page); one file name per module across folders; only hooks in src/hooks; files of at most 300 lines as the
 * formatter wraps them (`npm run format`); one definition of the 16 kHz rate.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../shared-data';

const ROOTS = ['src', 'workers', 'cli'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const files = ROOTS.flatMap((r) => sourceFiles(join(REPO_ROOT, r)));
const rel = (p: string): string => relative(REPO_ROOT, p);

/** Relative imports of one file (static, dynamic and re-exports), resolved to files of the tree. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (m) => m[1] ?? '',
  );
  return specs.flatMap((spec) => {
    const base = resolve(dirname(file), spec.replace(/\?.*$/, ''));
    const found = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => files.includes(c));
    return found === undefined ? [] : [found];
  });
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

/** Strongly connected components with more than one module (Tarjan). */
function circles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w !== undefined) {
          on.delete(w);
          comp.push(rel(w));
        }
      } while (w !== undefined && w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  return out;
}

/**
 * The layers, lowest first: a folder may import the folders before it, never those after it. (src/data, src/asr and
 * src/text sit beside them and are not ranked.)
 */
const LAYERS = [
  'src/core',
  'src/audio',
  'src/runtime',
  'src/encoders',
  'src/mmer',
  // The thread protocol's plain types, which inference and training answer in (its client imports only types).
  'src/worker-api',
  'src/inference',
  // Segments of long recordings, each analysed by inference's analyse (passed in, not imported).
  'src/timeline',
  'src/training',
  'src/recognizer',
  'src/page',
  'src/hooks',
  'src/components',
];
/** Each layer with the layers above it; the page's three folders may use one another. */
const FORBIDDEN = LAYERS.slice(0, -3).map((from, i) => ({ from, to: LAYERS.slice(i + 1) }));

describe('architecture', () => {
  it('has no import circle', () => {
    expect(circles()).toEqual([]);
  });

  it.each(FORBIDDEN)('keeps $from out of $to', ({ from, to }) => {
    const bad = [...graph].flatMap(([f, deps]) =>
      rel(f).startsWith(`${from}/`)
        ? deps.filter((d) => to.some((t) => rel(d).startsWith(`${t}/`))).map((d) => `${rel(f)} -> ${rel(d)}`)
        : [],
    );
    expect(bad).toEqual([]);
  });

  it('gives every module its own file name', () => {
    const byName = new Map<string, string[]>();
    for (const f of files) byName.set(basename(f), [...(byName.get(basename(f)) ?? []), rel(f)]);
    // index.ts names a folder's entry, not a module of its own.
    expect([...byName].filter(([name, paths]) => name !== 'index.ts' && paths.length > 1)).toEqual([]);
  });

  it('keeps only hooks in src/hooks', () => {
    expect(files.map(rel).filter((f) => f.startsWith('src/hooks/') && !/^use[A-Z]/.test(basename(f)))).toEqual([]);
  });

  it('keeps every file at 300 lines or fewer', () => {
    expect(
      files.map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 300),
    ).toEqual([]);
  });

  it('defines the 16 kHz rate once', () => {
    const defs = files.filter((f) => /=\s*16_?000\s*;/.test(readFileSync(f, 'utf8'))).map(rel);
    expect(defs).toEqual(['src/audio/rate.ts']);
  });
});
