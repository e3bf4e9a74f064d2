import { renameLayer as renameInGraph, updateConfig } from '../core/graph';
import type { JsonValue } from '../core/types';
import type { Action } from './types';

/** Sets one config field; typing into the same field merges into one undo step. */
export const updateLayerConfig: Action<{ name: string; key: string; value: JsonValue }> = {
  name: 'updateLayerConfig',
  label: 'Edit layer',
  perform({ graph }, { name, key, value }) {
    const r = updateConfig(graph, name, { [key]: value });
    return r.ok ? { graph: r.graph, mergeKey: `config:${name}:${key}` } : { error: r.error };
  },
};

/** Renames a layer; references and pretrained weights follow it. */
export const renameLayer: Action<{ from: string; to: string }> = {
  name: 'renameLayer',
  label: 'Rename layer',
  perform({ graph }, { from, to }) {
    const r = renameInGraph(graph, from, to);
    return r.ok ? { graph: r.graph, select: [to.trim()] } : { error: r.error };
  },
};
