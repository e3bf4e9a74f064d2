import { ancestorsOf, freezeUpTo, insertAfter, uniqueName, type EditResult } from './graph';
import { getLayerSpec } from './layers/registry';
import type { LayerConfig, LayerNode, ModelGraph } from './types';

/**
 * The head the app suggests for a backbone without a classifier (a no-top model, or one cut at
 * its feature layer): GlobalAveragePooling2D → Dropout → Dense(classes, softmax), the recipe of
 * the Keras transfer-learning guide, with the backbone frozen.
 */

/** Dropout before the classifier, as in the Keras transfer-learning guide. */
export const HEAD_DROPOUT = 0.2;

/** Classes the suggested head starts with while the dataset has fewer than two. */
export const DEFAULT_HEAD_CLASSES = 2;

/** Keeps `layer` and everything upstream of it; it becomes the model's only output. */
export function cutAt(graph: ModelGraph, layer: string): EditResult {
  if (!graph.layers.some((l) => l.name === layer)) {
    return { ok: false, error: `The model has no layer "${layer}" to cut at.` };
  }
  const keep = ancestorsOf(graph, layer);
  return {
    ok: true,
    graph: { ...graph, layers: graph.layers.filter((l) => keep.has(l.name)), outputs: [layer] },
  };
}

function newLayer(graph: ModelGraph, className: string, patch: LayerConfig): LayerNode {
  const spec = getLayerSpec(className);
  return {
    name: uniqueName(graph, className),
    className,
    config: { ...(spec?.defaults() ?? {}), ...patch },
    inbound: [],
    trainable: true,
  };
}

/** Class count the head's output takes: the dataset's, or 2 while there are fewer than two. */
export function headUnits(classCount: number): number {
  return classCount >= 2 ? classCount : DEFAULT_HEAD_CLASSES;
}

/**
 * Freezes the whole graph and appends the suggested head after its (single) output. Returns
 * the new graph and the name of the head's output Dense.
 */
export function addSuggestedHead(
  graph: ModelGraph,
  classCount: number,
): { ok: true; graph: ModelGraph; output: string } | { ok: false; error: string } {
  if (graph.outputs.length !== 1) {
    return {
      ok: false,
      error: `A head can only be added to a model with one output; this one has ${graph.outputs.length}.`,
    };
  }
  const base = graph.outputs[0];
  let g = freezeUpTo(graph, base);
  let after = base;
  const steps: [string, LayerConfig][] = [
    ['GlobalAveragePooling2D', {}],
    ['Dropout', { rate: HEAD_DROPOUT }],
    ['Dense', { units: headUnits(classCount), activation: 'softmax' }],
  ];
  for (const [className, patch] of steps) {
    const layer = newLayer(g, className, patch);
    const r = insertAfter(g, after, layer);
    if (!r.ok) return r;
    g = r.graph;
    after = layer.name;
  }
  return { ok: true, graph: g, output: after };
}
