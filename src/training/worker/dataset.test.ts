import { describe, expect, it } from 'vitest';
import { balancedClassWeights, checkDataset, classCounts, stratifiedSplit } from './dataset';
import { confusionMatrix, perClassMetrics } from './metrics';

const labelsOf = (counts: number[]) => counts.flatMap((n, c) => new Array<number>(n).fill(c));

describe('stratifiedSplit', () => {
  it('holds out the fraction of every class, seeded', () => {
    const labels = labelsOf([50, 30, 10]);
    const a = stratifiedSplit(labels, 0.2, 7);
    expect(
      classCounts(
        a.val.map((i) => labels[i]),
        3,
      ),
    ).toEqual([10, 6, 2]);
    expect(a.train.length + a.val.length).toBe(labels.length);
    expect(new Set([...a.train, ...a.val]).size).toBe(labels.length);
    expect(stratifiedSplit(labels, 0.2, 7)).toEqual(a);
    expect(stratifiedSplit(labels, 0.2, 8).val).not.toEqual(a.val);
  });

  it('puts at least one image of each class with two or more into validation, and never the last one', () => {
    const labels = labelsOf([2, 3, 1, 40]);
    const { train, val } = stratifiedSplit(labels, 0.05, 1);
    expect(
      classCounts(
        val.map((i) => labels[i]),
        4,
      ),
    ).toEqual([1, 1, 0, 2]);
    expect(
      classCounts(
        train.map((i) => labels[i]),
        4,
      ),
    ).toEqual([1, 2, 1, 38]);
    const most = stratifiedSplit(labelsOf([2, 2]), 0.9, 1);
    expect(
      classCounts(
        most.train.map((i) => labelsOf([2, 2])[i]),
        2,
      ),
    ).toEqual([1, 1]);
  });

  it('holds nothing out when the fraction is 0', () => {
    expect(stratifiedSplit(labelsOf([3, 3]), 0, 1).val).toEqual([]);
  });
});

describe('checkDataset', () => {
  it('refuses fewer than 2 classes and empty classes with what to do', () => {
    expect(() => checkDataset([0, 0], ['cat'])).toThrow(/at least 2 classes.*add another class/);
    expect(() => checkDataset([0, 0, 2], ['cat', 'dog', 'fox'])).toThrow(/"dog" has no images/);
    expect(() => checkDataset([0, 1], ['cat', 'dog'])).not.toThrow();
  });
});

describe('metrics', () => {
  it('balanced class weights are n / (k · n_class)', () => {
    const labels = labelsOf([30, 10]);
    const w = balancedClassWeights(
      labels,
      labels.map((_, i) => i),
      2,
    );
    expect(w[0]).toBeCloseTo(40 / 60);
    expect(w[1]).toBeCloseTo(40 / 20);
  });

  it('confusion matrix, precision and recall', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2);
    expect(m).toEqual([
      [1, 1],
      [1, 2],
    ]);
    const p = perClassMetrics(m);
    expect(p[0]).toEqual({ precision: 0.5, recall: 0.5 });
    expect(p[1].precision).toBeCloseTo(2 / 3);
    expect(p[1].recall).toBeCloseTo(2 / 3);
    expect(perClassMetrics(confusionMatrix([0], [0], 2))[1]).toEqual({ precision: 0, recall: 0 });
  });
});
