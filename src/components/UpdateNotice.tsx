import type { AppUpdate } from '../hooks/useAppUpdate';
import { Notice } from './Notice';

interface Props {
  readonly update: AppUpdate;
  /** A training run is going: reloading now would end it, so the reload waits. */
  readonly busy: boolean;
}

/** Says that a new version was installed and offers the reload that starts it, never while a run is going. */
export function UpdateNotice({ update, busy }: Props) {
  if (!update.waiting) return null;
  return (
    <Notice tone="info" testId="update-notice">
      A new version of this app was installed; reload to use it.{' '}
      {busy ? <span data-testid="update-after-training">You can reload once the training run is done.</span> : null}{' '}
      <button type="button" data-testid="update-reload" disabled={busy} onClick={update.reload}>
        Reload
      </button>
    </Notice>
  );
}
