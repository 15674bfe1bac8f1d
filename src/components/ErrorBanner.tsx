import type { ReactNode } from 'react';
import type { ErrorInfo } from '../core/errors';

interface Props {
  readonly error: ErrorInfo;
  /** Buttons offered with the error (retry, save, ...). */
  readonly actions?: ReactNode;
  readonly title?: string;
  readonly onDismiss?: () => void;
}

/** An error the user must see: message, machine-readable code (`data-code`) and what can be done next. */
export function ErrorBanner({ error, actions, title = 'Something went wrong', onDismiss }: Props) {
  return (
    <div className="error-banner" role="alert" data-testid="error" data-code={error.code}>
      <div className="error-text">
        <strong className="error-title">{title}</strong>
        <p className="error-message" data-testid="error-message">
          {error.message}
        </p>
        <p className="error-code">
          Error code: <code>{error.code}</code>
        </p>
      </div>
      {actions !== undefined || onDismiss ? (
        <div className="error-actions">
          {actions}
          {onDismiss ? (
            <button type="button" className="button subtle" onClick={onDismiss} data-testid="dismiss-error">
              Dismiss
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
