import { makeFakeMicWav } from './helpers.ts';

/** Prepares the fake-microphone WAV before any browser starts (the launch flags name it). */
export default function globalSetup(): void {
  makeFakeMicWav();
}
