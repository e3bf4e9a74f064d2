import { freezeUpTo, layerIndex, setTrainable, unfreezeFrom } from '../core/graph';
import type { Action } from './types';

/** Flips one layer's freeze lock. */
export const toggleFreeze: Action<{ name: string }> = {
  name: 'toggleFreeze',
  label: 'Freeze layer',
  perform({ graph }, { name }) {
    const layer = layerIndex(graph).get(name);
    if (!layer) return { error: `There is no layer named "${name}".` };
    return { graph: setTrainable(graph, [name], !layer.trainable) };
  },
};

/** Freezes a layer and everything before it. */
export const freezeAllUpToHere: Action<{ name: string }> = {
  name: 'freezeUpTo',
  label: 'Freeze all up to here',
  perform({ graph }, { name }) {
    return { graph: freezeUpTo(graph, name) };
  },
};

/** Unfreezes a layer and everything after it (the second phase of the Keras recipe). */
export const unfreezeFromHere: Action<{ name: string }> = {
  name: 'unfreezeFrom',
  label: 'Unfreeze from here',
  perform({ graph }, { name }) {
    return { graph: unfreezeFrom(graph, name) };
  },
};
