import { describeWarning, type ClipWarning } from '../audio/clip-warnings';
import { Notice } from './Notice';

interface Props {
  readonly warnings: readonly ClipWarning[];
}

/** The clip's warnings (cut short, clipped), one notice each, shown with its result or its error. */
export function ClipWarnings({ warnings }: Props) {
  return (
    <>
      {warnings.map((w) => (
        <Notice key={w.kind} tone="warning" testId={`clip-warning-${w.kind}`}>
          {describeWarning(w)}
        </Notice>
      ))}
    </>
  );
}
