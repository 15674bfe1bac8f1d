/**
 * RAVDESS file names carry the label: `MM-VV-EE-II-SS-RR-AA.wav` (modality, vocal channel, emotion, intensity,
 * statement, repetition, actor). Only audio-only speech (03-01) is accepted: the song and video files are other
 * recordings with the same emotions, and mixing them in would change what the head learns.
 */

/** What a RAVDESS name says about its clip. */
export interface RavdessName {
  readonly emotion: string;
  /** The actor, two digits ("12"), as the dataset's actor folders and the CLI's `--val-speakers` name them. */
  readonly speaker: string;
  readonly transcript: string;
  readonly intensity: 'normal' | 'strong';
}

/** Emotion codes 01-08 in the dataset's order. */
export const RAVDESS_EMOTIONS: readonly string[] = [
  'neutral',
  'calm',
  'happy',
  'sad',
  'angry',
  'fearful',
  'disgust',
  'surprised',
];

/** The two statements every actor reads. */
export const RAVDESS_STATEMENTS: readonly string[] = ['Kids are talking by the door', 'Dogs are sitting by the door'];

const AUDIO_EXTENSION = /\.(wav|mp3|ogg|oga|webm|flac|m4a|aac|opus)$/i;
const NAME = /^03-01-(\d\d)-(0[12])-(0[12])-(0[12])-(\d\d)$/;

/** Parses a RAVDESS speech file name or path (any folder, any audio extension in any case); null if malformed. */
export function parseRavdessName(fileName: string): RavdessName | null {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  if (!AUDIO_EXTENSION.test(base)) return null;
  const match = NAME.exec(base.replace(AUDIO_EXTENSION, ''));
  if (match === null) return null;
  const [, emotionCode, intensityCode, statementCode, , actor] = match;
  const emotion = RAVDESS_EMOTIONS[Number(emotionCode) - 1];
  const transcript = RAVDESS_STATEMENTS[Number(statementCode) - 1];
  // Actors are numbered from 01, and neutral has no strong intensity: either marks a name that only looks like RAVDESS.
  if (emotion === undefined || transcript === undefined || actor === undefined || actor === '00') return null;
  if (emotion === 'neutral' && intensityCode === '02') return null;
  return { emotion, speaker: actor, transcript, intensity: intensityCode === '02' ? 'strong' : 'normal' };
}
