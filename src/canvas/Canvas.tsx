import {
  Background,
  Controls,
  MiniMap,
  Position,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type NodeChange,
  type EdgeChange,
  type Node,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { connectLayers } from '../actions/connect';
import { insertLayer } from '../actions/insertLayer';
import { runAction } from '../actions/manager';
import type { ModelGraph } from '../core/types';
import type { GraphAnalysis } from '../core/analysis';
import { useEditor } from '../store/editorStore';
import { findBlocks } from './blocks';
import { formatShape } from './format';
import { layoutInWorker } from './layoutClient';
import type { Positions } from './layeredLayout';
import { NODE_HEIGHT, NODE_WIDTH, nodeTypes } from './nodeTypes';

export const PALETTE_MIME = 'application/x-retrain-layer';
const REVEAL_CHUNK = 60;
/**
 * Above this many nodes React Flow mounts only the nodes and edges in the viewport: mounting
 * costs ~1.5 ms a node, so a 2,000-layer model took seconds to show and panned at 15 fps.
 * MobileNet V2 (~155) and Inception V3 (~313) stay below it and keep every node mounted.
 */
export const VIRTUALIZE_ABOVE = 400;
/** Marks a model as fully revealed (larger than any graph). */
const REVEAL_DONE = Number.MAX_SAFE_INTEGER;

/**
 * Size and handles known before mounting: React Flow otherwise mounts every node once to measure
 * its handles, even with onlyRenderVisibleElements (2,000 nodes mounted and unmounted again).
 */
const PREMEASURED: Pick<Node, 'initialWidth' | 'initialHeight' | 'handles'> = {
  initialWidth: NODE_WIDTH,
  initialHeight: NODE_HEIGHT,
  handles: [
    { type: 'target', position: Position.Top, x: NODE_WIDTH / 2 - 3, y: -3, width: 6, height: 6 },
    {
      type: 'source',
      position: Position.Bottom,
      x: NODE_WIDTH / 2 - 3,
      y: NODE_HEIGHT - 3,
      width: 6,
      height: 6,
    },
  ],
};

function shallowEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}

interface View {
  nodes: Node[];
  edges: Edge[];
  /** Stable key of the structure: layout reruns only when it changes. */
  structureKey: string;
}

/** Builds React Flow nodes and edges, replacing collapsed blocks by one node each. */
function buildView(
  graph: ModelGraph,
  analysis: GraphAnalysis,
  collapsed: readonly string[],
  selection: readonly string[],
): View {
  const blocks = findBlocks(graph);
  const memberOf = new Map<string, string>();
  for (const [id, members] of blocks) for (const m of members) memberOf.set(m, id);
  const shown = (name: string) => {
    const b = memberOf.get(name);
    return b && collapsed.includes(b) ? `block:${b}` : name;
  };
  const nodes: Node[] = [];
  const blockNodes = new Map<string, Node>();
  for (const layer of graph.layers) {
    const info = analysis.layers.get(layer.name);
    const id = shown(layer.name);
    if (id !== layer.name) {
      const block = memberOf.get(layer.name)!;
      const existing = blockNodes.get(id);
      const data = (existing?.data as { params: number; count: number; frozen: boolean } | undefined) ?? {
        params: 0,
        count: 0,
        frozen: true,
      };
      const next = {
        id,
        type: 'block',
        position: { x: 0, y: 0 },
        data: {
          block,
          count: data.count + 1,
          params: data.params + (info?.params ?? 0),
          frozen: data.frozen && !layer.trainable,
          shape: formatShape(info?.shape),
          firstLayer: (existing?.data as { firstLayer?: string } | undefined)?.firstLayer ?? layer.name,
        },
      };
      if (!existing) nodes.push(next);
      else Object.assign(existing, next);
      blockNodes.set(id, existing ?? next);
      continue;
    }
    nodes.push({
      id: layer.name,
      type: 'layer',
      position: { x: 0, y: 0 },
      selected: selection.includes(layer.name),
      data: {
        name: layer.name,
        className: layer.className,
        shape: formatShape(info?.shape),
        params: info?.params ?? 0,
        trainable: layer.trainable,
        error: info?.error,
        isOutput: graph.outputs.includes(layer.name),
        block: memberOf.get(layer.name),
      },
    });
  }
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const layer of graph.layers) {
    const target = shown(layer.name);
    for (const src of layer.inbound) {
      const source = shown(src);
      if (source === target) continue;
      const id = `${source}->${target}`;
      if (seen.has(id)) continue;
      seen.add(id);
      edges.push({ id, source, target, data: { source: src, target: layer.name } });
    }
  }
  const structureKey = nodes.map((n) => n.id).join('|') + '#' + edges.map((e) => e.id).join('|');
  return { nodes, edges, structureKey };
}

