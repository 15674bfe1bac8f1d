import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { downmix } from '../../src/audio/downmix';
import { decodeWav, encodeWav } from '../../src/audio/wav';
import { RAVDESS_SAMPLE_RATE, ravdessRow, ravdessSamples } from '../ravdess';
import { ravdessClip } from '../shared-data';

const RAVDESS_REL = 'Actor_01/03-01-01-01-01-01-01.wav';

interface Chunk {
  readonly id: string;
  readonly body: Uint8Array;
  /** Size written in the header when it should differ from the body (e.g. a truncated data chunk). */
  readonly declaredSize?: number;
}

function bytesOf(write: (view: DataView) => void, length: number): Uint8Array {
  const out = new Uint8Array(length);
  write(new DataView(out.buffer));
  return out;
}

/** A RIFF/WAVE file from chunks, with pad bytes after odd-sized chunks. */
function riff(chunks: readonly Chunk[], form = 'WAVE'): Uint8Array {
  const parts: number[] = [];
  const pushAscii = (s: string): void => {
    for (const c of s) parts.push(c.charCodeAt(0));
  };
  const pushU32 = (v: number): void => {
    parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  };
  pushAscii(form);
  for (const { id, body, declaredSize } of chunks) {
    pushAscii(id);
    pushU32(declaredSize ?? body.length);
    parts.push(...body);
    if (body.length % 2 === 1 && declaredSize === undefined) parts.push(0);
  }
  const head = Array.from('RIFF', (c) => c.charCodeAt(0));
  const size = parts.length;
  return Uint8Array.from([
    ...head,
    size & 0xff,
    (size >>> 8) & 0xff,
    (size >>> 16) & 0xff,
    (size >>> 24) & 0xff,
    ...parts,
  ]);
}

function fmt(code: number, channels: number, rate: number, bits: number, extensibleSubFormat?: number): Chunk {
  const ext = extensibleSubFormat !== undefined;
  const body = bytesOf(
    (v) => {
      v.setUint16(0, ext ? 0xfffe : code, true);
      v.setUint16(2, channels, true);
      v.setUint32(4, rate, true);
      v.setUint32(8, (rate * channels * bits) / 8, true);
      v.setUint16(12, (channels * bits) / 8, true);
      v.setUint16(14, bits, true);
      if (ext) {
        v.setUint16(16, 22, true);
        v.setUint16(18, bits, true);
        v.setUint32(20, channels === 2 ? 3 : 4, true);
        v.setUint16(24, extensibleSubFormat, true);
        // Rest of the KSDATAFORMAT GUID suffix: 00 00 00 00 10 00 80 00 00 AA 00 38 9B 71.
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71].forEach((b, i) => {
          v.setUint8(26 + i, b);
        });
      }
    },
    ext ? 40 : 16,
  );
  return { id: 'fmt ', body };
}

type Writer = (v: DataView, offset: number, sample: number) => void;
const writers: Record<string, { bytes: number; write: Writer }> = {
  pcm8: {
    bytes: 1,
    write: (v, o, s) => {
      v.setUint8(o, Math.round(s * 128) + 128);
    },
  },
  pcm16: {
    bytes: 2,
    write: (v, o, s) => {
      v.setInt16(o, Math.round(s * 32768), true);
    },
  },
  pcm24: {
    bytes: 3,
    write: (v, o, s) => {
      const q = Math.round(s * 8388608);
      v.setUint8(o, q & 0xff);
      v.setUint8(o + 1, (q >> 8) & 0xff);
      v.setUint8(o + 2, (q >> 16) & 0xff);
    },
  },
  pcm32: {
    bytes: 4,
    write: (v, o, s) => {
      v.setInt32(o, Math.round(s * 2147483648), true);
    },
  },
  float32: {
    bytes: 4,
    write: (v, o, s) => {
      v.setFloat32(o, s, true);
    },
  },
  float64: {
    bytes: 8,
    write: (v, o, s) => {
      v.setFloat64(o, s, true);
    },
  },
};

function dataChunk(kind: keyof typeof writers, channels: readonly number[][]): Chunk {
  const { bytes, write } = writers[kind] ?? { bytes: 0, write: () => undefined };
  const frames = channels[0]?.length ?? 0;
  const body = bytesOf(
    (v) => {
      for (let i = 0; i < frames; i++) {
        channels.forEach((ch, c) => {
          write(v, (i * channels.length + c) * bytes, ch[i] ?? 0);
        });
      }
    },
    frames * channels.length * bytes,
  );
  return { id: 'data', body };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return 'no error';
}

const samples = [0, 0.5, -0.5, 0.25, -1, 0.75, -0.125];
const right = samples.map((s) => -s / 2);

