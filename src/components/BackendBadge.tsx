import type { BackendInfo } from '../worker-api/protocol';
import { backendLabel, type BackendChoice } from '../hooks/url-options';

interface Props {
  readonly info: BackendInfo | null;
  /** What was asked for (`?backend=`), shown while the worker is still choosing. */
  readonly requested: BackendChoice;
}

/** Which inference backend runs the models, and why. `data-testid="backend"` holds the bare id. */
export function BackendBadge({ info, requested }: Props) {
  if (info === null) {
    return (
      <div className="backend-badge pending" aria-live="polite">
        <span className="backend-label">Backend</span>
        <span className="backend-id">{requested === 'auto' ? 'choosing…' : `${requested}…`}</span>
      </div>
    );
  }
  const details: string[] = [];
  if (info.backend !== 'webgpu') details.push(`${info.threads} thread${info.threads === 1 ? '' : 's'}`);
  if (info.adapter !== null) details.push(info.adapter);
  return (
    <div className="backend-badge" aria-live="polite" title={info.reason}>
      <span className="backend-label">Backend</span>
      <code className={`backend-id backend-${info.backend}`} data-testid="backend" aria-label={backendLabel(info.backend)}>
        {info.backend}
      </code>
      <span className="backend-reason" data-testid="backend-reason">
        {info.reason}
        {details.length > 0 ? ` · ${details.join(' · ')}` : ''}
      </span>
    </div>
  );
}
