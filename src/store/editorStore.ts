import { create } from 'zustand';
import { initiallyCollapsed } from '../canvas/blocks';
import { analyzeGraph, type GraphAnalysis } from '../core/analysis';
import { emptyHistory, record, redo, undo, type History } from '../core/history';
import type { ModelGraph } from '../core/types';
import type { ModelDescriptor } from '../export/modelFiles';

/**
 * The editor's state: the graph with its history and analysis, the selection, the loaded
 * model's description and the alerts. Graph changes go through `commit` so that every edit
 * is analysed and undoable.
 */

export interface AlertItem {
  id: number;
  kind: 'error' | 'warning' | 'info';
  message: string;
  /** Extra action offered with the alert (e.g. "Match classes"). */
  action?: { label: string; run: () => void };
}

export interface EditorState {
  graph: ModelGraph | null;
  analysis: GraphAnalysis | null;
  history: History;
  model: ModelDescriptor | null;
  selection: string[];
  /** Selected connections (edge ids "source->target"), deleted with the Delete key. */
  selectedEdges: string[];
  alerts: AlertItem[];
  loading: string | null;
  /** Collapsed block ids (name prefixes) in the canvas. */
  collapsed: string[];
  /** Bumped to ask the canvas to centre a layer (search box). */
  focusRequest: { name: string; nonce: number } | null;

  loadModel(model: ModelDescriptor): void;
  commit(label: string, next: ModelGraph, opts?: { mergeKey?: string; select?: string[] }): void;
  undo(): void;
  redo(): void;
  select(names: string[]): void;
  selectEdges(ids: string[]): void;
  pushAlert(kind: AlertItem['kind'], message: string, action?: AlertItem['action']): void;
  dismissAlert(id: number): void;
  setLoading(text: string | null): void;
  toggleCollapsed(block: string): void;
  focusLayer(name: string): void;
  clearFocus(): void;
}

let alertId = 0;

export const useEditor = create<EditorState>()((set, get) => {
  /** Shows an undo/redo step's graph, keeping the selected layers that still exist. */
  const applyStep = (step: ReturnType<typeof undo>) => {
    if (!step) return;
    const names = new Set(step.graph.layers.map((l) => l.name));
    set({
      graph: step.graph,
      analysis: analyzeGraph(step.graph),
      history: step.history,
      selection: get().selection.filter((n) => names.has(n)),
    });
  };
  return {
    graph: null,
    analysis: null,
    history: emptyHistory(),
    model: null,
    selection: [],
    selectedEdges: [],
    alerts: [],
    loading: null,
    collapsed: [],
    focusRequest: null,

    loadModel(model) {
      set({
        graph: model.graph,
        analysis: analyzeGraph(model.graph),
        history: emptyHistory(),
        model,
        selection: [],
        collapsed: initiallyCollapsed(model.graph),
      });
    },

    commit(label, next, opts) {
      const { graph, history, selection } = get();
      if (!graph || next === graph) return;
      const names = new Set(next.layers.map((l) => l.name));
      set({
        graph: next,
        analysis: analyzeGraph(next),
        history: record(history, { label, before: graph, after: next, mergeKey: opts?.mergeKey }),
        selection: opts?.select ?? selection.filter((n) => names.has(n)),
      });
    },

    undo() {
      applyStep(undo(get().history));
    },

    redo() {
      applyStep(redo(get().history));
    },

    select(names) {
      set({ selection: names });
    },

    selectEdges(ids) {
      set({ selectedEdges: ids });
    },

    pushAlert(kind, message, action) {
      // The same message twice in a row is one alert, not a growing pile.
      const alerts = get().alerts.filter((a) => a.message !== message);
      set({ alerts: [...alerts, { id: ++alertId, kind, message, action }].slice(-6) });
    },

    dismissAlert(id) {
      set({ alerts: get().alerts.filter((a) => a.id !== id) });
    },

    setLoading(text) {
      set({ loading: text });
    },

    toggleCollapsed(block) {
      const c = get().collapsed;
      set({ collapsed: c.includes(block) ? c.filter((b) => b !== block) : [...c, block] });
    },

    focusLayer(name) {
      set({ focusRequest: { name, nonce: Date.now() } });
    },

    clearFocus() {
      set({ focusRequest: null });
    },
  };
});
