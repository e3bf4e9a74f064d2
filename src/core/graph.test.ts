import { describe, expect, it } from 'vitest';
import {
  baseNameFor,
  connect,
  deleteLayers,
  disconnect,
  freezeUpTo,
  insertAfter,
  insertOnEdge,
  renameLayer,
  topoSort,
  unfreezeFrom,
  uniqueName,
} from './graph';
import { chainGraph, diamondGraph, layer } from './testGraphs';
import type { ModelGraph } from './types';

const must = (r: { ok: true; graph: ModelGraph } | { ok: false; error: string }) => {
  if (!r.ok) throw new Error(r.error);
  return r.graph;
};
const inbound = (g: ModelGraph, name: string) => g.layers.find((l) => l.name === name)?.inbound;

describe('deleteLayers', () => {
  it('bypasses a single-input layer: its input feeds its consumers', () => {
    const g = must(deleteLayers(chainGraph(), ['dense']));
    expect(g.layers.map((l) => l.name)).toEqual(['input_1', 'conv', 'flatten', 'dense_out']);
    expect(inbound(g, 'dense_out')).toEqual(['flatten']);
  });

  it('hands the output role to the input of a deleted output layer', () => {
    const g = must(deleteLayers(chainGraph(), ['dense_out']));
    expect(g.outputs).toEqual(['dense']);
  });

  it('bypasses chains of deleted layers', () => {
    const g = must(deleteLayers(chainGraph(), ['flatten', 'dense']));
    expect(inbound(g, 'dense_out')).toEqual(['conv']);
  });

  it('removes a merge input without rewiring when the deleted layer had several inputs', () => {
    const g = must(deleteLayers(diamondGraph(), ['add']));
    expect(inbound(g, 'out')).toEqual([]);
  });

  it('keeps a merge consistent when one branch is deleted', () => {
    const g = must(deleteLayers(diamondGraph(), ['c']));
    expect(inbound(g, 'add')).toEqual(['b', 'a']);
  });

  it('refuses to delete the input layer and leaves the graph as it was', () => {
    const g = chainGraph();
    const r = deleteLayers(g, ['input_1']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/input_1.*cannot be deleted/);
  });

  it('keeps untouched layers by identity (cheap history)', () => {
    const g = chainGraph();
    const next = must(deleteLayers(g, ['dense']));
    expect(next.layers[0]).toBe(g.layers[0]);
    expect(next.layers[1]).toBe(g.layers[1]);
  });
});

describe('insert', () => {
  it('inserts after a layer and takes over its consumers and output role', () => {
    const g0 = must(deleteLayers(chainGraph(), ['dense_out']));
    const g = must(insertAfter(g0, 'dense', layer('head', 'Dense', [], { units: 2 })));
    expect(g.outputs).toEqual(['head']);
    expect(inbound(g, 'head')).toEqual(['dense']);
    const mid = must(insertAfter(chainGraph(), 'flatten', layer('drop', 'Dropout', [], { rate: 0.2 })));
    expect(inbound(mid, 'dense')).toEqual(['drop']);
    expect(mid.layers.map((l) => l.name).indexOf('drop')).toBe(3);
  });

  it('inserts on one edge only', () => {
    const g = must(insertOnEdge(diamondGraph(), 'a', 'b', layer('bn', 'BatchNormalization', [])));
    expect(inbound(g, 'b')).toEqual(['bn']);
    expect(inbound(g, 'c')).toEqual(['a']);
    expect(inbound(g, 'bn')).toEqual(['a']);
  });

  it('refuses duplicate names', () => {
    expect(insertAfter(chainGraph(), 'conv', layer('dense', 'Dense', [])).ok).toBe(false);
  });
});

describe('connect / disconnect', () => {
  it('refuses a connection that makes a cycle', () => {
    const r = connect(chainGraph(), 'dense', 'conv', 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/cycle/);
  });

  it('adds an input to a merge layer and replaces the input of a single-input layer', () => {
    const g = must(connect(diamondGraph(), 'input_1', 'add', Infinity));
    expect(inbound(g, 'add')).toEqual(['b', 'c', 'input_1']);
    const h = must(connect(diamondGraph(), 'input_1', 'b', 1));
    expect(inbound(h, 'b')).toEqual(['input_1']);
  });

  it('moves the output to a dangling layer connected after the output', () => {
    const g0 = {
      ...chainGraph(),
      layers: [...chainGraph().layers, layer('extra', 'Dense', [], { units: 3 })],
    };
    const g = must(connect(g0, 'dense_out', 'extra', 1));
    expect(g.outputs).toEqual(['extra']);
    expect(topoSort(g.layers)).not.toBeNull();
  });

  it('disconnects', () => {
    const g = must(disconnect(diamondGraph(), 'c', 'add'));
    expect(inbound(g, 'add')).toEqual(['b']);
  });
});

describe('names', () => {
  it('names new layers as Keras does', () => {
    expect(baseNameFor('Dense')).toBe('dense');
    expect(baseNameFor('Conv2D')).toBe('conv2d');
    expect(baseNameFor('GlobalAveragePooling2D')).toBe('global_average_pooling2d');
    expect(baseNameFor('ReLU')).toBe('re_lu');
    expect(uniqueName(chainGraph(), 'Dense')).toBe('dense_1');
  });

  it('renames a layer and every reference to it, keeping its weights key', () => {
    const g = must(renameLayer(chainGraph(), 'dense', 'hidden'));
    expect(inbound(g, 'dense_out')).toEqual(['hidden']);
    expect(g.layers.find((l) => l.name === 'hidden')?.weightsKey).toBe('dense');
    expect(renameLayer(chainGraph(), 'dense', 'conv').ok).toBe(false);
    expect(renameLayer(chainGraph(), 'dense', '<script>').ok).toBe(false);
    expect(renameLayer(chainGraph(), 'dense', '').ok).toBe(false);
  });
});

describe('freezing', () => {
  it('freezes a layer and everything before it', () => {
    const g = freezeUpTo(diamondGraph(), 'b');
    const frozen = g.layers.filter((l) => !l.trainable).map((l) => l.name);
    expect(frozen).toEqual(['input_1', 'a', 'b']);
  });

  it('unfreezes a layer and everything after it', () => {
    const all = freezeUpTo(diamondGraph(), 'out');
    const g = unfreezeFrom(all, 'c');
    expect(g.layers.filter((l) => l.trainable).map((l) => l.name)).toEqual(['c', 'add', 'out']);
  });
});
