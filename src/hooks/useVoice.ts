/**
 * "Adapt to my voice" (opt-in): while it is on, each microphone recording's raw utterance statistics are kept in this
 * browser (voice-store.ts; never audio); from `MIN_VOICE_CLIPS` recordings on, the worker normalises a clip's
 * statistics by their mean and SD (a speaker profile, src/mmer/utterance.ts) before the head scores it. Heads trained
 * with speaker profiles (the shipped embedded head) then read the voice relative to itself, as in training.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { UseMl } from './useMl';
import { addVoiceRow, clearVoiceRows, listVoiceRows, type VoiceRow } from '../page/voice-store';

/** Recordings needed before scores are adapted: fewer give a mean and SD too noisy to normalise by. */
export const MIN_VOICE_CLIPS = 8;

const ENABLED_KEY = 'mmer:adapt-voice';

/** The voice adaptation as the page shows it, and what the person can do with it. */
export interface UseVoice {
  readonly enabled: boolean;
  /** Recordings kept for the current feature set (also while adaptation is off: they stay until forgotten). */
  readonly recordings: number;
  /** Clips in the profile the worker adapts scores with (0: scores are not adapted). */
  readonly profileClips: number;
  /** Why the stored statistics could not be read or written, or null. */
  readonly error: string | null;
  readonly setEnabled: (on: boolean) => void;
  /** Deletes every kept recording's statistics and stops adapting. */
  readonly forget: () => void;
  /** Keeps the statistics of the clip the worker analysed last (call after a microphone recording, when enabled). */
  readonly addRecording: () => void;
}

type MlVoiceApi = Pick<UseMl, 'phase' | 'key' | 'crash'> & {
  readonly worker: Pick<UseMl['worker'], 'setVoice' | 'lastUtteranceStats'>;
};

function readEnabled(): boolean {
  try {
    return window.localStorage.getItem(ENABLED_KEY) === '1';
  } catch {
    return false;
  }
}

function writeEnabled(on: boolean): void {
  try {
    if (on) window.localStorage.setItem(ENABLED_KEY, '1');
    else window.localStorage.removeItem(ENABLED_KEY);
  } catch {
    // Storage switched off: the choice lasts for this visit only.
  }
}

/** The rows of the most recent feature set (statistics of different sets never mix). */
function currentSet(rows: readonly VoiceRow[]): { features: string; rows: Float64Array[] } | null {
  const last = rows.at(-1);
  return last === undefined
    ? null
    : { features: last.features, rows: rows.filter((r) => r.features === last.features).map((r) => r.stats) };
}

/** The current set's rows when there are enough of them to adapt with, else null. */
function usableSet(rows: readonly VoiceRow[]): { features: string; rows: Float64Array[] } | null {
  const set = currentSet(rows);
  return set !== null && set.rows.length >= MIN_VOICE_CLIPS ? set : null;
}

/**
 * Follows the opt-in, the kept statistics and the worker's profile.
 * @param onProfileChanged called after the person turned adaptation on or off or forgot the voice, so the clip on
 *   screen is scored again with or without the profile
 */
export function useVoice(ml: MlVoiceApi, onProfileChanged: () => void): UseVoice {
  const [enabled, setEnabledState] = useState(readEnabled);
  const [rows, setRows] = useState<readonly VoiceRow[]>([]);
  const [profileClips, setProfileClips] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const changedRef = useRef(onProfileChanged);
  useEffect(() => {
    changedRef.current = onProfileChanged;
  });
  const readyEpoch = ml.phase === 'ready' ? `${ml.key}#${String(ml.crash?.restarts ?? 0)}` : null;
  const { setVoice, lastUtteranceStats } = ml.worker;
  // Read even while off, so kept statistics can be forgotten without turning adaptation on again.
  useEffect(() => {
    let live = true;
    listVoiceRows().then(
      (r) => {
        if (live) setRows(r);
      },
      (err: unknown) => {
        if (live) setError(`The kept recordings could not be read: ${String(err)}`);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  // The worker's profile follows the kept rows, in every new worker session too.
  const usable = enabled ? usableSet(rows) : null;
  const usableKey =
    usable === null ? 'none' : `${usable.features}/${String(usable.rows.length)}/${rows.at(-1)?.at ?? ''}`;
  const usableRef = useRef(usable);
  useEffect(() => {
    usableRef.current = usable;
  });
  useEffect(() => {
    if (readyEpoch === null) return;
    let live = true;
    void setVoice(usableRef.current).then((r) => {
      if (live) setProfileClips(r.ok ? r.value : 0);
    });
    return () => {
      live = false;
    };
  }, [readyEpoch, usableKey, setVoice]);

  /** Sets the profile now and scores the clip on screen again with it (after the person's own change). */
  const applyNow = useCallback(
    async (next: ReturnType<typeof usableSet>) => {
      const r = await setVoice(next);
      setProfileClips(r.ok ? r.value : 0);
      changedRef.current();
    },
    [setVoice],
  );

  const setEnabled = useCallback(
    (on: boolean) => {
      writeEnabled(on);
      setEnabledState(on);
      if (!on) {
        void applyNow(null);
        return;
      }
      listVoiceRows().then(
        (r) => {
          setRows(r);
          void applyNow(usableSet(r));
        },
        (err: unknown) => {
          setError(`The kept recordings could not be read: ${String(err)}`);
        },
      );
    },
    [applyNow],
  );

  const forget = useCallback(() => {
    setRows([]);
    void applyNow(null);
    clearVoiceRows().catch((err: unknown) => {
      setError(`The kept recordings could not be deleted: ${String(err)}`);
    });
  }, [applyNow]);

  // The clip just analysed keeps the score it got: it joins the profile for the clips after it.
  const addRecording = useCallback(() => {
    if (!enabled) return;
    void (async () => {
      const r = await lastUtteranceStats();
      if (!r.ok || r.value === null) return;
      try {
        setRows(await addVoiceRow({ features: r.value.features, stats: r.value.stats, at: new Date().toISOString() }));
      } catch (err) {
        setError(`This recording's statistics could not be kept: ${String(err)}`);
      }
    })();
  }, [enabled, lastUtteranceStats]);

  return {
    enabled,
    recordings: currentSet(rows)?.rows.length ?? 0,
    profileClips: enabled ? profileClips : 0,
    error,
    setEnabled,
    forget,
    addRecording,
  };
}
