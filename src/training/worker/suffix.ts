import * as tf from '@tensorflow/tfjs';
import type { LayerNode, ModelGraph } from '../../core/types';
import { nextSeed, type Rng } from './random';
import { STOCHASTIC_LAYERS, type PrefixSplit } from './split';

/**
 * The trained part of the model, run eagerly on the compiled model's own layer objects: the
 * full model therefore holds whatever the suffix learns, with no copying back.
 */

export interface Suffix {
  /** Model output from the cut activations (one tensor per cut layer, in `split.cut` order). */
  forward(cut: readonly tf.Tensor[], training: boolean, rng?: Rng): tf.Tensor;
  /** What the optimizer updates: trainable weights of trainable suffix layers. */
  trainable: tf.Variable[];
  /** The part of `trainable` that belongs to layers with pretrained weights (a weightsKey). */
  pretrained: tf.Variable[];
  /** Every weight a run may change (trainable weights and the statistics of training BatchNorms). */
  mutable: tf.LayerVariable[];
  /** Names of the layers owning `mutable` weights (kept as "trained" after the run). */
  mutableLayers: string[];
  outputLayer: string;
  /** False when the output has no softmax: it is then read as logits. */
  outputIsProbability: boolean;
  /** Output units (classes the model predicts). */
  units: number;
  /** What the suffix was built from. */
  graph: ModelGraph;
  split: PrefixSplit;
  model: tf.LayersModel;
}

const DROPOUTS = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D']);

/** Whether the layer (looking through dropouts) ends in a softmax. */
export function endsInSoftmax(graph: ModelGraph, name: string): boolean {
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  let node: LayerNode | undefined = byName.get(name);
  while (node && STOCHASTIC_LAYERS.has(node.className) && node.inbound.length === 1) {
    node = byName.get(node.inbound[0]);
  }
  if (!node) return false;
  return node.className === 'Softmax' || node.config.activation === 'softmax';
}

/** A layer's own dropout with a fresh seed each call: TF.js reuses the layer's fixed seed, giving the same mask every batch. */
function seededDropout(layer: tf.layers.Layer, x: tf.Tensor, rng: Rng): tf.Tensor {
  const config = layer.getConfig();
  const rate = typeof config.rate === 'number' ? config.rate : 0;
  if (rate <= 0) return x.clone();
  let noiseShape: number[] | undefined;
  if (layer.getClassName().startsWith('Spatial')) {
    noiseShape = x.shape.map((d, i) => (i === 0 || i === x.rank - 1 ? d : 1));
  } else if (Array.isArray(config.noiseShape)) {
    noiseShape = (config.noiseShape as (number | null)[]).map((d, i) => d ?? x.shape[i]);
  }
  return tf.dropout(x, rate, noiseShape, nextSeed(rng));
}

/** Builds the suffix over a compiled model whose layers are named as in `graph`. */
export function buildSuffix(graph: ModelGraph, model: tf.LayersModel, split: PrefixSplit): Suffix {
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  if (graph.outputs.length !== 1) {
    throw new Error(
      `The model has ${graph.outputs.length} outputs: training needs exactly one output layer (the classifier).`,
    );
  }
  const outputLayer = graph.outputs[0];
  if (split.prefix.has(outputLayer)) {
    throw new Error(
      `Every layer up to the output "${outputLayer}" is frozen, so there is nothing to train: unfreeze at least the output layer.`,
    );
  }
  const steps = split.suffix.map((name) => {
    const node = byName.get(name);
    if (!node) throw new Error(`The layer "${name}" is missing from the graph.`);
    return { node, layer: model.getLayer(name) };
  });
  const trainable: tf.Variable[] = [];
  const pretrained: tf.Variable[] = [];
  const mutable: tf.LayerVariable[] = [];
  const mutableLayers: string[] = [];
  for (const { node, layer } of steps) {
    // A trainable BatchNormalization updates its moving statistics while training.
    const changes = layer.trainable && layer.weights.length > 0;
    if (!changes) continue;
    mutableLayers.push(layer.name);
    mutable.push(...layer.weights);
    for (const w of layer.trainableWeights) {
      const v = w.read() as tf.Variable;
      trainable.push(v);
      if (node.weightsKey) pretrained.push(v);
    }
  }
  const outShape = model.getLayer(outputLayer).outputShape;
  const last = Array.isArray(outShape[0]) ? (outShape[0] as number[]) : (outShape as (number | null)[]);
  if (last.length !== 2) {
    throw new Error(
      `The output layer "${outputLayer}" gives shape [${last.join(', ')}]: a classifier needs one score per class, e.g. Flatten or GlobalAveragePooling2D then Dense.`,
    );
  }

  const forward = (cut: readonly tf.Tensor[], training: boolean, rng?: Rng): tf.Tensor => {
    const values = new Map<string, tf.Tensor>();
    split.cut.forEach((name, i) => values.set(name, cut[i]));
    for (const { node, layer } of steps) {
      const inputs = node.inbound.map((n) => {
        const v = values.get(n);
        if (!v) throw new Error(`The input "${n}" of layer "${node.name}" was not computed.`);
        return v;
      });
      let out: tf.Tensor;
      if (training && rng && DROPOUTS.has(node.className) && layer.trainable) {
        out = seededDropout(layer, inputs[0], rng);
      } else {
        // Frozen BatchNormalization must normalise with its moving statistics and leave them
        // alone; TF.js would otherwise use batch statistics and update the averages.
        // A frozen Dropout (or noise layer) likewise runs in inference mode: it passes its input on.
        const layerTraining =
          node.className === 'BatchNormalization' || STOCHASTIC_LAYERS.has(node.className)
            ? training && layer.trainable
            : training;
        out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: layerTraining }) as tf.Tensor;
      }
      values.set(node.name, out);
    }
    return values.get(outputLayer)!;
  };

  return {
    forward,
    trainable,
    pretrained,
    mutable,
    mutableLayers,
    outputLayer,
    outputIsProbability: endsInSoftmax(graph, outputLayer),
    units: last[1] ?? 0,
    graph,
    split,
    model,
  };
}

/** Copies of the given weights' current values (dispose with tf.dispose). */
export function snapshot(vars: readonly tf.LayerVariable[]): tf.Tensor[] {
  return vars.map((v) => v.read().clone());
}

/** Writes a snapshot back. */
export function restore(vars: readonly tf.LayerVariable[], values: readonly tf.Tensor[]): void {
  vars.forEach((v, i) => v.write(values[i]));
}
