/**
 * The manifest's hand layout survives a tool's rewrite: printing a file's own value back gives the same text, and an
 * edited value keeps each container on one line or spread over lines as it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLike, readLayout } from '../../tools/json-layout';
import { REPO_ROOT } from '../shared-data';

describe('formatLike', () => {
  it.each(['public/models/manifest.json', 'package.json', 'tsconfig.json'])('gives %s back unchanged', (file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    expect(`${formatLike(JSON.parse(text), readLayout(text))}\n`).toBe(text);
  });

  it('keeps one-line and spread containers as they were, with new members inside them', () => {
    const text = '{\n  "a": { "path": "x" },\n  "b": [1, 2],\n  "c": {\n    "d": []\n  }\n}';
    const value = JSON.parse(text) as { a: Record<string, unknown>; b: number[]; c: Record<string, unknown> };
    value.a.sha256 = 'ff';
    value.b.push(3);
    value.c.e = { f: [true] };
    expect(formatLike(value, readLayout(text))).toBe(
      '{\n  "a": { "path": "x", "sha256": "ff" },\n  "b": [1, 2, 3],\n  "c": {\n    "d": [],\n    "e": {\n      "f": [\n        true\n      ]\n    }\n  }\n}',
    );
  });

  it.each(['{"a": 1', '{"a" 1}', '[1,]', '{} x'])('refuses %j, naming where it stops being JSON', (text) => {
    expect(() => readLayout(text)).toThrow(/^not JSON at offset \d+$/);
  });
});
