import type { ErrorInfo } from '../core/errors';
import { formatMB, overall, type FileProgress, type LoadSnapshot } from '../page/load-progress';
import { DTYPE_WORDS } from '../page/download-size';
import type { MlPhase } from '../hooks/useMl';
import { ErrorBanner } from './ErrorBanner';

interface Props {
  readonly phase: MlPhase;
  readonly progress: LoadSnapshot;
  readonly pairLabel: string;
  readonly restarting: boolean;
  readonly error: ErrorInfo | null;
  readonly onRetry: () => void;
  /** Accepts hub files that changed upstream (offered only for that error) and loads again. */
  readonly onAcceptChanged: () => void;
  /** Switches to the embedded model (no download), offered when loading failed; null on the embedded model itself. */
  readonly onUseEmbedded: (() => void) | null;
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

function fileStatus(f: FileProgress, modelReady: boolean): string {
  switch (f.status) {
    case 'initiate':
      return 'waiting';
    case 'progress': {
      const size = f.total === null ? formatMB(f.loaded) : `${formatMB(f.loaded)} / ${formatMB(f.total)}`;
      const pct = f.total !== null && f.total > 0 ? ` (${percent(f.loaded / f.total)})` : '';
      return `${size}${pct}${f.attempt > 1 ? ` · attempt ${f.attempt}` : ''}`;
    }
    case 'retry':
      return `retrying (attempt ${f.attempt}): ${f.retryReason ?? 'connection problem'}`;
    case 'verify':
      return 'verifying';
    case 'edit':
      return modelReady ? 'ready' : 'optimising graph';
    case 'done':
      return `${formatMB(f.total ?? f.loaded)}${f.fromCache ? ' · from cache' : ''}${modelReady ? '' : ' · loading'}`;
    case 'missing':
      return f.fallback == null
        ? 'not on the server'
        : `not on the server · using the ${DTYPE_WORDS[f.fallback]} instead`;
  }
}

function FileRow({ file, modelReady }: { readonly file: FileProgress; readonly modelReady: boolean }) {
  const fraction =
    file.status === 'done' || file.status === 'edit' || file.status === 'verify' || file.status === 'missing'
      ? 1
      : file.total !== null && file.total > 0
        ? Math.min(1, file.loaded / file.total)
        : null;
  const label = `${file.model}: ${file.file}`;
  return (
    <li className={`file-row file-${file.status}`} data-file={file.file}>
      <span className="file-name" title={label}>
        <span className="file-model">{file.model}</span> {file.file}
      </span>
      {fraction === null ? <progress aria-label={label} /> : <progress aria-label={label} value={fraction} max={1} />}
      <span className="file-status">{fileStatus(file, modelReady)}</span>
    </li>
  );
}

/**
 * Model download and load progress, per file and overall. Collapses to "Models ready" once loaded; shows the
 * error with a Retry button, and the embedded model as a way on, when loading failed.
 */
export function ModelProgress({
  phase,
  progress,
  pairLabel,
  restarting,
  error,
  onRetry,
  onAcceptChanged,
  onUseEmbedded,
}: Props) {
  const ready = new Set(progress.ready.map((r) => r.model));
  const totals = overall(progress.files);
  const files = (
    <ul className="file-list">
      {progress.files.map((f) => (
        <FileRow key={`${f.model}/${f.file}`} file={f} modelReady={ready.has(f.model)} />
      ))}
    </ul>
  );

  if (phase === 'failed') {
    return (
      <section className="model-section" aria-label="Models">
        <ErrorBanner
          title="The models could not be loaded"
          error={error ?? { code: 'internal', message: 'Loading the models failed.' }}
          actions={
            <>
              {error?.code === 'changed-upstream' ? (
                // A retry would meet the same changed file; accepting it is the person's call.
                <button type="button" className="button" onClick={onAcceptChanged} data-testid="accept-changed">
                  Accept the new files and load again
                </button>
              ) : (
                <button type="button" className="button" onClick={onRetry} data-testid="retry-init">
                  Retry
                </button>
              )}
              {onUseEmbedded === null ? null : (
                <button type="button" className="button" onClick={onUseEmbedded} data-testid="use-embedded-instead">
                  Use the embedded model (no download)
                </button>
              )}
            </>
          }
        />
        {progress.files.length > 0 ? (
          <details className="model-details">
            <summary>Files</summary>
            {files}
          </details>
        ) : null}
      </section>
    );
  }

  if (phase === 'ready') {
    const cached =
      totals.fromCache > 0 ? ` (${totals.fromCache === totals.filesTotal ? 'all' : totals.fromCache} from cache)` : '';
    return (
      <section className="model-section" aria-label="Models">
        <details className="models-ready" data-testid="models-ready">
          <summary>
            <span className="ready-dot" aria-hidden="true" /> Models ready
            <span className="muted">
              {' '}
              · {pairLabel}
              {totals.filesTotal > 0 ? ` · ${totals.filesTotal} files, ${formatMB(totals.loaded)}${cached}` : ''}
            </span>
          </summary>
          {progress.ready.length > 0 ? (
            <p className="muted">{progress.ready.map((r) => `${r.model} (${r.dtype})`).join(', ')}</p>
          ) : null}
          {files}
        </details>
      </section>
    );
  }

  const overallText =
    totals.total === null
      ? `${formatMB(totals.loaded)} loaded`
      : `${formatMB(totals.loaded)} / ${formatMB(totals.total)}${totals.fraction === null ? '' : ` (${percent(totals.fraction)})`}`;
  return (
    <section className="model-section" aria-label="Models">
      <div className="model-progress" data-testid="model-progress" aria-busy="true">
        <div className="model-progress-head">
          <strong role="status">{restarting ? 'Restarting the ML engine…' : 'Loading models…'}</strong>
          <span className="muted"> {pairLabel}</span>
        </div>
        {totals.fraction === null ? (
          <progress className="overall" aria-label="Overall model loading progress" />
        ) : (
          <progress className="overall" aria-label="Overall model loading progress" value={totals.fraction} max={1} />
        )}
        <p className="overall-text">
          {progress.files.length === 0
            ? 'Reading the model manifest…'
            : `${overallText} · ${totals.filesDone} of ${totals.filesTotal} files`}
          {progress.ready.length > 0 ? ` · ready: ${progress.ready.map((r) => r.model).join(', ')}` : ''}
        </p>
        {files}
      </div>
    </section>
  );
}
