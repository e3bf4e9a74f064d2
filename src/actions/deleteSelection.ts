import { deleteLayers } from '../core/graph';
import type { Action } from './types';

/** Deletes the selected layers (or the named ones), bypassing single-input layers. */
export const deleteSelection: Action<{ names?: string[] } | void> = {
  name: 'deleteSelection',
  label: 'Delete layer',
  shortcut: 'Delete',
  perform({ graph, selection }, args) {
    const names = (args && args.names) || [...selection];
    if (names.length === 0) return null;
    const r = deleteLayers(graph, names);
    return r.ok ? { graph: r.graph, select: [] } : { error: r.error };
  },
};
