import { connect, disconnect } from '../core/graph';
import { getLayerSpec } from '../core/layers/registry';
import { layerIndex } from '../core/graph';
import type { Action } from './types';

/** Connects two layers by dragging between their handles. */
export const connectLayers: Action<{ source: string; target: string }> = {
  name: 'connectLayers',
  label: 'Connect layers',
  perform({ graph }, { source, target }) {
    const t = layerIndex(graph).get(target);
    const maxInputs = t ? (getLayerSpec(t.className)?.maxInputs ?? 1) : 1;
    const r = connect(graph, source, target, maxInputs);
    return r.ok ? { graph: r.graph } : { error: r.error };
  },
};

/** Removes connections (selected edges deleted with Delete). */
export const disconnectLayers: Action<{ edges: { source: string; target: string }[] }> = {
  name: 'disconnectLayers',
  label: 'Remove connection',
  perform({ graph }, { edges }) {
    let g = graph;
    for (const e of edges) {
      const r = disconnect(g, e.source, e.target);
      if (!r.ok) return { error: r.error };
      g = r.graph;
    }
    return { graph: g };
  },
};
