/**
 * Bad audio files and microphones for the bad-input table: each case does one thing a person might do and says what
 * the page must answer (an error code on a banner, or a warning next to a result).
 */
import { expect, type Page } from '@playwright/test';
import { encodeWav } from '../../../src/audio/wav.ts';
import { recordedAtLeast, tone, writeTempFile, writeTempWav } from '../helpers.ts';
import type { Case } from './table.ts';

/** A 16 kHz mono WAV whose header fields are set by `edit` after a clean 16-bit header is written. */
function editedWav(pcm: Float32Array, edit: (v: DataView) => void): Uint8Array {
  const bytes = encodeWav(pcm, 16_000);
  edit(new DataView(bytes.buffer));
  return bytes;
}

/** A mono 32-bit IEEE-float WAV of `pcm`, whatever values it holds (NaN and infinities included). */
function floatWav(pcm: Float32Array): Uint8Array {
  const bytes = editedWav(new Float32Array(pcm.length * 2), (v) => {
    v.setUint16(20, 3, true);
    v.setUint32(28, 16_000 * 4, true);
    v.setUint16(32, 4, true);
    v.setUint16(34, 32, true);
  });
  const v = new DataView(bytes.buffer);
  pcm.forEach((x, i) => {
    v.setFloat32(44 + 4 * i, x, true);
  });
  return bytes;
}

/** The same WAV with its 24-byte "fmt " chunk taken out (RIFF size mended): data with nothing to read it by. */
function withoutFormat(wav: Uint8Array): Uint8Array {
  const out = new Uint8Array(wav.length - 24);
  out.set(wav.subarray(0, 12));
  out.set(wav.subarray(36), 12);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

function withSample(pcm: Float32Array, at: number, value: number): Float32Array {
  const out = pcm.slice();
  out[at] = value;
  return out;
}

const chooseFile = (name: string, bytes: Uint8Array | string) => async (page: Page) => {
  await page.getByTestId('file-input').setInputFiles(writeTempFile(name, bytes));
};
const chooseWav = (name: string, pcm: Float32Array) => async (page: Page) => {
  await page.getByTestId('file-input').setInputFiles(writeTempWav(name, pcm));
};

/** A clip fault: no retry (it would fail the same way), another file offered, the clip kept for saving. */
async function offersAnotherFile(page: Page): Promise<void> {
  await expect(page.getByTestId('choose-another')).toBeVisible();
  await expect(page.getByTestId('retry')).toHaveCount(0);
  await expect(page.getByTestId('save')).toBeVisible();
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(64).fill(7)]);
const MP3_NOISE = new Uint8Array(4096).map((_, i) => (i * 97 + 13) % 256);
MP3_NOISE.set([0x49, 0x44, 0x33, 0x03, 0, 0, 0, 0, 0, 0], 0);

/** Audio files chosen on the Classify screen. */
export const AUDIO_FILE_CASES: readonly Case[] = [
  {
    name: 'a text file named .wav',
    act: chooseFile('notes.wav', 'These are meeting notes, not a recording.\nLine two.\n'),
    expect: { banner: 'error', code: 'not-audio', message: 'notes.wav' },
  },
  { name: 'an empty file', act: chooseFile('empty.wav', ''), expect: { banner: 'error', code: 'empty-audio' } },
  {
    name: 'a WAV header with no samples',
    act: chooseFile('header-only.wav', encodeWav(new Float32Array(0), 16_000)),
    expect: { banner: 'error', code: 'empty-audio' },
  },
  {
    name: 'a PNG image named .wav',
    act: chooseFile('picture.wav', PNG),
    expect: { banner: 'error', code: 'not-audio', message: 'a PNG image' },
  },
  {
    name: 'a PDF named .mp3',
    act: chooseFile('paper.mp3', `%PDF-1.7\n${'x'.repeat(200)}`),
    expect: { banner: 'error', code: 'not-audio', message: 'a PDF document' },
  },
  {
    name: 'a ZIP archive named .m4a',
    act: chooseFile('archive.m4a', new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array<number>(60).fill(1)])),
    expect: { banner: 'error', code: 'not-audio', message: 'ZIP archive' },
  },
  {
    name: '0.1 s of sound (too short)',
    act: chooseWav('short.wav', tone(0.1)),
    expect: { banner: 'error', code: 'too-short', message: 'at least 0.25 s' },
    then: offersAnotherFile,
  },
  {
    name: '61 s of sound (too long)',
    act: chooseWav('long.wav', tone(61)),
    expect: { banner: 'error', code: 'too-long', message: 'the maximum is 60 s' },
    then: async (page) => {
      await offersAnotherFile(page);
      // Long recordings have a screen of their own, offered here.
      await page.getByTestId('open-timeline').click();
      await expect(page.getByTestId('timeline-screen')).toBeVisible();
      await page.getByTestId('tab-classify').click();
    },
  },
  {
    name: '2 s of digital silence',
    act: chooseWav('silence.wav', new Float32Array(32_000)),
    expect: { banner: 'error', code: 'silent', message: 'Nothing was heard' },
    then: offersAnotherFile,
  },
  {
    name: 'a float WAV with one NaN sample',
    act: chooseFile('nan.wav', floatWav(withSample(tone(1.5), 4000, Number.NaN))),
    expect: { banner: 'error', code: 'decode-failed', message: '1 of its 24,000 samples is not a number' },
    then: offersAnotherFile,
  },
  {
    name: 'a float WAV with infinite samples',
    act: chooseFile('inf.wav', floatWav(withSample(withSample(tone(1.5), 10, Infinity), 20, -Infinity))),
    expect: { banner: 'error', code: 'decode-failed', message: '2 of its 24,000 samples are not a number' },
  },
  {
    name: 'an MP3 whose frames are noise',
    act: chooseFile('damaged.mp3', MP3_NOISE),
    expect: { banner: 'error', code: 'decode-failed', message: 'damaged.mp3' },
  },
  {
    name: 'a big-endian (RIFX) WAV',
    act: chooseFile(
      'rifx.wav',
      editedWav(tone(1), (v) => {
        v.setUint32(0, 0x52494658, false);
      }),
    ),
    expect: { banner: 'error', code: 'decode-failed', message: 'big-endian' },
  },
  {
    name: 'a WAV without a format chunk',
    act: chooseFile('nofmt.wav', withoutFormat(encodeWav(tone(1), 16_000))),
    expect: { banner: 'error', code: 'decode-failed', message: 'no format' },
  },
  {
    name: 'a WAV whose header says 0 channels',
    act: chooseFile(
      'nochannels.wav',
      editedWav(tone(1), (v) => {
        v.setUint16(22, 0, true);
      }),
    ),
    expect: { banner: 'error', code: 'decode-failed', message: '0 channels' },
  },
  {
    name: 'a WAV whose header says 0 Hz',
    act: chooseFile(
      'zerohz.wav',
      editedWav(tone(1), (v) => {
        v.setUint32(24, 0, true);
      }),
    ),
    expect: { banner: 'error', code: 'decode-failed', message: '0 Hz' },
  },
  {
    name: 'a WAV cut short (half of its data missing)',
    act: chooseFile('cut.wav', encodeWav(tone(3), 16_000).slice(0, 44 + 16_000 * 3)),
    expect: { warning: 'clip-warning-truncated', message: 'promises 3.00 s of audio but it holds only 1.50 s' },
    then: async (page) => {
      await expect(page.getByTestId('duration')).toHaveText('1.50 s');
    },
  },
  {
    name: 'a heavily clipped recording',
    act: chooseWav(
      'clipped.wav',
      tone(2, 16_000, 220, 3).map((s) => Math.max(-1, Math.min(1, s))),
    ),
    expect: { warning: 'clip-warning-clipped', message: 'The recording is clipped' },
  },
];