/** The model graph canvas. */
export function Canvas() {
  const { graph, analysis, collapsed, selection, focusRequest, modelId, selectedEdges } = useEditor(
    useShallow((s) => ({
      selectedEdges: s.selectedEdges,
      graph: s.graph,
      analysis: s.analysis,
      collapsed: s.collapsed,
      selection: s.selection,
      focusRequest: s.focusRequest,
      modelId: s.model?.id,
    })),
  );
  const flow = useReactFlow();
  const [positions, setPositions] = useState<Positions>({});
  const [laidOutKey, setLaidOutKey] = useState('');
  const initialViewFor = useRef<string | undefined>(undefined);

  const view = useMemo(
    () =>
      graph && analysis
        ? buildView(graph, analysis, collapsed, selection)
        : { nodes: [], edges: [], structureKey: '' },
    [graph, analysis, collapsed, selection],
  );

  useEffect(() => {
    if (!view.structureKey || view.structureKey === laidOutKey) return;
    let cancelled = false;
    layoutInWorker({
      nodes: view.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
      edges: view.edges.map((e) => ({ source: e.source, target: e.target })),
    }).then(
      (p) => {
        if (cancelled) return;
        setPositions(p);
        setLaidOutKey(view.structureKey);
      },
      (err: unknown) =>
        useEditor
          .getState()
          .pushAlert('warning', `The automatic layout failed (${String(err)}): nodes may overlap.`),
    );
    return () => {
      cancelled = true;
    };
  }, [view, laidOutKey]);

  const layoutReady = laidOutKey !== '' && laidOutKey === view.structureKey;
  // A freshly opened model waits for its layout, then mounts in slices so that no frame of a
  // 300-layer model blocks the page for long (each node costs ~1.5 ms to mount).
  const [revealed, setRevealed] = useState(0);
  const [revealFor, setRevealFor] = useState<string | undefined>(undefined);
  const total = view.nodes.length;
  const virtualized = total > VIRTUALIZE_ABOVE;
  useEffect(() => {
    if (revealFor !== modelId) {
      if (layoutReady) {
        setRevealFor(modelId);
        // Virtualized, only the viewport's nodes mount: no need to reveal in slices.
        setRevealed(virtualized ? REVEAL_DONE : Math.min(total, REVEAL_CHUNK));
      }
      return;
    }
    if (revealed >= total) return;
    const id = requestAnimationFrame(() => setRevealed((r) => Math.min(total, r + REVEAL_CHUNK)));
    return () => cancelAnimationFrame(id);
  }, [layoutReady, modelId, revealFor, revealed, total, virtualized]);
  // Once a model is fully shown, later edits show every node at once.
  const fullyShown = revealFor === modelId && revealed >= REVEAL_DONE;
  useEffect(() => {
    if (revealFor === modelId && revealed >= total && revealed < REVEAL_DONE) setRevealed(REVEAL_DONE);
  }, [revealFor, modelId, revealed, total]);
  const limit = revealFor !== modelId ? 0 : fullyShown ? total : revealed;

  const cache = useRef(new Map<string, Node>());
  const nodes = useMemo(() => {
    const previous = cache.current;
    const next = new Map<string, Node>();
    const out = view.nodes.slice(0, limit).map((n) => {
      let pos = positions[n.id];
      if (!pos && graph) {
        // Until the layout of a new structure arrives, a new node sits below its first input.
        const layer = graph.layers.find((l) => l.name === n.id);
        const src = layer?.inbound[0];
        const srcPos = src ? positions[src] : undefined;
        pos = srcPos ? { x: srcPos.x + 40, y: srcPos.y + NODE_HEIGHT + 30 } : { x: 0, y: 0 };
      }
      // Reusing unchanged node objects lets React Flow skip re-rendering them after an edit.
      const old = previous.get(n.id);
      const node =
        old &&
        old.position === pos &&
        old.selected === n.selected &&
        old.type === n.type &&
        (old.handles !== undefined) === virtualized &&
        shallowEqual(old.data, n.data)
          ? old
          : virtualized
            ? { ...n, position: pos, ...PREMEASURED }
            : { ...n, position: pos };
      next.set(n.id, node);
      return node;
    });
    cache.current = next;
    return out;
  }, [view, positions, graph, limit, virtualized]);

  const edges = useMemo(() => {
    const shown = new Set(nodes.map((n) => n.id));
    return view.edges
      .filter((e) => shown.has(e.source) && shown.has(e.target))
      .map((e) => ({ ...e, selected: selectedEdges.includes(e.id) }));
  }, [view, selectedEdges, nodes]);

  // First layout of a model: show its head, where fine-tuning starts, at a readable zoom.
  useEffect(() => {
    // Wait for this model's own layout: the previous model's positions may share layer names.
    if (!graph || !layoutReady || initialViewFor.current === modelId) return;
    const out = positions[graph.outputs[0] ?? ''];
    if (!out) return;
    initialViewFor.current = modelId;
    const height = document.querySelector('.react-flow')?.clientHeight ?? 800;
    const zoom = 0.85;
    void flow.setCenter(out.x + NODE_WIDTH / 2, out.y + NODE_HEIGHT - height / (2 * zoom) + 60, { zoom });
  }, [graph, layoutReady, positions, flow, modelId]);

  useEffect(() => {
    if (!focusRequest) return;
    const pos = positions[focusRequest.name];
    if (!pos) return; // after a collapse the node appears with the next layout
    void flow.setCenter(pos.x + NODE_WIDTH / 2, pos.y + NODE_HEIGHT / 2, { zoom: 1, duration: 300 });
    // Handled once: later layouts must not pull the view back here.
    useEditor.getState().clearFocus();
  }, [focusRequest, positions, flow]);

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    const store = useEditor.getState();
    let sel: string[] | null = null;
    for (const c of changes) {
      if (c.type === 'select') {
        sel ??= [...store.selection];
        if (c.selected && !sel.includes(c.id)) sel.push(c.id);
        if (!c.selected) sel = sel.filter((n) => n !== c.id);
      } else if (c.type === 'position' && c.position) {
        const p = c.position;
        // Dragging moves a node on screen only: it is not an edit of the model.
        setPositions((prev) => ({ ...prev, [c.id]: p }));
      }
    }
    if (sel) store.select(sel.filter((n) => !n.startsWith('block:')));
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    const store = useEditor.getState();
    let next = [...store.selectedEdges];
    for (const c of changes) {
      if (c.type !== 'select') continue;
      next = c.selected ? [...new Set([...next, c.id])] : next.filter((id) => id !== c.id);
    }
    store.selectEdges(next);
  }, []);

  const onConnect = useCallback((c: Connection) => {
    if (c.source && c.target) runAction(connectLayers, { source: c.source, target: c.target });
  }, []);

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const className = e.dataTransfer.getData(PALETTE_MIME);
      if (!className) return;
      e.preventDefault();
      e.stopPropagation();
      const edgeEl = document
        .elementsFromPoint(e.clientX, e.clientY)
        .map((el) => el.closest('.react-flow__edge'))
        .find((el): el is Element => !!el);
      const edgeId =
        edgeEl?.getAttribute('data-id') ?? edgeEl?.getAttribute('data-testid')?.replace(/^rf__edge-/, '');
      const edge = edges.find((x) => x.id === edgeId);
      const data = edge?.data as { source: string; target: string } | undefined;
      if (data) {
        runAction(insertLayer, { className, edge: data });
        return;
      }
      const ok = runAction(insertLayer, { className });
      if (ok) {
        const sel = useEditor.getState().selection[0];
        const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        if (sel)
          setPositions((prev) => ({ ...prev, [sel]: { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 } }));
      }
    },
    [edges, flow],
  );

  return (
    <div
      className="canvas"
      onDragOver={onDragOver}
      onDrop={onDrop}
      // How many nodes hold their laid-out position (the benchmark waits for all of them).
      data-layout={layoutReady ? 'ready' : 'pending'}
      data-node-count={layoutReady ? nodes.length : 0}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        deleteKeyCode={null}
        minZoom={0.02}
        maxZoom={2}
        nodesConnectable
        elevateNodesOnSelect={false}
        onlyRenderVisibleElements={virtualized}
        proOptions={{ hideAttribution: true }}
        aria-label="Model graph"
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel="Minimap" nodeStrokeWidth={3} />
      </ReactFlow>
    </div>
  );
}
