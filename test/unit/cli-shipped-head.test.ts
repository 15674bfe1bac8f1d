/**
 * The shipped embedded head through the CLI as a user runs it: `eval` on a folder whose labels are a subset of the
 * head's (with and without speaker adaptation) and `predict --adapt-speakers`. The folder is written to a temp dir
 * and points at the shared RAVDESS clips; nothing is copied into the repository.
 */
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mmer } from './run-mmer';
import { ravdessMetadata } from '../ravdess';
import { RAVDESS_DIR, REPO_ROOT, ravdessClip } from '../shared-data';

const HEAD = join(REPO_ROOT, 'public/models/heads/lite-ravdess8');

interface EvalReport {
  clips: number;
  adapted: boolean;
  ua: number;
  labels: string[];
  recall: (number | null)[];
  confusion: number[][];
}

describe('the shipped head in the CLI', () => {
  let withSpeakers: string;
  let noSpeakers: string;
  const picked = ravdessMetadata().filter(
    (r) => ['angry', 'sad'].includes(r.emotion) && ['14', '15'].includes(r.actor),
  );

  beforeAll(() => {
    withSpeakers = mkdtempSync(join(tmpdir(), 'mmer-shipped-'));
    noSpeakers = mkdtempSync(join(tmpdir(), 'mmer-shipped-nospk-'));
    // Paths stay inside the dataset folder: each actor's folder is linked in, not copied.
    for (const dir of [withSpeakers, noSpeakers]) {
      for (const actor of new Set(picked.map((r) => r.path.split('/')[0] ?? '')))
        symlinkSync(join(RAVDESS_DIR, actor), join(dir, actor));
    }
    const line = (_dir: string, r: (typeof picked)[number], speaker: boolean): string =>
      `${r.path},${r.emotion}${speaker ? `,${r.actor}` : ''}`;
    writeFileSync(
      join(withSpeakers, 'metadata.csv'),
      `path,emotion,actor\n${picked.map((r) => line(withSpeakers, r, true)).join('\n')}\n`,
    );
    writeFileSync(
      join(noSpeakers, 'metadata.csv'),
      `path,emotion\n${picked.map((r) => line(noSpeakers, r, false)).join('\n')}\n`,
    );
  });

  it(
    'evaluates a folder with two of its eight labels, plain and adapted to each speaker',
    { timeout: 180_000 },
    async () => {
      const plain = await mmer(['eval', '--head', HEAD, '--data', withSpeakers, '--json']);
      expect(plain.code, plain.stderr).toBe(0);
      const p = JSON.parse(plain.stdout) as EvalReport;
      expect(p.clips).toBe(picked.length);
      expect(p.labels).toHaveLength(8);
      const present = p.labels.map((l, i) => (['angry', 'sad'].includes(l) ? i : -1)).filter((i) => i >= 0);
      expect(p.recall.filter((r) => r !== null)).toHaveLength(2);
      expect(p.confusion.flat().reduce((a, b) => a + b, 0)).toBe(picked.length);
      // UA is the mean recall over the two labels present, and angry vs sad is an easy pair for prosody.
      expect(p.ua).toBeCloseTo(present.reduce((s, i) => s + (p.recall[i] ?? 0), 0) / 2, 6);
      expect(p.ua).toBeGreaterThan(0.5);

      const adapted = await mmer(['eval', '--head', HEAD, '--data', withSpeakers, '--json', '--adapt-speakers']);
      expect(adapted.code, adapted.stderr).toBe(0);
      const a = JSON.parse(adapted.stdout) as EvalReport;
      expect(a.adapted).toBe(true);
      expect(a.clips).toBe(picked.length);
      expect(a.confusion.flat().reduce((x, y) => x + y, 0)).toBe(picked.length);
    },
  );

  it('refuses --adapt-speakers without a speaker column, naming it', { timeout: 120_000 }, async () => {
    const r = await mmer(['eval', '--head', HEAD, '--data', noSpeakers, '--adapt-speakers']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--adapt-speakers needs a speaker \(or actor\) column/);
  });

  it('predict --adapt-speakers scores each file with its folder as the speaker', { timeout: 120_000 }, async () => {
    const files = picked.filter((r) => r.actor === '14').map((r) => ravdessClip(r.path));
    const plain = await mmer(['predict', '--head', HEAD, '--json', ...files]);
    const adapted = await mmer(['predict', '--head', HEAD, '--json', '--adapt-speakers', ...files]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(adapted.code, adapted.stderr).toBe(0);
    type Row = { file: string; scores: { label: string; score: number }[] };
    const [pr, ar] = [JSON.parse(plain.stdout) as Row[], JSON.parse(adapted.stdout) as Row[]];
    expect(ar.map((r) => r.file)).toEqual(files);
    for (const r of ar) expect(r.scores.reduce((s, x) => s + x.score, 0)).toBeCloseTo(1, 4);
    expect(ar.map((r) => r.scores[0]?.score)).not.toEqual(pr.map((r) => r.scores[0]?.score));
  });
});
