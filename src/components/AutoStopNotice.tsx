import type { AutoStopReason } from '../audio/capture';
import { formatClock } from '../audio/recording-buffer';
import { MAX_CLIP_SECONDS } from '../audio/validate';
import { Notice } from './Notice';

interface Props {
  /** Why recording stopped by itself, or null when the user stopped it. */
  readonly reason: AutoStopReason | null;
  readonly onDismiss: () => void;
}

/** Says why a recording ended without the user stopping it (the length limit, or the microphone went away). */
export function AutoStopNotice({ reason, onDismiss }: Props) {
  if (reason === 'limit') {
    return (
      <Notice tone="info" testId="autostop-notice" onDismiss={onDismiss}>
        Recording stopped automatically at the {formatClock(MAX_CLIP_SECONDS)} limit.
      </Notice>
    );
  }
  if (reason === 'ended') {
    return (
      <Notice tone="warning" testId="autostop-notice" onDismiss={onDismiss}>
        The microphone stopped delivering audio, so recording ended. What was recorded is kept.
      </Notice>
    );
  }
  return null;
}
