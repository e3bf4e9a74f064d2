import * as tf from '@tensorflow/tfjs';
import type { ActivationStore } from './cache';
import type { DataSplit } from './dataset';

/**
 * A linear probe: multinomial logistic regression on cached features, the baseline a trained
 * head should at least match. Features are standardised with the training statistics.
 */

export interface ProbeData {
  /** Row-major [n, dim] features. */
  features: Float32Array;
  dim: number;
  labels: readonly number[];
}

export interface ProbeOptions {
  numClasses: number;
  /** Full-batch gradient steps. */
  steps?: number;
  learningRate?: number;
  /** L2 penalty on the weights. */
  l2?: number;
}

export interface ProbeResult {
  trainAccuracy: number;
  valAccuracy: number | null;
  valLoss: number | null;
}

/** Fits logistic regression on `train` and scores it on `val` (same features, same split). */
export function linearProbe(train: ProbeData, val: ProbeData | null, options: ProbeOptions): ProbeResult {
  const { numClasses } = options;
  const steps = options.steps ?? 300;
  const l2 = options.l2 ?? 1e-4;
  // A scope, not tidy: the result is plain numbers, which tidy does not accept as a return value.
  tf.engine().startScope();
  try {
    const xTrain = tf.tensor2d(train.features, [train.labels.length, train.dim]);
    const mean = tf.mean(xTrain, 0);
    const std = tf.add(tf.sqrt(tf.moments(xTrain, 0).variance), 1e-6);
    const norm = (x: tf.Tensor) => tf.div(tf.sub(x, mean), std);
    const xs = norm(xTrain);
    const ys = tf.oneHot(tf.tensor1d(train.labels as number[], 'int32'), numClasses);
    const w = tf.variable(tf.zeros([train.dim, numClasses]));
    const b = tf.variable(tf.zeros([numClasses]));
    const optimizer = tf.train.adam(options.learningRate ?? 0.01);
    const logits = (x: tf.Tensor) => tf.add(tf.matMul(x, w), b);
    for (let i = 0; i < steps; i++) {
      tf.tidy(() => {
        optimizer.minimize(
          () =>
            tf.add(
              tf.losses.softmaxCrossEntropy(ys, logits(xs)),
              tf.mul(l2, tf.sum(tf.square(w))),
            ) as tf.Scalar,
          false,
          [w, b],
        );
      });
    }
    const acc = (x: tf.Tensor, labels: readonly number[]) => {
      const pred = tf.argMax(logits(x), -1).dataSync();
      return labels.filter((l, i) => l === pred[i]).length / Math.max(1, labels.length);
    };
    const result: ProbeResult = { trainAccuracy: acc(xs, train.labels), valAccuracy: null, valLoss: null };
    if (val && val.labels.length) {
      const xv = norm(tf.tensor2d(val.features, [val.labels.length, val.dim]));
      const yv = tf.oneHot(tf.tensor1d(val.labels as number[], 'int32'), numClasses);
      result.valAccuracy = acc(xv, val.labels);
      result.valLoss = tf.losses.softmaxCrossEntropy(yv, logits(xv)).dataSync()[0];
    }
    optimizer.dispose();
    w.dispose();
    b.dispose();
    return result;
  } finally {
    tf.engine().endScope();
  }
}

/** The linear probe on a filled activation cache (view 0, all cut tensors concatenated), same split. */
export function probeOnStore(
  store: ActivationStore,
  labels: readonly number[],
  split: DataSplit,
  options: ProbeOptions,
): ProbeResult {
  const rows = Array.from({ length: store.count }, (_, i) => store.row(i, 0));
  const data = (idx: readonly number[]): ProbeData => ({
    features: gatherRows(rows, idx),
    dim: store.rowSize,
    labels: idx.map((i) => labels[i]),
  });
  return linearProbe(data(split.train), split.val.length ? data(split.val) : null, options);
}

/** Row-major features of the given images from per-image rows. */
export function gatherRows(rows: readonly Float32Array[], indices: readonly number[]): Float32Array {
  const dim = rows[0]?.length ?? 0;
  const out = new Float32Array(indices.length * dim);
  indices.forEach((i, k) => out.set(rows[i], k * dim));
  return out;
}
