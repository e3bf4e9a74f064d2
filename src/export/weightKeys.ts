import type { ModelGraph } from '../core/types';
import type { WeightsGroup } from './modelFiles';

/**
 * Points each layer at its weights in the manifest. TF.js names a nested model's weights either
 * by the layer alone ("Conv1/kernel", as Teachable Machine exports do) or with the enclosing
 * models as a prefix ("sequential_1/dense/kernel"); a layer whose own name has no weights takes
 * the one prefixed name that ends with it.
 */
export function resolveWeightKeys(graph: ModelGraph, manifest: WeightsGroup[]): ModelGraph {
  const prefixes = new Set(
    manifest.flatMap((g) => g.weights).map((w) => w.name.slice(0, Math.max(0, w.name.lastIndexOf('/')))),
  );
  let changed = false;
  const layers = graph.layers.map((l) => {
    if (!l.weightsKey || prefixes.has(l.weightsKey)) return l;
    const matches = [...prefixes].filter((p) => p.endsWith(`/${l.weightsKey}`));
    if (matches.length !== 1) return l;
    changed = true;
    return { ...l, weightsKey: matches[0] };
  });
  return changed ? { ...graph, layers } : graph;
}
