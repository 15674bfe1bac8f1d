import type { ReactNode } from 'react';
import type { ErrorInfo } from '../core/errors';

interface Props {
  readonly error: ErrorInfo;
  /** Buttons offered with the error (retry, save, ...). */
  readonly actions?: ReactNode;
  readonly title?: string;
  readonly onDismiss?: () => void;
  /**
   * `data-testid` of the banner (its message is `${testId}-message`); errors that are not about the clip, such as a
   * refused emotion head, use their own so they never read as a clip error.
   */
  readonly testId?: string;
}

/** An error the user must see: message, machine-readable code (`data-code`) and what can be done next. */
export function ErrorBanner({ error, actions, title = 'Something went wrong', onDismiss, testId = 'error' }: Props) {
  return (
    <div className="error-banner" role="alert" data-testid={testId} data-code={error.code}>
      <div className="error-text">
        <strong className="error-title">{title}</strong>
        <p className="error-message" data-testid={`${testId}-message`}>
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
            <button type="button" className="button subtle" onClick={onDismiss} data-testid={`dismiss-${testId}`}>
              Dismiss
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
