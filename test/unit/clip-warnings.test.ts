/** Warnings that do not refuse a clip: a WAV cut short and clipping, decided on the decoded channels. */
import { describe, expect, it } from 'vitest';
import { CLIPPED_SHARE, clippedShare, clippingWarning, describeWarning } from '../../src/audio/clip-warnings';
import { decodeAudioFile } from '../../src/audio/decode-file';
import { decodeWav, encodeWav, wavWarnings } from '../../src/audio/wav';
import { failsAgain, type ErrorCode } from '../../src/core/errors';

/** 1 s of a 220 Hz tone at `peak`, with `clipped` of its samples pushed to full scale. */
function tone(peak: number, clipped = 0, rate = 16_000): Float32Array {
  const pcm = new Float32Array(rate).map((_, i) => peak * Math.sin((2 * Math.PI * 220 * i) / rate));
  const step = clipped === 0 ? 0 : Math.floor(1 / clipped);
  for (let i = 0, n = 0; step > 0 && n < Math.round(clipped * rate); i += step, n++) pcm[i] = n % 2 === 0 ? 1 : -1;
  return pcm;
}

/** A WAV of `pcm` whose data chunk says it holds `declaredSeconds` but holds what `pcm` has. */
function cutWav(pcm: Float32Array, declaredSeconds: number): Uint8Array {
  const bytes = encodeWav(pcm, 16_000);
  new DataView(bytes.buffer).setUint32(40, Math.round(declaredSeconds * 16_000) * 2, true);
  return bytes;
}

describe('a WAV cut short', () => {
  it('is decoded as far as it goes and says how much its header promised', () => {
    const wav = decodeWav(cutWav(tone(0.5), 2));
    expect(wav.channels[0]?.length).toBe(16_000);
    expect(wav.promisedFrames).toBe(32_000);
    const [warning] = wavWarnings(wav);
    expect(warning).toEqual({ kind: 'truncated', presentSeconds: 1, promisedSeconds: 2 });
    expect(describeWarning(warning ?? { kind: 'clipped', share: 0 })).toContain(
      'its header promises 2.00 s of audio but it holds only 1.00 s',
    );
  });

  it.each([
    ['a missing last frame', 1 + 1 / 16_000],
    ['a missing twentieth of a second', 1.05],
  ])('is not flagged for %s', (_, declared) => {
    const wav = decodeWav(cutWav(tone(0.5), declared));
    expect(wav.promisedFrames).toBeUndefined();
    expect(wavWarnings(wav)).toEqual([]);
  });

  it('reaches the page decoder as a warning, with the clip', async () => {
    const file = new File([new Uint8Array(cutWav(tone(0.5), 4))], 'cut.wav', { type: 'audio/wav' });
    const { pcm, warnings } = await decodeAudioFile(file);
    expect(pcm.length).toBe(16_000);
    expect(warnings.map((w) => w.kind)).toEqual(['truncated']);
  });
});

describe('clipping', () => {
  it.each([
    { name: 'clean speech-level tone', pcm: tone(0.5), warned: false },
    { name: 'a loud but clean tone (peak 0.98)', pcm: tone(0.98), warned: false },
    { name: '0.5 % of samples at full scale', pcm: tone(0.5, 0.005), warned: false },
    { name: '1 % at full scale', pcm: tone(0.5, 0.01), warned: true },
    {
      name: 'a tone driven to 3x full scale and cut (heavily clipped)',
      pcm: tone(3).map((s) => Math.max(-1, Math.min(1, s))),
      warned: true,
    },
  ])('$name: warned $warned', ({ pcm, warned }) => {
    expect(clippingWarning([pcm]) !== null).toBe(warned);
  });

  it('judges the worst channel, so one clipped channel of a stereo file is not averaged away', () => {
    const share = clippedShare([tone(0.2), tone(0.5, 0.05)]);
    expect(share).toBeGreaterThanOrEqual(0.05 - 1e-3);
    expect(share).toBeGreaterThan(CLIPPED_SHARE);
  });

  it('is found in an 8-bit WAV, whose largest value is 127/128', async () => {
    const pcm = tone(3).map((s) => Math.max(-1, Math.min(1, s)));
    const bytes = new Uint8Array(44 + pcm.length);
    bytes.set(encodeWav(new Float32Array(0), 16_000).subarray(0, 44));
    const view = new DataView(bytes.buffer);
    view.setUint32(4, 36 + pcm.length, true);
    view.setUint32(28, 16_000, true);
    view.setUint16(32, 1, true);
    view.setUint16(34, 8, true);
    view.setUint32(40, pcm.length, true);
    pcm.forEach((s, i) => {
      view.setUint8(44 + i, Math.max(0, Math.min(255, Math.round(s * 128 + 128))));
    });
    const { warnings } = await decodeAudioFile(new File([bytes], 'loud8.wav'));
    const clipped = warnings.find((w) => w.kind === 'clipped');
    expect(clipped?.kind === 'clipped' ? clipped.share : 0).toBeGreaterThan(0.5);
    expect(describeWarning(clipped ?? { kind: 'truncated', presentSeconds: 0, promisedSeconds: 0 })).toMatch(
      /The recording is clipped: \d+ % of its samples are at full scale/,
    );
  });
});

describe('failsAgain', () => {
  it.each<[ErrorCode, boolean]>([
    ['too-short', true],
    ['too-long', true],
    ['silent', true],
    ['empty-audio', true],
    ['decode-failed', true],
    ['not-audio', true],
    ['worker-crashed', false],
    ['internal', false],
    ['backend-unavailable', false],
  ])('%s: %s', (code, again) => {
    expect(failsAgain(code)).toBe(again);
  });
});
