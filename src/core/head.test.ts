import { describe, expect, it } from 'vitest';
import { analyzeGraph } from './analysis';
import { addSuggestedHead, cutAt, headUnits, HEAD_DROPOUT } from './head';
import { layer } from './testGraphs';
import type { ModelGraph } from './types';

/** input(8x8x3) → conv(4) → conv_relu → flatten → dense(10): a backbone with a top. */
function backbone(): ModelGraph {
  return {
    name: 'backbone',
    inputs: ['input_1'],
    outputs: ['top'],
    layers: [
      layer('input_1', 'InputLayer', [], { batchInputShape: [null, 8, 8, 3], dtype: 'float32' }),
      layer('conv', 'Conv2D', ['input_1'], {
        filters: 4,
        kernelSize: [3, 3],
        strides: [1, 1],
        padding: 'same',
        activation: 'linear',
        useBias: true,
      }),
      layer('conv_relu', 'ReLU', ['conv'], { maxValue: 6 }),
      layer('flatten', 'Flatten', ['conv_relu']),
      layer('top', 'Dense', ['flatten'], { units: 10, activation: 'softmax', useBias: true }),
    ],
  };
}

describe('cutAt', () => {
  it('keeps the layer and its ancestors, and makes it the output', () => {
    const r = cutAt(backbone(), 'conv_relu');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.graph.layers.map((l) => l.name)).toEqual(['input_1', 'conv', 'conv_relu']);
    expect(r.graph.outputs).toEqual(['conv_relu']);
  });
  it('says so when the layer is missing', () => {
    const r = cutAt(backbone(), 'conv_pw_13_relu');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/conv_pw_13_relu/);
  });
});

describe('addSuggestedHead', () => {
  const cut = () => {
    const r = cutAt(backbone(), 'conv_relu');
    if (!r.ok) throw new Error(r.error);
    return r.graph;
  };

  it('adds GlobalAveragePooling2D → Dropout → Dense(classes, softmax) and freezes the backbone', () => {
    const r = addSuggestedHead(cut(), 5);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const g = r.graph;
    const head = g.layers.slice(3);
    expect(head.map((l) => l.className)).toEqual(['GlobalAveragePooling2D', 'Dropout', 'Dense']);
    expect(head.map((l) => l.trainable)).toEqual([true, true, true]);
    expect(head[0].inbound).toEqual(['conv_relu']);
    expect(head[1].config.rate).toBe(HEAD_DROPOUT);
    expect(head[2].config.units).toBe(5);
    expect(head[2].config.activation).toBe('softmax');
    expect(head.every((l) => l.weightsKey === undefined)).toBe(true);
    expect(g.outputs).toEqual([r.output]);
    expect(r.output).toBe(head[2].name);
    expect(g.layers.slice(0, 3).every((l) => !l.trainable)).toBe(true);
    const a = analyzeGraph(g);
    expect(a.problems).toEqual([]);
    expect(a.layers.get(r.output)!.shape).toEqual([null, 5]);
    // Only the Dense trains: 4 features × 5 classes + 5 biases.
    expect(a.trainableParams).toBe(25);
  });

  it('starts with two classes while the dataset has fewer', () => {
    expect(headUnits(0)).toBe(2);
    expect(headUnits(1)).toBe(2);
    expect(headUnits(7)).toBe(7);
    const r = addSuggestedHead(cut(), 0);
    expect(r.ok && r.graph.layers.find((l) => l.name === r.output)!.config.units).toBe(2);
  });

  it('picks names that are free', () => {
    const g = cut();
    const taken = {
      ...g,
      layers: [...g.layers.slice(0, 1), { ...g.layers[1], name: 'dense_1' }, ...g.layers.slice(2)].map((l) =>
        l.name === 'conv_relu' ? { ...l, inbound: ['dense_1'] } : l,
      ),
    };
    const r = addSuggestedHead(taken, 3);
    expect(r.ok && r.output).toBe('dense_2');
  });
});
