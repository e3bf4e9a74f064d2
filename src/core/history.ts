import type { ModelGraph } from './types';

/**
 * Undo/redo over immutable graphs. Each entry keeps the graph before and after one user command;
 * the graphs share every untouched layer, so an entry costs only the layers it changed.
 * Consecutive edits with the same `mergeKey` (typing into one Inspector field) form one entry.
 */

export interface HistoryEntry {
  readonly label: string;
  readonly before: ModelGraph;
  readonly after: ModelGraph;
  readonly mergeKey?: string;
}

export interface History {
  readonly past: readonly HistoryEntry[];
  readonly future: readonly HistoryEntry[];
}

export const MAX_HISTORY = 200;

/** An empty history. */
export const emptyHistory = (): History => ({ past: [], future: [] });

/** Records a command; clears redo. Merges into the last entry when the merge keys match. */
export function record(history: History, entry: HistoryEntry): History {
  const last = history.past[history.past.length - 1];
  if (entry.mergeKey && last && last.mergeKey === entry.mergeKey && history.future.length === 0) {
    return { past: [...history.past.slice(0, -1), { ...last, after: entry.after }], future: [] };
  }
  const past = [...history.past, entry];
  return { past: past.length > MAX_HISTORY ? past.slice(past.length - MAX_HISTORY) : past, future: [] };
}

/** Steps back one command: returns the graph to show and the new history, or null at the start. */
export function undo(history: History): { graph: ModelGraph; history: History; label: string } | null {
  const entry = history.past[history.past.length - 1];
  if (!entry) return null;
  return {
    graph: entry.before,
    label: entry.label,
    history: {
      past: history.past.slice(0, -1),
      future: [{ ...entry, mergeKey: undefined }, ...history.future],
    },
  };
}

/** Re-applies the last undone command, or null when there is none. */
export function redo(history: History): { graph: ModelGraph; history: History; label: string } | null {
  const entry = history.future[0];
  if (!entry) return null;
  return {
    graph: entry.after,
    label: entry.label,
    history: { past: [...history.past, entry], future: history.future.slice(1) },
  };
}
