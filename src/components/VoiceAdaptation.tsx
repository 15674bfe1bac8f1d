import { useId } from 'react';
import { MIN_VOICE_CLIPS, type UseVoice } from '../hooks/useVoice';

interface Props {
  readonly voice: UseVoice;
  readonly disabled: boolean;
}

/**
 * "Adapt to my voice": an opt-in checkbox, how many recordings are kept (their statistics, never audio) and whether
 * scores are adapted yet, and a button that forgets them.
 */
export function VoiceAdaptation({ voice, disabled }: Props) {
  const id = useId();
  const { enabled, recordings, profileClips } = voice;
  let status: string;
  if (!enabled && recordings > 0)
    status = `Off: scores are not adapted (${recordings} recordings' statistics are still kept in this browser).`;
  else if (!enabled)
    status = 'Off. When on, each recording’s acoustic statistics (numbers, never audio) are kept in this browser.';
  else if (profileClips > 0) status = `On: scores are adapted to your voice (${profileClips} recordings kept).`;
  else status = `On: adapting after ${MIN_VOICE_CLIPS} recordings (${recordings} kept so far).`;
  return (
    <div
      className="voice-adaptation small"
      data-testid="voice-adaptation"
      data-enabled={enabled}
      data-recordings={recordings}
      data-profile={profileClips}
    >
      <label htmlFor={id} className="voice-toggle">
        <input
          id={id}
          type="checkbox"
          checked={enabled}
          disabled={disabled}
          data-testid="adapt-voice"
          onChange={(e) => {
            voice.setEnabled(e.currentTarget.checked);
          }}
        />{' '}
        Adapt to my voice
      </label>
      <span className="muted" data-testid="voice-status">
        {status}
      </span>
      {recordings > 0 ? (
        <button
          type="button"
          className="button subtle"
          disabled={disabled}
          onClick={voice.forget}
          data-testid="forget-voice"
        >
          Forget my voice
        </button>
      ) : null}
      {voice.error !== null ? <span className="voice-error">{voice.error}</span> : null}
    </div>
  );
}
