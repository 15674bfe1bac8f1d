/**
 * Plays library clips, one at a time: the original file when the library kept it, else the stored 16 kHz PCM as
 * a WAV built in the page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { SAMPLE_RATE } from '../audio/rate';
import { encodeWav } from '../audio/wav';
import type { ClipLibrary } from '../data/library/library-types';

export interface UsePlayer {
  /** Id of the clip playing now, or null. */
  readonly playing: string | null;
  /** Plays the clip, or stops it when it is the one playing. */
  readonly toggle: (clipId: string) => void;
}

export function usePlayer(store: ClipLibrary | null): UsePlayer {
  const [playing, setPlaying] = useState<string | null>(null);
  const current = useRef<{ audio: HTMLAudioElement; url: string; id: string } | null>(null);

  const stop = useCallback(() => {
    const c = current.current;
    if (c === null) return;
    c.audio.pause();
    URL.revokeObjectURL(c.url);
    current.current = null;
    setPlaying(null);
  }, []);

  useEffect(() => stop, [stop]);

  const toggle = useCallback(
    (clipId: string) => {
      const wasPlaying = current.current?.id === clipId;
      stop();
      if (wasPlaying || store === null) return;
      void store.getAudio(clipId).then((a) => {
        if (a === null) return;
        const blob =
          a.original ?? new Blob([encodeWav(a.pcm, SAMPLE_RATE) as Uint8Array<ArrayBuffer>], { type: 'audio/wav' });
        const url = URL.createObjectURL(blob);
        const audio = new Audio(url);
        current.current = { audio, url, id: clipId };
        setPlaying(clipId);
        audio.addEventListener('ended', () => {
          if (current.current?.id === clipId) stop();
        });
        audio.play().catch(() => {
          if (current.current?.id === clipId) stop();
        });
      });
    },
    [store, stop],
  );

  return { playing, toggle };
}
