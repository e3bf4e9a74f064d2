import { ancestorsOf, findCycle } from './graph';
import { getLayerSpec } from './layers/registry';
import type { ModelGraph, Shape, WeightSpec } from './types';

/**
 * Whole-graph checks run after every edit: shape inference, parameter counts and the problems
 * (with what to do) that keep the graph from compiling.
 */

export interface LayerInfo {
  /** Output shape, or null when it cannot be inferred. */
  shape: Shape | null;
  /** Why this layer is broken, for the node badge and the alert. */
  error?: string;
  weights: WeightSpec[];
  params: number;
}

export interface GraphAnalysis {
  layers: Map<string, LayerInfo>;
  /** User-facing problems, each naming the layer and what to do. */
  problems: { layer?: string; message: string }[];
  trainableParams: number;
  frozenParams: number;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Infers every layer's output shape and weights, counts parameters and lists problems. */
export function analyzeGraph(graph: ModelGraph): GraphAnalysis {
  const layers = new Map<string, LayerInfo>();
  const problems: GraphAnalysis['problems'] = [];
  const cycle = findCycle(graph);
  if (cycle.length) {
    problems.push({
      layer: cycle[0],
      message: `The layers ${cycle.join(' → ')} form a cycle: remove one of these connections.`,
    });
  }
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  for (const layer of graph.layers) {
    const spec = getLayerSpec(layer.className);
    if (!spec) {
      const message = `${layer.name} is a ${layer.className} layer, which the editor does not know: it cannot be edited or trained. Remove it or replace it with a supported layer.`;
      layers.set(layer.name, { shape: null, error: message, weights: [], params: 0 });
      problems.push({ layer: layer.name, message });
      continue;
    }
    const n = layer.inbound.length;
    let error: string | undefined;
    if (n < spec.minInputs) {
      error =
        n === 0
          ? `${layer.name} has no input: connect a layer to it, or delete it.`
          : `${layer.name} (${layer.className}) needs at least ${spec.minInputs} inputs but has ${n}: connect another layer to it.`;
    } else if (n > spec.maxInputs) {
      error = `${layer.name} (${layer.className}) takes ${spec.maxInputs} input but has ${n}: remove the extra connections or use a merge layer (Add, Concatenate).`;
    }
    const inputShapes: Shape[] = [];
    if (!error) {
      for (const src of layer.inbound) {
        const info = layers.get(src);
        if (!byName.has(src)) {
          error = `${layer.name} takes its input from "${src}", which does not exist: reconnect it.`;
          break;
        }
        if (!info || !info.shape) {
          error = undefined; // upstream already reported; stay quiet to avoid a cascade
          inputShapes.length = 0;
          break;
        }
        inputShapes.push(info.shape);
      }
    }
    if (error) {
      layers.set(layer.name, { shape: null, error, weights: [], params: 0 });
      problems.push({ layer: layer.name, message: error });
      continue;
    }
    if (inputShapes.length !== layer.inbound.length) {
      layers.set(layer.name, { shape: null, weights: [], params: 0 });
      continue;
    }
    const result = spec.computeOutputShape(layer.config, inputShapes, layer.name);
    if (!result.ok) {
      layers.set(layer.name, { shape: null, error: result.error, weights: [], params: 0 });
      problems.push({ layer: layer.name, message: result.error });
      continue;
    }
    const weights = spec.weights(layer.config, inputShapes);
    layers.set(layer.name, {
      shape: result.shape,
      weights,
      params: weights.reduce((a, w) => a + size(w.shape), 0),
    });
  }

  if (graph.outputs.length === 0) {
    problems.push({
      message:
        'The model has no output layer: add a layer after the last one (for example Dense with one unit per class).',
    });
  }
  if (graph.inputs.length === 0) {
    problems.push({ message: 'The model has no input layer: open a model that has one.' });
  }
  const reachesOutput = new Set<string>();
  for (const o of graph.outputs) for (const a of ancestorsOf(graph, o)) reachesOutput.add(a);
  for (const layer of graph.layers) {
    if (graph.outputs.length && !reachesOutput.has(layer.name)) {
      const info = layers.get(layer.name);
      const message = `${layer.name} has no path to the model's output: connect it to a layer that leads to the output, or delete it.`;
      if (info && !info.error) info.error = message;
      problems.push({ layer: layer.name, message });
    }
  }

  let trainableParams = 0;
  let frozenParams = 0;
  for (const layer of graph.layers) {
    if (!reachesOutput.has(layer.name)) continue;
    for (const w of layers.get(layer.name)?.weights ?? []) {
      if (layer.trainable && w.trainable) trainableParams += size(w.shape);
      else frozenParams += size(w.shape);
    }
  }
  return { layers, problems, trainableParams, frozenParams };
}