/** What the stand-in microphone does: refuse with a DOMException of that name, hear silence, or go away. */
type FakeMicrophone = { readonly refuse: string } | 'silent' | 'ending';

/**
 * Replaces the page's getUserMedia until `restoreMicrophone`. The stand-ins are written inside the page function
 * (no code built from strings, which the page's Content-Security-Policy forbids).
 */
async function stubMicrophone(page: Page, fake: FakeMicrophone): Promise<void> {
  await page.evaluate((kind) => {
    const md = navigator.mediaDevices;
    const w = window as unknown as { __realGetUserMedia?: MediaDevices['getUserMedia'] };
    w.__realGetUserMedia ??= md.getUserMedia.bind(md);
    md.getUserMedia = () => {
      if (typeof kind === 'object') return Promise.reject(new DOMException('refused in the test', kind.refuse));
      const ctx = new AudioContext();
      const out = ctx.createMediaStreamDestination();
      if (kind === 'ending') {
        const osc = ctx.createOscillator();
        osc.connect(out);
        osc.start();
        setTimeout(() => {
          for (const t of out.stream.getAudioTracks()) {
            t.stop();
            // stop() alone does not fire "ended" on a local track; a device that goes away does.
            t.dispatchEvent(new Event('ended'));
          }
        }, 1500);
      }
      return Promise.resolve(out.stream);
    };
  }, fake);
}

/** Puts the real getUserMedia back. */
export async function restoreMicrophone(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __realGetUserMedia?: MediaDevices['getUserMedia'] };
    if (w.__realGetUserMedia) navigator.mediaDevices.getUserMedia = w.__realGetUserMedia;
  });
}

const refusedWith = (name: string) => async (page: Page) => {
  await stubMicrophone(page, { refuse: name });
  await page.getByTestId('record').click();
};

/** Microphones that refuse, are missing, hear nothing or go away (stand-ins for getUserMedia). */
export const MICROPHONE_CASES: readonly Case[] = [
  {
    name: 'permission refused',
    act: refusedWith('NotAllowedError'),
    expect: { banner: 'error', code: 'mic-denied' },
  },
  { name: 'no microphone', act: refusedWith('NotFoundError'), expect: { banner: 'error', code: 'mic-absent' } },
  {
    name: 'a microphone another application holds',
    act: refusedWith('NotReadableError'),
    expect: { banner: 'error', code: 'mic-absent', message: 'another application' },
  },
  {
    name: 'constraints no microphone meets',
    act: refusedWith('OverconstrainedError'),
    expect: { banner: 'error', code: 'mic-absent' },
  },
  {
    name: 'a recording of silence',
    act: async (page) => {
      await stubMicrophone(page, 'silent');
      await page.getByTestId('record').click();
      await recordedAtLeast(page, 1);
      await page.getByTestId('stop').click();
    },
    expect: { banner: 'error', code: 'silent' },
    then: async (page) => {
      // Recording again is what helps; analysing the same silence again would not.
      await expect(page.getByTestId('retry')).toHaveCount(0);
      await page.getByTestId('record-again').click();
      await recordedAtLeast(page, 1);
      await page.getByTestId('stop').click();
      await expect(page.getByTestId('error')).toHaveAttribute('data-code', 'silent');
    },
  },
  {
    name: 'a microphone that goes away mid-recording',
    act: async (page) => {
      await stubMicrophone(page, 'ending');
      await page.getByTestId('record').click();
    },
    expect: { warning: 'autostop-notice', message: 'The microphone stopped delivering audio' },
  },
];
