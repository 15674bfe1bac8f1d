import { describe, expect, it } from 'vitest';
import { parseRavdessName } from '../../src/data/ravdess';

const KIDS = 'Kids are talking by the door';
const DOGS = 'Dogs are sitting by the door';

describe('parseRavdessName', () => {
  it.each([
    ['03-01-05-02-01-01-12.wav', { emotion: 'angry', speaker: '12', transcript: KIDS, intensity: 'strong' }],
    ['03-01-01-01-01-01-01.wav', { emotion: 'neutral', speaker: '01', transcript: KIDS, intensity: 'normal' }],
    ['03-01-02-01-02-02-24.WAV', { emotion: 'calm', speaker: '24', transcript: DOGS, intensity: 'normal' }],
    ['03-01-03-02-02-01-07.flac', { emotion: 'happy', speaker: '07', transcript: DOGS, intensity: 'strong' }],
    ['03-01-04-01-01-02-10.mp3', { emotion: 'sad', speaker: '10', transcript: KIDS, intensity: 'normal' }],
    ['03-01-06-02-01-01-03.Ogg', { emotion: 'fearful', speaker: '03', transcript: KIDS, intensity: 'strong' }],
    ['03-01-07-01-01-01-15.webm', { emotion: 'disgust', speaker: '15', transcript: KIDS, intensity: 'normal' }],
    [
      'ravdess/Actor_16/03-01-08-02-02-02-16.wav',
      { emotion: 'surprised', speaker: '16', transcript: DOGS, intensity: 'strong' },
    ],
    [
      'C:\\data\\Actor_02\\03-01-05-01-01-01-02.opus',
      { emotion: 'angry', speaker: '02', transcript: KIDS, intensity: 'normal' },
    ],
  ])('reads %s', (name, expected) => {
    expect(parseRavdessName(name)).toEqual(expected);
  });

  it.each([
    ['song', '03-02-05-02-01-01-12.wav'],
    ['audio-video', '01-01-05-02-01-01-12.wav'],
    ['video only', '02-01-05-02-01-01-12.mp4'],
    ['emotion 00', '03-01-00-01-01-01-12.wav'],
    ['emotion 09', '03-01-09-01-01-01-12.wav'],
    ['intensity 03', '03-01-05-03-01-01-12.wav'],
    ['strong neutral (not in the corpus)', '03-01-01-02-01-01-12.wav'],
    ['statement 03', '03-01-05-02-03-01-12.wav'],
    ['repetition 03', '03-01-05-02-01-03-12.wav'],
    ['actor 00', '03-01-05-02-01-01-00.wav'],
    ['one-digit actor', '03-01-05-02-01-01-1.wav'],
    ['three-digit actor', '03-01-05-02-01-01-123.wav'],
    ['too few fields', '03-01-05-02-01-12.wav'],
    ['too many fields', '03-01-05-02-01-01-12-01.wav'],
    ['not audio', '03-01-05-02-01-01-12.txt'],
    ['no extension', '03-01-05-02-01-01-12'],
    ['prefix', 'x03-01-05-02-01-01-12.wav'],
    ['suffix before the extension', '03-01-05-02-01-01-12 (1).wav'],
    ['letters', '03-01-AB-02-01-01-12.wav'],
    ['folder named like a clip', '03-01-05-02-01-01-12.wav/readme.wav'],
    ['empty', ''],
  ])('rejects %s (%s)', (_why, name) => {
    expect(parseRavdessName(name)).toBeNull();
  });
});
