/**
 * How a running training run is steered from outside (the worker's pauseTraining/resumeTraining/cancelTraining
 * calls, or a test): pause, resume and cancel flags plus a promise that settles when one of them changes, so a paused
 * run waits without polling. No engine code here: the worker imports it eagerly.
 */
import type { TrainEvent } from '../worker-api/training-protocol';

/** What `trainOnLibrary` reads to follow the person's wishes, and where it reports. */
export interface TrainControl {
  onEvent(e: TrainEvent): void;
  paused(): boolean;
  cancelled(): boolean;
  /** Settles at the next pause, resume or cancel. */
  changed(): Promise<void>;
}

/** A `TrainControl` driven by method calls. Pausing a cancelled run does nothing; cancelling a paused one ends it. */
export class RunSwitch implements TrainControl {
  private isPaused = false;
  private isCancelled = false;
  private waiters: (() => void)[] = [];

  constructor(readonly onEvent: (e: TrainEvent) => void) {}

  paused(): boolean {
    return this.isPaused;
  }

  cancelled(): boolean {
    return this.isCancelled;
  }

  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Asks the run to stop before its next step (or clip being encoded). */
  pause(): void {
    if (!this.isCancelled) this.set(() => (this.isPaused = true));
  }

  resume(): void {
    this.set(() => (this.isPaused = false));
  }

  /** Ends the run at its next step; nothing of it is kept but a checkpoint marked 'cancelled'. */
  cancel(): void {
    this.set(() => (this.isCancelled = true));
  }

  private set(change: () => void): void {
    change();
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}

/** Thrown through the trainer when a run is cancelled; `trainOnLibrary` turns it into a 'cancelled' outcome. */
export class RunCancelled extends Error {
  override readonly name = 'RunCancelled';
  constructor() {
    super('The training run was cancelled.');
  }
}

/**
 * The gate a run passes before each step and each clip it encodes: throws `RunCancelled` once cancelled, and while
 * paused waits (reporting 'paused' and 'resumed'). Resolves to the milliseconds spent paused, so rates and ETAs
 * leave pauses out.
 */
export async function passGate(control: TrainControl): Promise<number> {
  if (control.cancelled()) throw new RunCancelled();
  if (!control.paused()) return 0;
  const since = performance.now();
  control.onEvent({ kind: 'paused' });
  while (control.paused() && !control.cancelled()) await control.changed();
  if (control.cancelled()) throw new RunCancelled();
  control.onEvent({ kind: 'resumed' });
  return performance.now() - since;
}
