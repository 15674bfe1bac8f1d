import type { MlPhase } from '../hooks/useMl';

/**
 * One line for a screen whose buttons need the models: still loading, or loading failed and what to do about it (the
 * banner at the top offers Retry and, where there is one, the embedded model). Nothing once they are ready.
 */
export function ModelsWaiting({ phase, what }: { readonly phase: MlPhase; readonly what: string }) {
  if (phase === 'ready') return null;
  return (
    <span
      className={phase === 'failed' ? 'problem small' : 'muted small'}
      data-testid="models-waiting"
      data-phase={phase}
    >
      {phase === 'failed'
        ? `The models could not be loaded, so ${what} cannot start: use Retry, or the embedded model, in the message at the top of the page.`
        : `Waiting for the models to load before ${what} can start…`}
    </span>
  );
}
