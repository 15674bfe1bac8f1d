import { SAMPLE_RATE } from '../audio/rate';
import { failsAgain, type ErrorCode } from '../core/errors';
import { SaveClipButton } from './SaveClipButton';

interface Props {
  readonly code: ErrorCode;
  readonly pcm: Float32Array;
  /** "Microphone recording" or the file's name. */
  readonly source: string;
  readonly recorded: boolean;
  readonly disabled: boolean;
  /** The id of the page's file input: a label for it opens the file picker. */
  readonly fileInputId: string;
  readonly onRetry: () => void;
  readonly onRecordAgain: () => void;
}

/**
 * What can be done about a clip that was not analysed. A fault of the clip itself (too short, silent, ...) would
 * only repeat on a retry, so the person is offered a new recording or another file instead; other failures (the
 * engine crashed, a backend gave out) are worth retrying. The clip can always be saved.
 */
export function ClipFailureActions({
  code,
  pcm,
  source,
  recorded,
  disabled,
  fileInputId,
  onRetry,
  onRecordAgain,
}: Props) {
  let next;
  if (!failsAgain(code)) {
    next = (
      <button type="button" className="button" data-testid="retry" disabled={disabled} onClick={onRetry}>
        Retry analysis
      </button>
    );
  } else if (recorded) {
    next = (
      <button type="button" className="button" data-testid="record-again" disabled={disabled} onClick={onRecordAgain}>
        Record again
      </button>
    );
  } else {
    next = (
      <label
        htmlFor={fileInputId}
        className={`button${disabled ? ' disabled' : ''}`}
        aria-disabled={disabled}
        data-testid="choose-another"
      >
        Choose another file…
      </label>
    );
  }
  return (
    <>
      {code === 'too-long' ? (
        // Long recordings have their own screen, which finds the speech and scores it stretch by stretch.
        <a className="button" href="#timeline" data-testid="open-timeline">
          Use the Timeline for long recordings
        </a>
      ) : null}
      {next}
      <SaveClipButton pcm={pcm} sampleRate={SAMPLE_RATE} name={source} />
    </>
  );
}
