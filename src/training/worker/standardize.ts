import * as tf from '@tensorflow/tfjs';
import type { ModelGraph } from '../../core/types';
import type { FeatureSource } from './cache';
import { weightSuffix } from './compile';
import type { PrefixSplit } from './split';

/**
 * Trains the Dense layers that read the frozen features in standardised coordinates. Frozen
 * CNN features are unnormalised (per-feature scales differ by orders of magnitude), and Adam,
 * which steps every weight by about the learning rate, then lets the high-variance features
 * dominate: a head with the default settings ended 10–15 points below a linear probe on
 * standardised features. So, for a run, each such layer's weights are re-expressed for inputs
 * (x − μ)/σ (W' = σ·W, b' = b + μ·W), trained there, and folded back afterwards (W = W'/σ,
 * b = b' − (μ/σ)·W'): the model computes the same function of x and keeps plain Keras layers.
 */

/** Frozen-feature statistics and the layers trained on the standardised features. */
export interface Standardizer {
  /** The cut tensors as the suffix sees them during the run (new tensors for standardised cuts). */
  apply(cut: readonly tf.Tensor[]): tf.Tensor[];
  /** Re-expresses the layers' weights for standardised inputs (start of a run). */
  unfold(): void;
  /** Back to weights for raw inputs (end of a run). */
  fold(): void;
  /**
   * What fold() would write, without touching the layers: the layers' weights for raw inputs
   * by weight name ("<layer>/kernel"), as new tensors the caller disposes (checkpoints mid-run).
   */
  folded(): Map<string, tf.Tensor>;
  dispose(): void;
  /** Names of the Dense layers trained on standardised features. */
  layers: string[];
}

const PASS_THROUGH = new Set(['Dropout']);

/** Dense layers reached from a cut tensor through Dropouts only; null when anything else reads it. */
function denseConsumers(
  graph: ModelGraph,
  split: PrefixSplit,
  model: tf.LayersModel,
  cut: string,
): string[] | null {
  const suffix = new Set(split.suffix);
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const found: string[] = [];
  const stack = [cut];
  while (stack.length) {
    const name = stack.pop()!;
    if (graph.outputs.includes(name)) return null;
    for (const l of graph.layers) {
      if (!l.inbound.includes(name) || !suffix.has(l.name)) continue;
      if (PASS_THROUGH.has(l.className) && l.inbound.length === 1) stack.push(l.name);
      else if (l.className === 'Dense' && byName.get(l.name)?.trainable && model.getLayer(l.name).trainable) {
        if (!found.includes(l.name)) found.push(l.name);
      } else return null;
    }
  }
  return found.length ? found : null;
}

/** Evenly spaced sample of at most `max` indices. */
function sample(indices: readonly number[], max: number): number[] {
  if (indices.length <= max) return indices.slice();
  const step = indices.length / max;
  return Array.from({ length: max }, (_, i) => indices[Math.floor(i * step)]);
}

/**
 * Builds the standardiser for a run from the training images' features (view 0), or null
 * when no cut feeds only trainable Dense layers.
 */
export async function makeStandardizer(
  graph: ModelGraph,
  split: PrefixSplit,
  model: tf.LayersModel,
  features: FeatureSource,
  train: readonly number[],
  batchSize = 64,
): Promise<Standardizer | null> {
  const targets = split.cut
    .map((cut, index) => {
      const shape = model.getLayer(cut).outputShape as (number | null)[];
      const layers = shape.length === 2 ? denseConsumers(graph, split, model, cut) : null;
      return layers ? { index, dim: shape[1] as number, layers } : null;
    })
    .filter((t): t is { index: number; dim: number; layers: string[] } => t !== null);
  if (!targets.length || !train.length) return null;

  const idx = sample(train, 512);
  const sums = targets.map((t) => ({ s: new Float64Array(t.dim), q: new Float64Array(t.dim) }));
  for (let start = 0; start < idx.length; start += batchSize) {
    const batch = idx.slice(start, start + batchSize);
    const xs = await features.batch(
      batch,
      batch.map(() => 0),
    );
    for (let k = 0; k < targets.length; k++) {
      const data = await xs[targets[k].index].data();
      const { s, q } = sums[k];
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        s[i % targets[k].dim] += v;
        q[i % targets[k].dim] += v * v;
      }
    }
    tf.dispose(xs);
  }
  const stats = targets.map((t, k) => {
    const n = idx.length;
    const mean = Float32Array.from(sums[k].s, (v) => v / n);
    const variance = Float64Array.from(sums[k].q, (v, i) => Math.max(0, v / n - mean[i] * mean[i]));
    // A floor relative to the typical variance keeps near-constant features from being blown up.
    const floor = 0.01 * (variance.reduce((a, b) => a + b, 0) / t.dim) + 1e-8;
    const std = Float32Array.from(variance, (v) => Math.sqrt(v + floor));
    const centered = t.layers.every((name) => model.getLayer(name).weights.length > 1);
    return {
      index: t.index,
      layers: t.layers.map((name) => model.getLayer(name)),
      mean: tf.tensor1d(centered ? mean : new Float32Array(t.dim)),
      std: tf.tensor1d(std),
    };
  });

  const rewrite = (toStandard: boolean) =>
    tf.tidy(() => {
      for (const { layers, mean, std } of stats) {
        for (const layer of layers) {
          const [kernel, bias] = layer.weights;
          const w = kernel.read();
          const column = std.reshape([-1, 1]);
          if (toStandard) {
            if (bias) bias.write(tf.add(bias.read(), tf.matMul(mean.reshape([1, -1]), w).reshape([-1])));
            kernel.write(tf.mul(w, column));
          } else {
            const folded = tf.div(w, column);
            if (bias) bias.write(tf.sub(bias.read(), tf.matMul(mean.reshape([1, -1]), folded).reshape([-1])));
            kernel.write(folded);
          }
        }
      }
    });

  const folded = () =>
    new Map(
      Object.entries(
        tf.tidy(() => {
          const out: Record<string, tf.Tensor> = {};
          for (const { layers, mean, std } of stats) {
            for (const layer of layers) {
              const [kernel, bias] = layer.weights;
              const w = tf.div(kernel.read(), std.reshape([-1, 1]));
              out[`${layer.name}/${weightSuffix(layer.name, kernel)}`] = w;
              if (bias) {
                out[`${layer.name}/${weightSuffix(layer.name, bias)}`] = tf.sub(
                  bias.read(),
                  tf.matMul(mean.reshape([1, -1]), w).reshape([-1]),
                );
              }
            }
          }
          return out;
        }),
      ),
    );

  return {
    layers: targets.flatMap((t) => t.layers),
    folded,
    apply: (cut) =>
      cut.map((x, i) => {
        const s = stats.find((st) => st.index === i);
        return s ? tf.div(tf.sub(x, s.mean), s.std) : x;
      }),
    unfold: () => rewrite(true),
    fold: () => rewrite(false),
    dispose: () => tf.dispose(stats.flatMap((s) => [s.mean, s.std])),
  };
}
