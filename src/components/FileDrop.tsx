import { useFileDrop } from '../hooks/useFileDrop';
import { FILE_ACCEPT } from '../audio/decode-file';

interface Props {
  readonly disabled: boolean;
  readonly onFile: (file: File) => void;
  /** The input's id, so other controls (a "choose another file" label) can open the same picker. */
  readonly inputId: string;
}

/** A drop zone and file picker for audio files. */
export function FileDrop({ disabled, onFile, inputId }: Props) {
  const { over, handlers } = useFileDrop(disabled, (files) => {
    const [file] = files;
    if (file) onFile(file);
  });

  return (
    <section className="card file-drop" aria-labelledby="file-title">
      <h2 id="file-title">Audio file</h2>
      <div
        className={`drop-zone${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
        {...handlers}
        data-testid="drop-zone"
      >
        <p>Drop a recording here, or</p>
        <input
          id={inputId}
          className="visually-hidden-input"
          type="file"
          accept={FILE_ACCEPT}
          data-testid="file-input"
          disabled={disabled}
          onChange={(e) => {
            const file = e.currentTarget.files?.item(0);
            // Cleared so that choosing the same file again fires another change.
            e.currentTarget.value = '';
            if (file) onFile(file);
          }}
        />
        <label htmlFor={inputId} className={`button${disabled ? ' disabled' : ''}`} aria-disabled={disabled}>
          Choose a file…
        </label>
        <p className="muted small">WAV, MP3, OGG, WebM, FLAC or M4A; up to 60 s. The file never leaves this page.</p>
      </div>
    </section>
  );
}
