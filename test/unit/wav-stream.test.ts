/**
 * Block-by-block WAV reading gives exactly what `decodeWav` gives on the whole file, for every layout the decoder
 * reads (a table of files), and the CLI's block reader gives the clip the one-shot path gives.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../src/audio/wav';
import { decodeFrames, readWavLayout, type ReadAt } from '../../src/audio/wav-stream';
import { readClip } from '../../cli/audio-file';
import { openWavBlocks } from '../../cli/wav-blocks';
import { ravdessClip } from '../shared-data';
import { ravdessMetadata } from '../ravdess';

const readerOf =
  (bytes: Uint8Array): ReadAt =>
  (position, length) =>
    Promise.resolve(bytes.subarray(position, Math.min(bytes.length, position + length)));

/** A WAV file with `channels` interleaved channels of `bits`-bit integer PCM (or 32-bit float), chunks as given. */
function wavFile(opts: {
  channels: number;
  rate: number;
  bits: 16 | 24 | 32;
  float?: boolean;
  frames: number;
  before?: Uint8Array;
  dataFirst?: boolean;
  cutBytes?: number;
}): Uint8Array {
  const { channels, rate, bits, frames } = opts;
  const bytesPer = bits / 8;
  const data = new Uint8Array(frames * channels * bytesPer);
  const dv = new DataView(data.buffer);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < channels; c++) {
      const x = 0.5 * Math.sin((f + 1) * (c + 1) * 0.01);
      const at = (f * channels + c) * bytesPer;
      if (opts.float === true) dv.setFloat32(at, x, true);
      else if (bits === 16) dv.setInt16(at, Math.round(x * 32767), true);
      else if (bits === 24) {
        const v = Math.round(x * 8388607);
        dv.setUint8(at, v & 0xff);
        dv.setUint8(at + 1, (v >> 8) & 0xff);
        dv.setInt8(at + 2, v >> 16);
      } else dv.setInt32(at, Math.round(x * 2147483647), true);
    }
  const fmt = new Uint8Array(16);
  const fv = new DataView(fmt.buffer);
  fv.setUint16(0, opts.float === true ? 3 : 1, true);
  fv.setUint16(2, channels, true);
  fv.setUint32(4, rate, true);
  fv.setUint32(8, rate * channels * bytesPer, true);
  fv.setUint16(12, channels * bytesPer, true);
  fv.setUint16(14, bits, true);
  const chunk = (id: string, body: Uint8Array): number[] => {
    const head = Array.from(id, (ch) => ch.charCodeAt(0));
    const n = body.length;
    return [
      ...head,
      n & 0xff,
      (n >> 8) & 0xff,
      (n >> 16) & 0xff,
      (n >>> 24) & 0xff,
      ...body,
      ...(n % 2 === 1 ? [0] : []),
    ];
  };
  const chunks =
    opts.dataFirst === true ? [chunk('data', data), chunk('fmt ', fmt)] : [chunk('fmt ', fmt), chunk('data', data)];
  const extra = opts.before === undefined ? [] : chunk('LIST', opts.before);
  const body = Array.from('WAVE', (ch) => ch.charCodeAt(0)).concat(extra, ...chunks);
  const riff = Array.from('RIFF', (ch) => ch.charCodeAt(0));
  const n = body.length;
  const file = Uint8Array.from([...riff, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff, ...body]);
  return opts.cutBytes === undefined ? file : file.subarray(0, file.length - opts.cutBytes);
}

const CASES = [
  { name: '16-bit mono', file: wavFile({ channels: 1, rate: 16_000, bits: 16, frames: 5000 }) },
  { name: '24-bit stereo at 44.1 kHz', file: wavFile({ channels: 2, rate: 44_100, bits: 24, frames: 4000 }) },
  {
    name: '32-bit float, 3 channels',
    file: wavFile({ channels: 3, rate: 48_000, bits: 32, float: true, frames: 3000 }),
  },
  {
    name: 'an odd-sized chunk before the samples',
    file: wavFile({ channels: 1, rate: 8000, bits: 16, frames: 900, before: new Uint8Array(333) }),
  },
  {
    name: 'samples before the format',
    file: wavFile({ channels: 2, rate: 16_000, bits: 16, frames: 700, dataFirst: true }),
  },
  {
    name: 'a file cut in the middle of a frame',
    file: wavFile({ channels: 2, rate: 16_000, bits: 16, frames: 2000, cutBytes: 1001 }),
  },
];

describe('readWavLayout + decodeFrames', () => {
  it.each(CASES)('$name: blocks decode to what the whole file decodes to', async ({ file }) => {
    const whole = decodeWav(file);
    const layout = await readWavLayout(readerOf(file), file.length);
    expect([layout.format.sampleRate, layout.format.channels]).toEqual([whole.sampleRate, whole.channels.length]);
    const blocks: Float32Array[][] = [];
    const step = layout.frameBytes * 37;
    for (let at = 0; at < layout.dataBytes; at += step)
      blocks.push(
        decodeFrames(
          file.subarray(layout.dataOffset + at, layout.dataOffset + Math.min(layout.dataBytes, at + step)),
          layout,
        ),
      );
    whole.channels.forEach((ch, c) => {
      expect(Float32Array.from(blocks.flatMap((b) => Array.from(b[c] ?? [])))).toEqual(ch);
    });
  });

  it.each([
    ['text', new TextEncoder().encode('not a wav file at all'), 'not-audio'],
    ['no format chunk', wavFile({ channels: 1, rate: 16_000, bits: 16, frames: 10 }).subarray(0, 12), 'decode-failed'],
    ['a header with no samples', encodeWav(new Float32Array(0), 16_000), 'empty-audio'],
  ])('refuses %s', async (_, file, code) => {
    await expect(readWavLayout(readerOf(file), file.length)).rejects.toMatchObject({ code });
  });
});

describe('openWavBlocks', () => {
  it('reads a 44.1 kHz stereo file to the 16 kHz mono clip the one-shot reader gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmer-wavblocks-'));
    const path = join(dir, 'stereo.wav');
    writeFileSync(path, wavFile({ channels: 2, rate: 44_100, bits: 16, frames: 44_100 * 40 }));
    const { duration, blocks } = await openWavBlocks(path);
    const parts: Float32Array[] = [];
    for await (const b of blocks) parts.push(b);
    const streamed = Float32Array.from(parts.flatMap((p) => Array.from(p)));
    const once = await readClip(path);
    expect(duration).toBe(40);
    expect(parts.length).toBeGreaterThan(1);
    expect(streamed.length).toBe(once.length);
    let worst = 0;
    for (let i = 0; i < once.length; i++) worst = Math.max(worst, Math.abs((streamed[i] ?? 0) - (once[i] ?? 0)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('reads a RAVDESS clip to exactly its samples', async () => {
    const row = ravdessMetadata()[0];
    if (row === undefined) throw new Error('metadata.csv is empty');
    const { blocks } = await openWavBlocks(ravdessClip(row.path));
    const parts: Float32Array[] = [];
    for await (const b of blocks) parts.push(b);
    const expected = decodeWav(readFileSync(ravdessClip(row.path))).channels[0];
    expect(Float32Array.from(parts.flatMap((p) => Array.from(p)))).toEqual(expected);
  });
});
