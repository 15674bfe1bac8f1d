/**
 * Block-by-block WAV reading gives exactly what `decodeWav` gives on the whole file, for every layout the decoder
 * reads (a table of files), and the CLI's block reader gives the clip the one-shot path gives.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../src/audio/wav';
import { readWavLayout, type ReadAt } from '../../src/audio/wav-layout';
import { decodeFrames, wavBlocks } from '../../src/audio/wav-stream';
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

describe('wavBlocks', () => {
  it.each([
    { name: 'whole', cutSeconds: 0, warned: false },
    { name: 'a partial last frame', cutSeconds: 1 / 16_000, warned: false },
    { name: 'a second missing', cutSeconds: 1, warned: true },
  ])('says a file is cut short only when it is: $name', async ({ cutSeconds, warned }) => {
    const file = wavFile({ channels: 1, rate: 16_000, bits: 16, frames: 48_000, cutBytes: cutSeconds * 32_000 });
    const audio = await wavBlocks(readerOf(file), file.length);
    expect(audio.warnings).toEqual(
      warned ? [{ kind: 'truncated', presentSeconds: 3 - cutSeconds, promisedSeconds: 3 }] : [],
    );
  });

  it('streams a two-hour file in bounded reads, every sample once', async () => {
    // Generated as it is read: 230 MB that never exist at once, which is what the page and the CLI rely on.
    const rate = 16_000;
    const frames = 2 * 3600 * rate;
    const header = wavFile({ channels: 1, rate, bits: 16, frames: 0 });
    const view = new DataView(header.buffer.slice(0));
    view.setUint32(4, 36 + frames * 2, true);
    view.setUint32(40, frames * 2, true);
    const size = 44 + frames * 2;
    let largest = 0;
    const read: ReadAt = (position, length) => {
      const n = Math.max(0, Math.min(length, size - position));
      largest = Math.max(largest, n);
      const out = new Uint8Array(n);
      const samples = new DataView(out.buffer);
      for (let at = 0; at < n; at++) {
        const p = position + at;
        // Header bytes, then the sample index's low bits as a ramp: each 16-bit sample tells where it came from.
        if (p < 44) out[at] = new Uint8Array(view.buffer)[p] ?? 0;
        else if ((p - 44) % 2 === 1 && at > 0) samples.setInt16(at - 1, ((p - 45) / 2) % 1000, true);
      }
      return Promise.resolve(out);
    };
    const audio = await wavBlocks(read, size);
    expect(audio.duration).toBe(7200);
    expect(audio.warnings).toEqual([]);
    let total = 0;
    let wrong = 0;
    for await (const block of audio.blocks) {
      for (let i = 0; i < block.length; i += 997)
        if (Math.round((block[i] ?? 0) * 32768) !== (total + i) % 1000) wrong++;
      total += block.length;
    }
    expect(total).toBe(frames);
    expect(wrong).toBe(0);
    expect(largest).toBeLessThanOrEqual(512 * 1024);
  }, 120_000);
});
