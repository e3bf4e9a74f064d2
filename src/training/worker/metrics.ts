/** Validation metrics for the result: confusion matrix and per-class precision and recall. */

/** confusion[true][predicted] counts. */
export function confusionMatrix(
  truth: readonly number[],
  predicted: readonly number[],
  numClasses: number,
): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  truth.forEach((t, i) => {
    const p = predicted[i];
    if (t >= 0 && t < numClasses && p >= 0 && p < numClasses) m[t][p]++;
  });
  return m;
}

/** Precision and recall per class; 0 where a class was never predicted or never present. */
export function perClassMetrics(
  confusion: readonly (readonly number[])[],
): { precision: number; recall: number }[] {
  return confusion.map((row, c) => {
    const truePositives = row[c];
    const actual = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[c], 0);
    return {
      precision: predicted ? truePositives / predicted : 0,
      recall: actual ? truePositives / actual : 0,
    };
  });
}

/** Fraction of matching predictions (null for an empty set). */
export function accuracyOf(truth: readonly number[], predicted: readonly number[]): number | null {
  if (!truth.length) return null;
  return truth.filter((t, i) => t === predicted[i]).length / truth.length;
}