describe('decodeWav: sample formats', () => {
  it.each([
    { name: '8-bit PCM', kind: 'pcm8', code: 1, bits: 8, tol: 1 / 128 },
    { name: '16-bit PCM', kind: 'pcm16', code: 1, bits: 16, tol: 1e-6 },
    { name: '24-bit PCM', kind: 'pcm24', code: 1, bits: 24, tol: 1e-6 },
    { name: '32-bit PCM', kind: 'pcm32', code: 1, bits: 32, tol: 1e-6 },
    { name: '32-bit float', kind: 'float32', code: 3, bits: 32, tol: 0 },
    { name: '64-bit float', kind: 'float64', code: 3, bits: 64, tol: 0 },
    { name: 'extensible 24-bit PCM', kind: 'pcm24', code: 1, bits: 24, tol: 1e-6, ext: true },
    { name: 'extensible 32-bit float', kind: 'float32', code: 3, bits: 32, tol: 0, ext: true },
  ] as const)('$name, mono and stereo', ({ kind, code, bits, tol, ...rest }) => {
    const ext = 'ext' in rest ? code : undefined;
    for (const channels of [[samples], [samples, right]]) {
      const file = riff([fmt(code, channels.length, 22050, bits, ext), dataChunk(kind, channels)]);
      const decoded = decodeWav(file);
      expect(decoded.sampleRate).toBe(22050);
      expect(decoded.channels.length).toBe(channels.length);
      decoded.channels.forEach((ch, c) => {
        expect(ch.length).toBe(samples.length);
        ch.forEach((v, i) => {
          expect(Math.abs(v - (channels[c]?.[i] ?? NaN))).toBeLessThanOrEqual(tol);
        });
      });
    }
  });

  it('reads 24-bit negative values with sign extension', () => {
    const file = riff([
      fmt(1, 1, 8000, 24),
      { id: 'data', body: Uint8Array.of(0xff, 0xff, 0xff, 0x00, 0x00, 0x80, 0xff, 0xff, 0x7f) },
    ]);
    expect(Array.from(decodeWav(file).channels[0] ?? [])).toEqual([-1 / 8388608, -1, 8388607 / 8388608]);
  });
});

describe('decodeWav: chunk layout', () => {
  const data = dataChunk('pcm16', [samples]);
  it.each([
    {
      name: 'unknown chunk before fmt',
      chunks: [{ id: 'JUNK', body: new Uint8Array(28) }, fmt(1, 1, 16000, 16), data],
    },
    {
      name: 'odd-sized chunk with pad byte',
      chunks: [fmt(1, 1, 16000, 16), { id: 'LIST', body: new Uint8Array(13).fill(7) }, data],
    },
    { name: 'chunks after data', chunks: [fmt(1, 1, 16000, 16), data, { id: 'id3 ', body: new Uint8Array(9) }] },
    { name: 'data before fmt', chunks: [data, fmt(1, 1, 16000, 16)] },
  ])('$name', ({ chunks }) => {
    const decoded = decodeWav(riff(chunks));
    expect(decoded.sampleRate).toBe(16000);
    expect(Array.from(decoded.channels[0] ?? [])).toEqual(samples);
  });

  it('decodes what is there of a truncated data chunk, dropping a partial frame', () => {
    const file = riff([fmt(1, 2, 16000, 16), { id: 'data', body: new Uint8Array(4 * 5 + 3), declaredSize: 100000 }]);
    const decoded = decodeWav(file);
    expect(decoded.channels.map((c) => c.length)).toEqual([5, 5]);
  });

  it('accepts a Uint8Array view that does not start at its buffer start, and an ArrayBuffer', () => {
    const file = riff([fmt(1, 1, 16000, 16), data]);
    const padded = new Uint8Array(file.length + 10);
    padded.set(file, 3);
    expect(Array.from(decodeWav(padded.subarray(3, 3 + file.length)).channels[0] ?? [])).toEqual(samples);
    expect(Array.from(decodeWav(file.slice().buffer).channels[0] ?? [])).toEqual(samples);
  });
});

