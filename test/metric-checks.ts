/** Independent arithmetic for tests that check reported metrics against their own confusion matrix. */

/** Mean recall over the rows (true classes) that have clips: what UA must be for this confusion matrix. */
export function uaOfConfusion(confusion: readonly (readonly number[])[]): number {
  const recalls = confusion.flatMap((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? [] : [(row[i] ?? 0) / n];
  });
  return recalls.reduce((a, b) => a + b, 0) / recalls.length;
}
