import type { LayerConfig, LayerNode, ModelGraph } from './types';

/**
 * Pure graph edits. Each returns a new ModelGraph (structural sharing: untouched layers keep
 * their identity) or an EditError that says what was wrong and what to do.
 */

export type EditResult = { ok: true; graph: ModelGraph } | { ok: false; error: string };

const ok = (graph: ModelGraph): EditResult => ({ ok: true, graph });
const fail = (error: string): EditResult => ({ ok: false, error });

/** Index of layers by name. */
export function layerIndex(graph: ModelGraph): Map<string, LayerNode> {
  return new Map(graph.layers.map((l) => [l.name, l]));
}

/** Names of the layers that take `name` as an input. */
export function consumersOf(graph: ModelGraph, name: string): string[] {
  return graph.layers.filter((l) => l.inbound.includes(name)).map((l) => l.name);
}

/** Keras-style base name for a class: "Conv2D" → "conv2d", "GlobalAveragePooling2D" → "global_average_pooling2d". */
export function baseNameFor(className: string): string {
  return className
    .replace(/(\d)D\b/g, '$1d')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** First free name "<base>_<n>" (n ≥ 1), as Keras names new layers. */
export function uniqueName(graph: ModelGraph, className: string): string {
  const taken = new Set(graph.layers.map((l) => l.name));
  const base = baseNameFor(className);
  for (let n = 1; ; n++) {
    const candidate = `${base}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Sorts layers so every layer comes after its inputs, keeping the current order where possible.
 * Returns null when the graph has a cycle.
 */
export function topoSort(layers: readonly LayerNode[]): LayerNode[] | null {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const state = new Map<string, 1 | 2>();
  const out: LayerNode[] = [];
  let cyclic = false;
  const visit = (l: LayerNode): void => {
    const s = state.get(l.name);
    if (s === 2 || cyclic) return;
    if (s === 1) {
      cyclic = true;
      return;
    }
    state.set(l.name, 1);
    for (const n of l.inbound) {
      const dep = byName.get(n);
      if (dep) visit(dep);
    }
    state.set(l.name, 2);
    out.push(l);
  };
  for (const l of layers) visit(l);
  return cyclic ? null : out;
}

/** Layers on a cycle (empty when acyclic), for marking them in the canvas. */
export function findCycle(graph: ModelGraph): string[] {
  const byName = layerIndex(graph);
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  let cycle: string[] = [];
  const visit = (name: string): boolean => {
    const s = state.get(name);
    if (s === 2) return false;
    if (s === 1) {
      cycle = stack.slice(stack.indexOf(name));
      return true;
    }
    state.set(name, 1);
    stack.push(name);
    for (const n of byName.get(name)?.inbound ?? []) if (byName.has(n) && visit(n)) return true;
    stack.pop();
    state.set(name, 2);
    return false;
  };
  for (const l of graph.layers) if (visit(l.name)) break;
  return cycle;
}

function withLayers(graph: ModelGraph, layers: LayerNode[], outputs = graph.outputs): ModelGraph {
  return { ...graph, layers, outputs };
}

/**
 * Deletes layers. A deleted layer with one input is bypassed: its consumers (and the model
 * outputs) are reconnected to its input. Input layers cannot be deleted.
 */
export function deleteLayers(graph: ModelGraph, names: readonly string[]): EditResult {
  const doomed = new Set(names);
  const byName = layerIndex(graph);
  for (const n of doomed) {
    const l = byName.get(n);
    if (!l) return fail(`There is no layer named "${n}" to delete.`);
    if (l.className === 'InputLayer' || graph.inputs.includes(n)) {
      return fail(`"${n}" is the model's input and cannot be deleted: delete the layers after it instead.`);
    }
  }
  // Follow chains of deleted single-input layers to the first survivor.
  const replacement = (name: string): string[] => {
    if (!doomed.has(name)) return [name];
    const l = byName.get(name)!;
    if (l.inbound.length !== 1) return [];
    return replacement(l.inbound[0]);
  };
  const layers = graph.layers
    .filter((l) => !doomed.has(l.name))
    .map((l) => {
      if (!l.inbound.some((n) => doomed.has(n))) return l;
      const inbound = [...new Set(l.inbound.flatMap(replacement))];
      return { ...l, inbound };
    });
  const outputs = [...new Set(graph.outputs.flatMap(replacement))];
  return ok(withLayers(graph, layers, outputs));
}

/** Adds an unconnected layer (dropped on empty canvas); the user connects it by dragging. */
export function addLayer(graph: ModelGraph, layer: LayerNode): EditResult {
  if (graph.layers.some((l) => l.name === layer.name))
    return fail(`A layer named "${layer.name}" exists already.`);
  return ok(withLayers(graph, [...graph.layers, { ...layer, inbound: [] }]));
}

/** Inserts `layer` right after `after`: it takes over all of `after`'s consumers (and output role). */
export function insertAfter(graph: ModelGraph, after: string, layer: LayerNode): EditResult {
  const idx = graph.layers.findIndex((l) => l.name === after);
  if (idx < 0) return fail(`There is no layer named "${after}" to insert after.`);
  if (graph.layers.some((l) => l.name === layer.name))
    return fail(`A layer named "${layer.name}" exists already.`);
  const rewired = graph.layers.map((l) =>
    l.inbound.includes(after) ? { ...l, inbound: l.inbound.map((n) => (n === after ? layer.name : n)) } : l,
  );
  const layers = [...rewired.slice(0, idx + 1), { ...layer, inbound: [after] }, ...rewired.slice(idx + 1)];
  const outputs = graph.outputs.map((n) => (n === after ? layer.name : n));
  return ok(withLayers(graph, layers, outputs));
}

