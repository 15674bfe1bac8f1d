import type { ReactNode } from 'react';

interface Props {
  readonly children: ReactNode;
  readonly tone?: 'info' | 'warning';
  readonly testId?: string;
  readonly onDismiss?: () => void;
}

/** A non-blocking message (announced politely to screen readers). */
export function Notice({ children, tone = 'info', testId = 'notice', onDismiss }: Props) {
  return (
    <div className={`notice notice-${tone}`} role="status" data-testid={testId}>
      <div className="notice-body">{children}</div>
      {onDismiss ? (
        <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss">
          ×
        </button>
      ) : null}
    </div>
  );
}
