import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTrainable, encodeRecords, readDataset } from '../../cli/dataset';
import { loadNodeEncoders } from '../../src/pipeline/node';
import { MemoryStore } from '../../src/runtime/cache';
import { ravdessClip } from '../shared-data';

/** A dataset folder with two good clips, one unreadable file, one missing file and one unknown label. */
function makeDataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmer-data-'));
  mkdirSync(join(dir, 'clips'));
  copyFileSync(ravdessClip('Actor_01/03-01-04-01-01-01-01.wav'), join(dir, 'clips/sad.wav'));
  copyFileSync(ravdessClip('Actor_01/03-01-05-01-01-01-01.wav'), join(dir, 'clips/angry.wav'));
  writeFileSync(join(dir, 'clips/broken.wav'), 'not audio at all');
  writeFileSync(
    join(dir, 'metadata.csv'),
    [
      'path,emotion,transcript,speaker,extra',
      'clips/sad.wav,sad,Kids are talking by the door,s1,x',
      'clips/angry.wav,angry,,s2,y',
      'clips/broken.wav,sad,Hello,s1,z',
      'clips/gone.wav,sad,Hello,s3,z',
      'clips/angry.wav2,bored,Hello,s3,z',
    ].join('\n'),
  );
  return dir;
}

describe('CLI dataset reading', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeDataset();
  });

  it('skips missing files and unknown labels, saying so', async () => {
    const warnings: string[] = [];
    const { records, labels } = await readDataset(dir, ['sad', 'angry'], (w) => warnings.push(w));
    expect(labels).toEqual(['sad', 'angry']);
    expect(records.map((r) => r.path)).toEqual(['clips/sad.wav', 'clips/angry.wav', 'clips/broken.wav']);
    expect(warnings.join('\n')).toMatch(/2 file\(s\) listed in metadata.csv are missing.*clips\/gone.wav/);
  });

  it('defaults the label list to every label present, sorted', async () => {
    writeFileSync(join(dir, 'clips/angry.wav2'), '');
    const { labels } = await readDataset(dir, null, () => undefined);
    expect(labels).toEqual(['angry', 'bored', 'sad']);
  });

  it('reports unreadable audio per clip and keeps the rest', async () => {
    const warnings: string[] = [];
    const { records } = await readDataset(dir, ['sad', 'angry'], () => undefined);
    const encoders = await loadNodeEncoders({ pair: 'lite', store: new MemoryStore() });
    const out = await encodeRecords(dir, records, ['sad', 'angry'], encoders, { augment: true, seed: 1, label: 'test' }, (w) => warnings.push(w));
    expect(out.records.map((r) => r.path)).toEqual(['clips/sad.wav', 'clips/angry.wav']);
    expect(warnings.join('\n')).toMatch(/skipped clips\/broken.wav: .*not a WAV file/);
    // The clip without a transcript gets no CTC target; the other one does.
    expect(out.examples.map((e) => e.ctcTarget === null)).toEqual([false, true]);
    expect(out.examples.every((e) => e.augmented !== null)).toBe(true);
  });

  it.each([
    { name: 'a folder without metadata.csv', dir: () => mkdtempSync(join(tmpdir(), 'mmer-empty-')), labels: null, message: /No metadata.csv in/ },
    { name: 'labels matching nothing', dir: () => dir, labels: ['calm'], message: /No usable clips/ },
  ])('refuses $name', async ({ dir: d, labels, message }) => {
    await expect(readDataset(d(), labels, () => undefined)).rejects.toThrow(message);
  });

  it('refuses single-class training data', async () => {
    const { records } = await readDataset(dir, ['sad'], () => undefined);
    expect(() => {
      checkTrainable(dir, records);
    }).toThrow(/at least two emotions; .* has only "sad"/);
  });
});
