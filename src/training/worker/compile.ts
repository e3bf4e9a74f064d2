import * as tf from '@tensorflow/tfjs';
import { graphToKeras } from '../../core/keras';
import type { ModelGraph } from '../../core/types';

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
  /** Layers that received pretrained (or previously trained) weights. */
  pretrained: string[];
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

/** Builds the graph into a tf.LayersModel and loads every weight that still fits. */
export async function buildModel(graph: ModelGraph, weights: WeightMap): Promise<CompiledModel> {
  const model = await tf.models.modelFromJSON({
    modelTopology: graphToKeras(graph) as tf.io.ModelJSON['modelTopology'],
  });
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const pretrained: string[] = [];
  const fresh: string[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const key = byName.get(layer.name)?.weightsKey;
    let all = true;
    for (const variable of layer.weights) {
      const source = key ? weights.get(`${key}/${weightSuffix(layer.name, variable)}`) : undefined;
      if (source && source.shape.join(',') === variable.shape.join(',')) variable.write(source);
      else all = false;
    }
    (all ? pretrained : fresh).push(layer.name);
  }
  return { model, pretrained, fresh };
}

/** Reads a model's current weights back into a WeightMap keyed by layer name (for continuing training). */
export function snapshotWeights(model: tf.LayersModel): WeightMap {
  const out: WeightMap = new Map();
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      out.set(`${layer.name}/${weightSuffix(layer.name, variable)}`, variable.read().clone());
    }
  }
  return out;
}