/** Inserts `layer` on the edge source → target only. */
export function insertOnEdge(
  graph: ModelGraph,
  source: string,
  target: string,
  layer: LayerNode,
): EditResult {
  const t = graph.layers.find((l) => l.name === target);
  if (!t || !t.inbound.includes(source))
    return fail(`There is no connection from "${source}" to "${target}".`);
  if (graph.layers.some((l) => l.name === layer.name))
    return fail(`A layer named "${layer.name}" exists already.`);
  const idx = graph.layers.findIndex((l) => l.name === source);
  const rewired = graph.layers.map((l) =>
    l === t ? { ...l, inbound: l.inbound.map((n) => (n === source ? layer.name : n)) } : l,
  );
  const layers = [...rewired.slice(0, idx + 1), { ...layer, inbound: [source] }, ...rewired.slice(idx + 1)];
  return ok(withLayers(graph, layers));
}

/**
 * Connects source → target. A single-input target has its input replaced; a merge target
 * (maxInputs > 1) gains an input. Refuses connections that would make a cycle.
 */
export function connect(
  graph: ModelGraph,
  source: string,
  target: string,
  targetMaxInputs: number,
): EditResult {
  if (source === target) return fail(`"${source}" cannot feed itself.`);
  const byName = layerIndex(graph);
  const t = byName.get(target);
  if (!byName.has(source) || !t)
    return fail(`Cannot connect "${source}" to "${target}": one of them does not exist.`);
  if (t.className === 'InputLayer') return fail(`"${target}" is an input layer and takes no inputs.`);
  if (t.inbound.includes(source)) return ok(graph);
  const inbound = targetMaxInputs > 1 ? [...t.inbound, source] : [source];
  const layers = graph.layers.map((l) => (l === t ? { ...t, inbound } : l));
  const sorted = topoSort(layers);
  if (!sorted) {
    return fail(
      `Connecting "${source}" to "${target}" would make a cycle: a layer cannot depend on its own output.`,
    );
  }
  // An output that now feeds a dangling layer hands its output role downstream to that layer.
  const targetIsSink = consumersOf(graph, target).length === 0 && !graph.outputs.includes(target);
  const outputs = targetIsSink ? graph.outputs.map((o) => (o === source ? target : o)) : graph.outputs;
  return ok(withLayers(graph, sorted, outputs));
}

/** Removes the connection source → target. */
export function disconnect(graph: ModelGraph, source: string, target: string): EditResult {
  const t = graph.layers.find((l) => l.name === target);
  if (!t || !t.inbound.includes(source))
    return fail(`There is no connection from "${source}" to "${target}".`);
  const layers = graph.layers.map((l) =>
    l === t ? { ...t, inbound: t.inbound.filter((n) => n !== source) } : l,
  );
  return ok(withLayers(graph, layers));
}

/** Merges `patch` into a layer's config. */
export function updateConfig(graph: ModelGraph, name: string, patch: LayerConfig): EditResult {
  const l = graph.layers.find((x) => x.name === name);
  if (!l) return fail(`There is no layer named "${name}".`);
  return ok(
    withLayers(
      graph,
      graph.layers.map((x) => (x === l ? { ...l, config: { ...l.config, ...patch } } : x)),
    ),
  );
}

/** Renames a layer and every reference to it; its pretrained weights follow (weightsKey). */
export function renameLayer(graph: ModelGraph, from: string, to: string): EditResult {
  const name = to.trim();
  if (!name) return fail('A layer name cannot be empty: type a name.');
  if (name.length > 200) return fail(`The name is ${name.length} characters long: use at most 200.`);
  if (!/^[\p{L}\p{N}_.\-/]+$/u.test(name)) {
    return fail(
      `"${name}" is not a valid layer name: use letters, digits, "_", "-", "." or "/" (no spaces).`,
    );
  }
  if (name === from) return ok(graph);
  if (graph.layers.some((l) => l.name === name))
    return fail(`A layer named "${name}" exists already: pick another name.`);
  if (!graph.layers.some((l) => l.name === from)) return fail(`There is no layer named "${from}".`);
  const swap = (n: string) => (n === from ? name : n);
  const layers = graph.layers.map((l) =>
    l.name === from || l.inbound.includes(from)
      ? { ...l, name: swap(l.name), inbound: l.inbound.map(swap) }
      : l,
  );
  return ok({ ...graph, layers, inputs: graph.inputs.map(swap), outputs: graph.outputs.map(swap) });
}

/** Sets `trainable` on the named layers. */
export function setTrainable(graph: ModelGraph, names: readonly string[], trainable: boolean): ModelGraph {
  const set = new Set(names);
  return withLayers(
    graph,
    graph.layers.map((l) => (set.has(l.name) && l.trainable !== trainable ? { ...l, trainable } : l)),
  );
}

/** The layer and everything upstream of it. */
export function ancestorsOf(graph: ModelGraph, name: string): Set<string> {
  const byName = layerIndex(graph);
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n) || !byName.has(n)) continue;
    seen.add(n);
    stack.push(...byName.get(n)!.inbound);
  }
  return seen;
}

/** The layer and everything downstream of it. */
export function descendantsOf(graph: ModelGraph, name: string): Set<string> {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const l of graph.layers) if (l.inbound.includes(n)) stack.push(l.name);
  }
  return seen;
}

/** "Freeze all up to here": freezes the layer and all its ancestors. */
export function freezeUpTo(graph: ModelGraph, name: string): ModelGraph {
  return setTrainable(graph, [...ancestorsOf(graph, name)], false);
}

/** "Unfreeze from here": unfreezes the layer and all its descendants. */
export function unfreezeFrom(graph: ModelGraph, name: string): ModelGraph {
  return setTrainable(graph, [...descendantsOf(graph, name)], true);
}
