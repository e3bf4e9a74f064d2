import { deleteLayers, insertAfter } from '../core/graph';
import type { LayerNode, ModelGraph } from '../core/types';

/** The benchmark's head: Dense(128, relu) → Dropout(0.2) → Dense(k, softmax) after `cut`. */
export function withBenchHead(
  graph: ModelGraph,
  cut: string,
  oldHead: string[],
  classes: number,
): ModelGraph {
  const del = deleteLayers(graph, oldHead);
  if (!del.ok) throw new Error(del.error);
  let g = del.graph;
  const add = (after: string, layer: LayerNode) => {
    const r = insertAfter(g, after, layer);
    if (!r.ok) throw new Error(r.error);
    g = r.graph;
  };
  const dense = (name: string, units: number, activation: string): LayerNode => ({
    name,
    className: 'Dense',
    config: {
      units,
      activation,
      useBias: true,
      kernelInitializer: { className: 'GlorotUniform', config: { seed: null } },
      biasInitializer: { className: 'Zeros', config: {} },
      kernelRegularizer: null,
      biasRegularizer: null,
      activityRegularizer: null,
      kernelConstraint: null,
      biasConstraint: null,
    },
    inbound: [],
    trainable: true,
  });
  add(cut, dense('bench_dense', 128, 'relu'));
  add('bench_dense', {
    name: 'bench_dropout',
    className: 'Dropout',
    config: { rate: 0.2 },
    inbound: [],
    trainable: true,
  });
  add('bench_dropout', dense('bench_out', classes, 'softmax'));
  return g;
}
