/** One way to turn a head's class probabilities into what the page and the CLI show: every label, best first. */
import { AppError } from '../core/errors';

/** A label and its probability. */
export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

/**
 * Pairs each label with its probability and sorts best first (ties keep the labels' order).
 * @throws AppError('internal') when the head gave a different number of scores than it has labels, or a
 * non-finite one: a fault in the head, never something to show as a score.
 */
export function rankScores(labels: readonly string[], probs: ArrayLike<number>): LabelScore[] {
  if (probs.length !== labels.length)
    throw new AppError(
      'internal',
      `The emotion head gave ${String(probs.length)} scores for ${String(labels.length)} labels.`,
    );
  const scored = labels.map((label, i) => ({ label, score: probs[i] ?? Number.NaN }));
  const bad = scored.find((s) => !Number.isFinite(s.score));
  if (bad !== undefined)
    throw new AppError(
      'internal',
      `The emotion head gave a non-finite score (${String(bad.score)}) for "${bad.label}".`,
    );
  return scored.sort((a, b) => b.score - a.score);
}