describe('decodeWav: errors', () => {
  const good = riff([fmt(1, 1, 16000, 16), dataChunk('pcm16', [samples])]);
  it.each([
    { name: 'text', bytes: new TextEncoder().encode('hello, this is not audio at all'), code: 'not-audio' },
    {
      name: 'an MP3 header',
      bytes: Uint8Array.of(0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      code: 'not-audio',
    },
    {
      name: 'a RIFF file of another form (AVI)',
      bytes: riff([{ id: 'avih', body: new Uint8Array(8) }], 'AVI '),
      code: 'not-audio',
    },
    { name: 'fewer than 12 bytes', bytes: good.subarray(0, 8), code: 'not-audio' },
    { name: 'no bytes', bytes: new Uint8Array(0), code: 'not-audio' },
    { name: 'header only (no data chunk)', bytes: riff([fmt(1, 1, 16000, 16)]), code: 'empty-audio' },
    {
      name: 'an empty data chunk',
      bytes: riff([fmt(1, 1, 16000, 16), { id: 'data', body: new Uint8Array(0) }]),
      code: 'empty-audio',
    },
    {
      name: 'less than one frame of data',
      bytes: riff([fmt(1, 2, 16000, 16), { id: 'data', body: new Uint8Array(3) }]),
      code: 'empty-audio',
    },
    { name: 'no fmt chunk', bytes: riff([dataChunk('pcm16', [samples])]), code: 'decode-failed' },
    { name: 'a cut-off fmt chunk', bytes: good.subarray(0, 30), code: 'decode-failed' },
    { name: 'a too-small fmt chunk', bytes: riff([{ id: 'fmt ', body: new Uint8Array(8) }]), code: 'decode-failed' },
    {
      name: 'zero channels',
      bytes: riff([fmt(1, 0, 16000, 16), dataChunk('pcm16', [samples])]),
      code: 'decode-failed',
    },
    {
      name: 'a zero sample rate',
      bytes: riff([fmt(1, 1, 0, 16), dataChunk('pcm16', [samples])]),
      code: 'decode-failed',
    },
    {
      name: 'compressed (ADPCM) data',
      bytes: riff([fmt(2, 1, 16000, 4), { id: 'data', body: new Uint8Array(10) }]),
      code: 'decode-failed',
    },
    {
      name: '12-bit PCM',
      bytes: riff([fmt(1, 1, 16000, 12), { id: 'data', body: new Uint8Array(10) }]),
      code: 'decode-failed',
    },
  ])('$name -> $code', ({ bytes, code }) => {
    expect(codeOf(() => decodeWav(bytes))).toBe(code);
  });

  it('says plainly that the input is not a WAV file', () => {
    expect(() => decodeWav(new TextEncoder().encode('<html>not audio</html>'))).toThrow(/not a WAV file/);
  });
});

describe('encodeWav', () => {
  it('round-trips through decodeWav within 16-bit precision', () => {
    const pcm = Float32Array.from({ length: 1000 }, (_, i) => 0.9 * Math.sin(i / 5));
    const decoded = decodeWav(encodeWav(pcm, 16000));
    expect(decoded.sampleRate).toBe(16000);
    expect(decoded.channels.length).toBe(1);
    const ch = decoded.channels[0] ?? new Float32Array(0);
    expect(ch.length).toBe(pcm.length);
    pcm.forEach((v, i) => {
      expect(Math.abs((ch[i] ?? NaN) - v)).toBeLessThanOrEqual(0.5 / 32768 + 1e-9);
    });
  });

  it('writes a canonical 44-byte 16-bit mono header', () => {
    const file = encodeWav(new Float32Array(10), 44100);
    const v = new DataView(file.buffer);
    expect(file.length).toBe(64);
    expect(new TextDecoder().decode(file.subarray(0, 4))).toBe('RIFF');
    expect(v.getUint32(4, true)).toBe(56);
    expect([
      v.getUint16(20, true),
      v.getUint16(22, true),
      v.getUint32(24, true),
      v.getUint32(28, true),
      v.getUint16(32, true),
      v.getUint16(34, true),
    ]).toEqual([1, 1, 44100, 88200, 2, 16]);
    expect(v.getUint32(40, true)).toBe(20);
  });

  it('clips out-of-range samples and writes NaN as silence', () => {
    const ch = decodeWav(encodeWav(Float32Array.of(1.5, -2, 1, -1, Number.NaN), 8000)).channels[0];
    expect(Array.from(ch ?? [])).toEqual([32767 / 32768, -1, 32767 / 32768, -1, 0]);
  });

  it.each([0, -1, 16000.5])('rejects a sample rate of %s', (rate) => {
    expect(() => encodeWav(new Float32Array(1), rate)).toThrow(AppError);
  });
});

describe('downmix', () => {
  it.each([
    { name: 'no channels', channels: [], expected: [] },
    { name: 'mono', channels: [[0.5, -0.25]], expected: [0.5, -0.25] },
    {
      name: 'stereo',
      channels: [
        [1, 0, 0.5],
        [0, 0, -0.5],
      ],
      expected: [0.5, 0, 0],
    },
    {
      name: 'three channels',
      channels: [
        [0.3, 0.6],
        [0.3, 0],
        [0.3, 0],
      ],
      expected: [0.3, 0.2],
    },
    {
      name: 'unequal lengths use the shortest',
      channels: [
        [1, 1, 1],
        [0, 0],
      ],
      expected: [0.5, 0.5],
    },
  ])('$name', ({ channels, expected }) => {
    const out = downmix(channels.map((c) => Float32Array.from(c)));
    expect(out.length).toBe(expected.length);
    out.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] ?? NaN, 6);
    });
  });

  it('returns a copy for a single channel', () => {
    const mono = Float32Array.of(0.1, 0.2);
    const out = downmix([mono]);
    out[0] = 9;
    expect(mono[0]).toBeCloseTo(0.1);
  });
});

describe('a real RAVDESS clip', () => {
  it('decodes to 16 kHz mono with the samples its header counts and metadata.csv times', () => {
    const decoded = decodeWav(readFileSync(ravdessClip(RAVDESS_REL)));
    expect(decoded.sampleRate).toBe(RAVDESS_SAMPLE_RATE);
    expect(decoded.channels.length).toBe(1);
    const ch = decoded.channels[0] ?? new Float32Array(0);
    expect(ch.length).toBe(ravdessSamples(RAVDESS_REL));
    expect(ch.length / decoded.sampleRate).toBeCloseTo(ravdessRow(RAVDESS_REL).durationS, 3);
    let peak = 0;
    for (const v of ch) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.01);
    expect(peak).toBeLessThanOrEqual(1);
  });
});
