import type { BackendInfo } from '../runtime/runtime-types';
import { backendLabel, type BackendChoice } from '../page/url-options';

interface Props {
  readonly info: BackendInfo | null;
  /** What was asked for (`?backend=`), shown while the worker is still choosing. */
  readonly requested: BackendChoice;
  /** The models failed to load: the worker is not choosing anything any more. */
  readonly failed: boolean;
}

/**
 * Which inference backend runs the models: its id and threads (or GPU adapter) in the header, why it was chosen on
 * hover and for screen readers (the full sentence does not fit a header). `data-testid="backend"` holds the bare id.
 */
export function BackendBadge({ info, requested, failed }: Props) {
  if (info === null) {
    return (
      <div className="backend-badge pending" aria-live="polite">
        <span className="backend-label">Backend</span>
        <span className="backend-id" data-testid="backend-pending">
          {failed ? 'not loaded' : requested === 'auto' ? 'choosing…' : `${requested}…`}
        </span>
      </div>
    );
  }
  const detail =
    info.backend === 'webgpu' ? info.adapter : `${String(info.threads)} thread${info.threads === 1 ? '' : 's'}`;
  return (
    <div className="backend-badge" aria-live="polite" title={info.reason}>
      <span className="backend-label">Backend</span>
      <code
        className={`backend-id backend-${info.backend}`}
        data-testid="backend"
        aria-label={backendLabel(info.backend)}
      >
        {info.backend}
      </code>
      {detail !== null ? <span className="backend-detail">{detail}</span> : null}
      <span className="sr-only" data-testid="backend-reason">
        {info.reason}
      </span>
    </div>
  );
}
