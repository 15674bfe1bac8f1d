import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { FILE_ACCEPT } from '../../audio/decode-file';
import { MAX_CLIP_SECONDS } from '../../audio/validate';
import { toErrorInfo, type ErrorInfo } from '../../core/errors';
import { importFiles as importToLibrary, importLines, inputFiles, type ImportFile } from '../../page/library-import';
import { useFileDrop } from '../../hooks/useFileDrop';
import type { UseLibrary } from '../../hooks/useLibrary';
import type { UseMl } from '../../hooks/useMl';
import { useRecorder } from '../../hooks/useRecorder';
import { ErrorBanner } from '../ErrorBanner';
import { Notice } from '../Notice';
import { Recorder } from '../Recorder';

interface Props {
  readonly ml: UseMl;
  readonly library: UseLibrary;
}

interface ImportSummary {
  readonly added: number;
  readonly lines: readonly string[];
}

/** Whether a key press belongs to a form control rather than to the page's shortcuts. */
function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement && (target.isContentEditable || target.closest('input, textarea, select') !== null)
  );
}

/**
 * Adding clips: record with a label chosen first (keys 1-9 pick labels, Space records), or import many files or a
 * folder (with its metadata.csv, or RAVDESS-style names). A recording is transcribed by the loaded speech
 * recogniser, when the pair has one, to prefill its transcript.
 */
export function AddClips({ ml, library }: Props) {
  const labels = useMemo(() => library.activeSet?.labels ?? [], [library.activeSet]);
  const [label, setLabel] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const filesId = useId();
  const folderId = useId();
  const folderRef = useRef<HTMLInputElement>(null);
  const { phase } = ml;
  const { analyse } = ml.worker;
  const { addClips } = library;
  const recordings = library.clips.filter((c) => c.source === 'recording').length;
  const chosen = label !== null && labels.some((l) => l.name === label) ? label : null;

  // `webkitdirectory` is not in React's attribute types; set it on the element.
  useEffect(() => {
    folderRef.current?.setAttribute('webkitdirectory', '');
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const n = Number(e.key);
      const picked = Number.isInteger(n) && n >= 1 && n <= 9 ? labels[n - 1] : undefined;
      if (picked !== undefined) setLabel(picked.name);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
    };
  }, [labels]);

  const onRecording = useCallback(
    async (pcm: Float32Array) => {
      setError(null);
      // The transcript is a convenience: without a recogniser (lite pair) or if analysis fails, the clip is still kept.
      const analysis = phase === 'ready' ? await analyse(pcm) : null;
      const transcript = analysis?.ok === true ? analysis.value.transcript : null;
      const r = await addClips([
        {
          name: `Recording ${String(recordings + 1)}`,
          label: chosen,
          transcript,
          transcriptSource: transcript === null ? null : 'asr',
          speaker: null,
          split: null,
          source: 'recording',
          pcm,
          original: null,
        },
      ]);
      if (!r.ok) setError(r.error);
    },
    [analyse, phase, addClips, recordings, chosen],
  );

  const recorder = useRecorder({
    onClip: (pcm) => {
      void onRecording(pcm);
    },
    onError: setError,
  });

  const importFiles = useCallback(
    async (files: readonly ImportFile[]) => {
      if (files.length === 0) return;
      setError(null);
      setSummary(null);
      setProgress({ done: 0, total: files.length });
      try {
        const report = await importToLibrary(
          files,
          async (clips) => {
            const r = await addClips(clips);
            return r.ok ? null : r.error;
          },
          (done, total) => {
            setProgress({ done, total });
          },
        );
        setSummary({ added: report.added, lines: importLines(report) });
        if (report.stopped !== null) setError(report.stopped.error);
      } catch (err) {
        // A metadata.csv of which nothing can be read: nothing was added, and the person is told why.
        setError(toErrorInfo(err));
      } finally {
        setProgress(null);
      }
    },
    [addClips],
  );

  const busy = progress !== null;
  const drop = useFileDrop(
    busy,
    () => undefined,
    (files) => {
      void importFiles(files);
    },
  );

  return (
    <section className="card add-clips" aria-labelledby="add-title" data-testid="add-clips">
      <h2 id="add-title">Add clips</h2>
      <div className="add-grid">
        <div>
          <fieldset className="label-picker">
            <legend className="small">Label for the next recording</legend>
            {labels.map((l, i) => (
              <label
                key={l.name}
                className={`pick${chosen === l.name ? ' picked' : ''}`}
                style={{ borderColor: l.colour }}
              >
                <input
                  type="radio"
                  name="record-label"
                  value={l.name}
                  checked={chosen === l.name}
                  onChange={() => {
                    setLabel(l.name);
                  }}
                />
                {i < 9 ? <kbd>{i + 1}</kbd> : null} {l.name}
              </label>
            ))}
          </fieldset>
          <Recorder
            status={recorder.status}
            level={recorder.level}
            elapsedSeconds={recorder.elapsedSeconds}
            maxSeconds={MAX_CLIP_SECONDS}
            disabled={busy}
            onToggle={recorder.toggle}
          />
          {chosen === null ? <p className="muted small">No label chosen: the recording is stored unlabelled.</p> : null}
        </div>
        <div
          className={`drop-zone${drop.over ? ' over' : ''}${busy ? ' disabled' : ''}`}
          {...drop.handlers}
          data-testid="library-drop"
        >
          <p>Drop audio files or a folder here, or</p>
          <div className="row center">
            <input
              id={filesId}
              className="visually-hidden-input"
              type="file"
              multiple
              accept={`${FILE_ACCEPT},.csv`}
              data-testid="library-files"
              disabled={busy}
              onChange={(e) => {
                const files = inputFiles(e.currentTarget.files);
                e.currentTarget.value = '';
                void importFiles(files);
              }}
            />
            <label htmlFor={filesId} className={`button${busy ? ' disabled' : ''}`}>
              Choose files…
            </label>
            <input
              id={folderId}
              ref={folderRef}
              className="visually-hidden-input"
              type="file"
              data-testid="library-folder"
              disabled={busy}
              onChange={(e) => {
                const files = inputFiles(e.currentTarget.files);
                e.currentTarget.value = '';
                void importFiles(files);
              }}
            />
            <label htmlFor={folderId} className={`button subtle${busy ? ' disabled' : ''}`}>
              Choose a folder…
            </label>
          </div>
          <p className="muted small">
            A folder with a <code>metadata.csv</code> (columns path, emotion, optional transcript and speaker) is
            imported with its labels; RAVDESS file names (03-01-05-…) are labelled from the name.
          </p>
          {progress ? (
            <p role="status" data-testid="import-progress">
              Reading {progress.done} / {progress.total}… <progress max={progress.total} value={progress.done} />
            </p>
          ) : null}
        </div>
      </div>
      {summary ? (
        <Notice
          tone={summary.lines.length > 0 ? 'warning' : 'info'}
          testId="import-summary"
          onDismiss={() => {
            setSummary(null);
          }}
        >
          <strong>Added {summary.added} clip(s).</strong>
          {summary.lines.map((l) => (
            <div key={l}>{l}</div>
          ))}
        </Notice>
      ) : null}
      {error ? (
        <ErrorBanner
          error={error}
          title="The clips were not added"
          testId="add-error"
          onDismiss={() => {
            setError(null);
          }}
        />
      ) : null}
    </section>
  );
}
