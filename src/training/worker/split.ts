import type * as tf from '@tensorflow/tfjs';
import { analyzeGraph } from '../../core/analysis';
import { ancestorsOf, topoSort } from '../../core/graph';
import type { LayerNode, ModelGraph } from '../../core/types';

/**
 * The frozen prefix: layers whose output is a fixed function of the image, so it can be
 * computed once per image and cached. Everything after the cut (the suffix) is trained.
 */

/** Layers that draw random numbers in training: their output is never a fixed function of the image. */
export const STOCHASTIC_LAYERS: ReadonlySet<string> = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

/** Convolutions, whose gradients need kernels that not every backend has. */
const CONV_LAYERS: ReadonlySet<string> = new Set([
  'Conv1D',
  'Conv2D',
  'Conv3D',
  'Conv2DTranspose',
  'DepthwiseConv2D',
  'SeparableConv2D',
]);

export interface PrefixSplit {
  /** Layers computed once per image (inference mode) and cached. */
  prefix: ReadonlySet<string>;
  /** Prefix layers whose outputs feed the suffix (or are model outputs), in graph order. */
  cut: string[];
  /** Layers that lead to the outputs and run every batch, in topological order. */
  suffix: string[];
}

/** Splits the graph into the frozen, deterministic prefix and the trained suffix. */
export function splitGraph(graph: ModelGraph, hasWeights: (layer: LayerNode) => boolean): PrefixSplit {
  const ordered = topoSort(graph.layers) ?? graph.layers.slice();
  const needed = new Set<string>();
  for (const o of graph.outputs) for (const a of ancestorsOf(graph, o)) needed.add(a);
  const prefix = new Set<string>();
  for (const layer of ordered) {
    if (!needed.has(layer.name)) continue;
    if (layer.className === 'InputLayer' || graph.inputs.includes(layer.name)) {
      prefix.add(layer.name);
      continue;
    }
    // A Dropout that is not frozen regularises what trains after it; a frozen one is part of
    // the frozen base, which runs in inference mode (Keras's `base(x, training=False)`).
    if (STOCHASTIC_LAYERS.has(layer.className) && layer.trainable !== false) continue;
    const inputsFrozen = layer.inbound.length > 0 && layer.inbound.every((n) => prefix.has(n));
    if (!inputsFrozen) continue;
    if (hasWeights(layer) && layer.trainable !== false) continue;
    prefix.add(layer.name);
  }
  const suffix = ordered.filter((l) => needed.has(l.name) && !prefix.has(l.name));
  const feedsSuffix = new Set(suffix.flatMap((l) => l.inbound));
  const cut = ordered
    .filter((l) => prefix.has(l.name) && (feedsSuffix.has(l.name) || graph.outputs.includes(l.name)))
    .map((l) => l.name);
  return { prefix, cut, suffix: suffix.map((l) => l.name) };
}

/** Whether each layer owns weights, from the editor's shape analysis (no TF.js needed). */
export function weightsFromGraph(graph: ModelGraph): (layer: LayerNode) => boolean {
  const analysis = analyzeGraph(graph);
  return (layer) => (analysis.layers.get(layer.name)?.weights.length ?? 0) > 0;
}

/** Whether each layer owns weights, from the compiled model. */
export function weightsFromModel(model: tf.LayersModel): (layer: LayerNode) => boolean {
  const counts = new Map(model.layers.map((l) => [l.name, l.weights.length]));
  return (layer) => (counts.get(layer.name) ?? 0) > 0;
}

/** Whether training this split backpropagates through a convolution (WASM cannot). */
export function needsConvGradients(graph: ModelGraph, split: PrefixSplit): boolean {
  const suffix = new Set(split.suffix);
  return graph.layers.some((l) => suffix.has(l.name) && CONV_LAYERS.has(l.className));
}
