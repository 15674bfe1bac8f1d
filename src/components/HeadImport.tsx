import { useId } from 'react';
import { useFileDrop } from '../hooks/useFileDrop';
import { HEAD_ACCEPT, type PickedFile } from '../page/head-files';

interface Props {
  readonly disabled: boolean;
  /** True when a head is active: the control then replaces it. */
  readonly replacing: boolean;
  readonly onFiles: (files: readonly PickedFile[]) => void;
}

/**
 * "Import head": a multi-file picker and a drop target for a trained head's two files (config.json and
 * model.safetensors, chosen or dropped together). The files are read in the page and never leave it.
 */
export function HeadImport({ disabled, replacing, onFiles }: Props) {
  const inputId = useId();
  const { over, handlers } = useFileDrop(disabled, onFiles);

  return (
    <div
      className={`head-import${over ? ' over' : ''}${disabled ? ' disabled' : ''}`}
      {...handlers}
      data-testid="head-drop"
    >
      <input
        id={inputId}
        className="visually-hidden-input"
        type="file"
        multiple
        accept={HEAD_ACCEPT}
        data-testid="head-input"
        disabled={disabled}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          // Cleared so that choosing the same files again (e.g. after fixing one) fires another change.
          e.currentTarget.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      <label
        htmlFor={inputId}
        className={`button${disabled ? ' disabled' : ''}`}
        aria-disabled={disabled}
        data-testid="head-import"
      >
        {replacing ? 'Import another head…' : 'Import head…'}
      </label>
      <span className="muted small">config.json + model.safetensors, chosen or dropped together</span>
    </div>
  );
}
