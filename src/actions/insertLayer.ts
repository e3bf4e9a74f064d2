import { addLayer, insertAfter, insertOnEdge, uniqueName } from '../core/graph';
import { getLayerSpec } from '../core/layers/registry';
import type { Action } from './types';

export interface InsertLayerArgs {
  className: string;
  /** Insert right after this layer (keyboard path). */
  after?: string;
  /** Insert on this edge (drop on an edge). */
  edge?: { source: string; target: string };
}

/** Adds a layer from the palette: after a layer, on an edge, or unconnected on the canvas. */
export const insertLayer: Action<InsertLayerArgs> = {
  name: 'insertLayer',
  label: 'Insert layer',
  perform({ graph }, { className, after, edge }) {
    const spec = getLayerSpec(className);
    if (!spec) return { error: `${className} is not a layer the editor can add.` };
    const layer = {
      name: uniqueName(graph, className),
      className,
      config: spec.defaults(),
      inbound: [] as string[],
      trainable: true,
    };
    const r = edge
      ? insertOnEdge(graph, edge.source, edge.target, layer)
      : after
        ? insertAfter(graph, after, layer)
        : addLayer(graph, layer);
    return r.ok ? { graph: r.graph, select: [layer.name] } : { error: r.error };
  },
};
