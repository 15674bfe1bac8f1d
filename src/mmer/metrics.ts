/**
 * Classification metrics with their names the right way round: UA (unweighted accuracy) is the mean of the
 * per-class recalls, WA (weighted accuracy) is plain accuracy. The authors' released code swaps the two names.
 */

export interface ClassMetrics {
  /** Fraction correct over all clips. */
  readonly wa: number;
  /** Mean recall over the classes that occur in the ground truth. */
  readonly ua: number;
  /** Mean F1 over the classes that occur in the ground truth or the predictions. */
  readonly macroF1: number;
  /** Recall per class (null for a class with no clip in the ground truth). */
  readonly recall: readonly (number | null)[];
  /** confusion[truth][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
  readonly count: number;
}

/** Computes UA, WA, macro-F1, per-class recall and the confusion matrix for class indices in [0, nClasses). */
export function classMetrics(truth: readonly number[], predicted: readonly number[], nClasses: number): ClassMetrics {
  if (truth.length !== predicted.length)
    throw new Error(`metrics: ${truth.length} labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i] ?? -1;
    const row = confusion[t];
    if (row === undefined || p < 0 || p >= nClasses)
      throw new Error(`metrics: class index out of range at ${i} (${t} -> ${p})`);
    row[p] = (row[p] ?? 0) + 1;
  });
  const correct = confusion.reduce((s, row, c) => s + (row[c] ?? 0), 0);
  const recall: (number | null)[] = [];
  const f1: number[] = [];
  for (let c = 0; c < nClasses; c++) {
    const row = confusion[c] ?? [];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedC = confusion.reduce((s, r) => s + (r[c] ?? 0), 0);
    const tp = row[c] ?? 0;
    recall.push(support === 0 ? null : tp / support);
    if (support > 0 || predictedC > 0) f1.push(tp === 0 ? 0 : (2 * tp) / (support + predictedC));
  }
  const present = recall.filter((r): r is number => r !== null);
  return {
    wa: truth.length === 0 ? 0 : correct / truth.length,
    ua: present.length === 0 ? 0 : present.reduce((a, b) => a + b, 0) / present.length,
    macroF1: f1.length === 0 ? 0 : f1.reduce((a, b) => a + b, 0) / f1.length,
    recall,
    confusion,
    count: truth.length,
  };
}
