/**
 * The `mmer` CLI end to end as a user runs it (tsx, a real process): train a lite head on a tiny RAVDESS folder,
 * refuse to overwrite it, evaluate it as JSON, predict a file.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mmer } from './run-mmer';
import { ravdessClip } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';
import { uaOfConfusion } from '../metric-checks';

describe('mmer CLI', () => {
  let data: string;
  let head: string;

  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'mmer-cli-'));
    // Its parent folder does not exist yet: train makes it.
    head = join(data, 'heads', 'head');
    mkdirSync(join(data, 'wav'));
    const rows = ['path,emotion,transcript,actor'];
    for (const actor of ['01', '02', '03']) {
      for (const [code, emotion] of [
        ['04', 'sad'],
        ['05', 'angry'],
      ] as const) {
        const name = `03-01-${code}-01-01-01-${actor}.wav`;
        copyFileSync(ravdessClip(`Actor_${actor}/${name}`), join(data, 'wav', name));
        rows.push(`wav/${name},${emotion},Kids are talking by the door,${actor}`);
      }
    }
    writeFileSync(join(data, 'metadata.csv'), `${rows.join('\n')}\n`);
  });

  it('trains, refuses to overwrite, evaluates and predicts', async () => {
    const trained = await mmer([
      'train',
      '--data',
      data,
      '--encoders',
      'lite',
      '--out',
      head,
      '--val-speakers',
      '03',
      '--epochs',
      '1',
      '--batch',
      '4',
      // The threaded wasm build under worker_threads, end to end: it starts, trains and lets the process exit.
      '--threads',
      '2',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/engine: tfjs wasm, 2 thread\(s\)/);
    expect(trained.stderr).toMatch(/created the folder .*heads/);
    expect(trained.stdout).toMatch(/saved .*head \(best epoch 1, validation UA \d+\.\d %, WA \d+\.\d %\)/);
    expect(existsSync(join(head, 'config.json'))).toBe(true);
    expect(existsSync(join(head, 'model.safetensors'))).toBe(true);

    const again = await mmer(['train', '--data', data, '--encoders', 'lite', '--out', head, '--epochs', '1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a trained head; .* --force/);

    const evaluated = await mmer(['eval', '--head', head, '--data', data, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = JSON.parse(evaluated.stdout) as {
      clips: number;
      ua: number;
      wa: number;
      labels: string[];
      confusion: number[][];
    };
    expect(report.clips).toBe(6);
    expect(report.labels).toEqual(['angry', 'sad']);
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
    expect(report.ua).toBeCloseTo(uaOfConfusion(report.confusion), 10);

    const predicted = await mmer(['predict', '--head', head, join(data, 'wav', '03-01-04-01-01-01-01.wav')]);
    expect(predicted.code, predicted.stderr).toBe(0);
    const scores = [...predicted.stdout.matchAll(/(angry|sad) (\d\.\d{3})/g)].map((m) => Number(m[2]));
    expect(scores).toHaveLength(2);
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(scores[0]).toBeGreaterThanOrEqual(scores[1] ?? 0);
  }, 300_000);

  it('fine-tunes the top wav2vec2 layer of the fixture encoder, starting from its weights, and evaluates on the same cut', async () => {
    // The CLI loads the generated fixture models from public/models/fixtures: write them if missing.
    await ensureFixtures();
    const out = join(data, 'fixture-head');
    const trained = await mmer([
      'train',
      '--data',
      data,
      '--encoders',
      'fixture',
      '--out',
      out,
      '--val-speakers',
      '03',
      '--epochs',
      '1',
      '--batch',
      '4',
      '--encoder-layers',
      '1',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(
      /initialised 1 encoder layer\(s\) and the CTC head \(lm_head\) from wav2vec2-tiny-fixture/,
    );
    const saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as {
      config: Record<string, unknown>;
      encoders: { hiddenStateLayer: unknown };
    };
    // Two fixture layers: the head runs layer 1 on the output of layer 0, at the encoder's width.
    expect(saved.encoders.hiddenStateLayer).toBe(0);
    expect(saved.config).toMatchObject({ encoderLayers: 1, encoderHeads: 2, encoderFfn: 64, audioDim: 32, hidden: 32 });
    const evaluated = await mmer(['eval', '--head', out, '--data', data, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect((JSON.parse(evaluated.stdout) as { clips: number }).clips).toBe(6);
  }, 300_000);

  it('explains missing arguments', async () => {
    const r = await mmer(['train', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/train needs --data and --out/);
    // Checked before any encoding or training, so a typo costs seconds, not a training run.
    const typo = await mmer(['train', '--data', data, '--out', join(data, 'metadata.csv', 'head')]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/Cannot save to .*metadata\.csv.* is a file, not a folder/);
    expect(typo.stderr).not.toMatch(/encoding/);
  }, 60_000);

  it.each([
    {
      name: 'a hub URL that is not a URL',
      args: ['--hub-url', 'hf mirror'],
      message: /The hub URL "hf mirror" is not a URL/,
    },
    {
      name: 'a hub URL of another scheme',
      args: ['--hub-url', 'ftp://mirror.example'],
      message: /must start with https:\/\/ or http:\/\//,
    },
    {
      name: 'an unknown learning-rate decay',
      args: ['--lr-decay', 'linear'],
      message: /--lr-decay must be none or cosine \(got "linear"\)/,
    },
    {
      name: 'a manifest that is not there',
      args: ['--manifest', '/nonexistent/manifest.json'],
      message: /Cannot read the model manifest \/nonexistent\/manifest\.json/,
    },
  ])(
    'refuses $name before reading any data',
    async ({ args, message }) => {
      const r = await mmer(['train', '--data', data, '--encoders', 'lite', '--out', join(data, 'never'), ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/encoding/);
    },
    60_000,
  );
});
