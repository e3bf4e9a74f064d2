import * as tf from '@tensorflow/tfjs';
import { graphToKeras } from '../../core/keras';
import type { LayerNode, ModelGraph } from '../../core/types';
import { hashString } from './random';

/**
 * From graph to model: builds a tf.LayersModel from the edited graph and gives every kept layer
 * its pretrained weights (matched by the layer's weightsKey and the weight's Keras name, with a
 * shape check; a layer whose config changed its weight shapes starts fresh).
 */

/** Weights by "<original layer name>/<weight name>", e.g. "Conv1/kernel". */
export type WeightMap = Map<string, tf.Tensor>;

export interface WeightsGroupSpec {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Decodes weight shards (one concatenated buffer per manifest group) into named tensors. */
export function decodeWeights(manifest: WeightsGroupSpec[], groupBuffers: ArrayBuffer[]): WeightMap {
  const out: WeightMap = new Map();
  manifest.forEach((group, i) => {
    const named = tf.io.decodeWeights(groupBuffers[i], group.weights);
    for (const [name, t] of Object.entries(named)) out.set(name, t);
  });
  return out;
}

/** Concatenates shard buffers of one group in manifest order. */
export function concatBuffers(buffers: ArrayBuffer[]): ArrayBuffer {
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

export interface CompiledModel {
  model: tf.LayersModel;
  /** Layers that received pretrained weights. */
  pretrained: string[];
  /** Layers that received weights trained in an earlier run (keyed by their current name). */
  trained: string[];
  /** Layers with weights that start from their initializers. */
  fresh: string[];
}

/**
 * The Keras weight name of a variable ("block_1_expand/kernel" → "kernel"). `originalName` is
 * the scoped name before TF.js makes it unique ("kernel_1"), so it matches the weight files.
 */
export function weightSuffix(layerName: string, variable: { originalName: string }): string {
  const prefix = `${layerName}/`;
  const full = variable.originalName;
  return full.startsWith(prefix) ? full.slice(prefix.length) : full.slice(full.indexOf('/') + 1);
}

export interface BuildOptions {
  /** Seed for the initial values of layers without stored weights (default 0). */
  seed?: number;
}

/**
 * Initial values for a weight with nothing stored: zeros for a new Dense classifier (training
 * starts from uniform predictions instead of first undoing random logits, which with
 * unnormalised frozen features cost the default settings a lot of accuracy), and the Keras
 * default Glorot-uniform, seeded, for unseeded kernels, so the same seed gives the same run.
 */
function initFresh(
  graph: ModelGraph,
  node: LayerNode,
  suffix: string,
  variable: tf.LayerVariable,
  seed: number,
): void {
  if (!/kernel$/.test(suffix)) return;
  if (graph.outputs.includes(node.name) && node.className === 'Dense') {
    const zeros = tf.zeros(variable.shape as number[]);
    variable.write(zeros);
    zeros.dispose();
    return;
  }
  const initializer =
    node.config[`${suffix.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())}Initializer`];
  const spec =
    initializer && typeof initializer === 'object' && !Array.isArray(initializer) ? initializer : null;
  const className = spec && typeof spec.className === 'string' ? spec.className : 'GlorotUniform';
  const config = spec?.config;
  const seeded =
    !!config && typeof config === 'object' && !Array.isArray(config) && typeof config.seed === 'number';
  if (className !== 'GlorotUniform' || seeded) return;
  const value = tf.initializers
    .glorotUniform({ seed: hashString(`${node.name}/${suffix}`, seed) })
    .apply(variable.shape as number[]);
  variable.write(value);
  value.dispose();
}

const sameShape = (t: tf.Tensor, v: { shape: readonly (number | null)[] }) =>
  t.shape.join(',') === v.shape.join(',');

/**
 * Builds the graph into a tf.LayersModel and loads every weight that still fits: weights trained
 * in an earlier run (by current layer name) win over the pretrained ones (by weightsKey).
 */
export async function buildModel(
  graph: ModelGraph,
  weights: WeightMap,
  trained?: WeightMap,
  options: BuildOptions = {},
): Promise<CompiledModel> {
  const model = await tf.models.modelFromJSON({
    modelTopology: graphToKeras(graph) as tf.io.ModelJSON['modelTopology'],
  });
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const pretrained: string[] = [];
  const fromTrained: string[] = [];
  const fresh: string[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const key = byName.get(layer.name)?.weightsKey;
    let all = true;
    let usedTrained = false;
    const node = byName.get(layer.name);
    for (const variable of layer.weights) {
      const suffix = weightSuffix(layer.name, variable);
      const previous = trained?.get(`${layer.name}/${suffix}`);
      const source = key ? weights.get(`${key}/${suffix}`) : undefined;
      if (previous && sameShape(previous, variable)) {
        variable.write(previous);
        usedTrained = true;
      } else if (source && sameShape(source, variable)) variable.write(source);
      else {
        all = false;
        if (node) initFresh(graph, node, suffix, variable, options.seed ?? 0);
      }
    }
    (!all ? fresh : usedTrained ? fromTrained : pretrained).push(layer.name);
  }
  return { model, pretrained, trained: fromTrained, fresh };
}

/**
 * Reads a model's current weights back into a WeightMap keyed by layer name (for continuing
 * training); `only` limits it to some layers.
 */
export function snapshotWeights(model: tf.LayersModel, only?: ReadonlySet<string>): WeightMap {
  const out: WeightMap = new Map();
  for (const layer of model.layers) {
    if (only && !only.has(layer.name)) continue;
    for (const variable of layer.weights) {
      out.set(`${layer.name}/${weightSuffix(layer.name, variable)}`, variable.read().clone());
    }
  }
  return out;
}
