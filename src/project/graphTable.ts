import type { History, HistoryEntry } from '../core/history';
import type { LayerNode, ModelGraph } from '../core/types';

/**
 * The graph and its undo history as plain JSON without repeats: history entries share every
 * untouched layer and graph, so each distinct layer and graph is written once and referenced by
 * index. Unpacking restores the sharing too.
 */

interface PackedGraph {
  rest: Omit<ModelGraph, 'layers'>;
  layers: number[];
}

interface PackedEntry {
  label: string;
  before: number;
  after: number;
  mergeKey?: string;
}

export interface PackedGraphs {
  layers: LayerNode[];
  graphs: PackedGraph[];
  /** Index of the current graph, -1 for none. */
  current: number;
  /** Index of the loaded model's original graph, -1 for none. */
  original: number;
  past: PackedEntry[];
  future: PackedEntry[];
}

/** Packs the current graph, the model's original graph and the history. */
export function packGraphs(
  current: ModelGraph | null,
  original: ModelGraph | null,
  history: History,
): PackedGraphs {
  const layerIds = new Map<LayerNode, number>();
  const graphIds = new Map<ModelGraph, number>();
  const layers: LayerNode[] = [];
  const graphs: PackedGraph[] = [];
  const graph = (g: ModelGraph | null): number => {
    if (!g) return -1;
    let id = graphIds.get(g);
    if (id !== undefined) return id;
    const { layers: ls, ...rest } = g;
    const refs = ls.map((l) => {
      let lid = layerIds.get(l);
      if (lid === undefined) {
        lid = layers.length;
        layers.push(l);
        layerIds.set(l, lid);
      }
      return lid;
    });
    id = graphs.length;
    graphs.push({ rest, layers: refs });
    graphIds.set(g, id);
    return id;
  };
  const entry = (e: HistoryEntry): PackedEntry => ({
    label: e.label,
    before: graph(e.before),
    after: graph(e.after),
    ...(e.mergeKey !== undefined ? { mergeKey: e.mergeKey } : {}),
  });
  return {
    current: graph(current),
    original: graph(original),
    past: history.past.map(entry),
    future: history.future.map(entry),
    layers,
    graphs,
  };
}

/** Thrown when packed graphs do not hold together (a damaged project file). */
export class PackedGraphError extends Error {}

/** Unpacks what packGraphs wrote; throws PackedGraphError on dangling references. */
export function unpackGraphs(packed: PackedGraphs): {
  current: ModelGraph | null;
  original: ModelGraph | null;
  history: History;
} {
  const fail = (what: string): never => {
    throw new PackedGraphError(what);
  };
  if (!Array.isArray(packed?.layers) || !Array.isArray(packed.graphs)) fail('the graph table is missing');
  const graphs: ModelGraph[] = packed.graphs.map((g, i) => {
    if (!Array.isArray(g?.layers)) fail(`graph ${i} has no layer list`);
    return {
      ...g.rest,
      layers: g.layers.map((l) => packed.layers[l] ?? fail(`graph ${i} names a missing layer ${l}`)),
    };
  });
  const graph = (i: number, what: string): ModelGraph | null =>
    i === -1 ? null : (graphs[i] ?? fail(`${what} names a missing graph ${i}`));
  const entry = (e: PackedEntry, i: number): HistoryEntry => ({
    label: String(e.label),
    before: graph(e.before, `history entry ${i}`) ?? fail(`history entry ${i} has no graph`),
    after: graph(e.after, `history entry ${i}`) ?? fail(`history entry ${i} has no graph`),
    ...(e.mergeKey !== undefined ? { mergeKey: e.mergeKey } : {}),
  });
  return {
    current: graph(packed.current, 'the current graph'),
    original: graph(packed.original, 'the model'),
    history: {
      past: (packed.past ?? []).map(entry),
      future: (packed.future ?? []).map(entry),
    },
  };
}
