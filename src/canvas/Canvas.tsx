import {
  Background,
  Controls,
  MiniMap,
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

  const nodes = useMemo(() => {
    // Until the layout of a new structure arrives, a new node sits below its first input.
    return view.nodes.map((n) => {
      let pos = positions[n.id];
      if (!pos && graph) {
        const layer = graph.layers.find((l) => l.name === n.id);
        const src = layer?.inbound[0];
        const srcPos = src ? positions[src] : undefined;
        pos = srcPos ? { x: srcPos.x + 40, y: srcPos.y + NODE_HEIGHT + 30 } : { x: 0, y: 0 };
      }
      return { ...n, position: pos };
    });
  }, [view, positions, graph]);

  const edges = useMemo(
    () => view.edges.map((e) => ({ ...e, selected: selectedEdges.includes(e.id) })),
    [view, selectedEdges],
  );

  // First layout of a model: show its head, where fine-tuning starts, at a readable zoom.
  useEffect(() => {
    if (!graph || !laidOutKey || initialViewFor.current === modelId) return;
    const out = positions[graph.outputs[0] ?? ''];
    if (!out) return;
    initialViewFor.current = modelId;
    const height = document.querySelector('.react-flow')?.clientHeight ?? 800;
    const zoom = 0.85;
    void flow.setCenter(out.x + NODE_WIDTH / 2, out.y + NODE_HEIGHT - height / (2 * zoom) + 60, { zoom });
  }, [graph, laidOutKey, positions, flow, modelId]);

  useEffect(() => {
    if (!focusRequest) return;
    const pos = positions[focusRequest.name];
    if (pos) void flow.setCenter(pos.x + NODE_WIDTH / 2, pos.y + NODE_HEIGHT / 2, { zoom: 1, duration: 300 });
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
    <div className="canvas" onDragOver={onDragOver} onDrop={onDrop}>
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
