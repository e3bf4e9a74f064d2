import type { LayerNode, ModelGraph } from './types';

/** Small graphs for unit tests, built by hand so no file is needed. */
export function layer(
  name: string,
  className: string,
  inbound: string[],
  config: LayerNode['config'] = {},
): LayerNode {
  return { name, className, config, inbound, trainable: true, weightsKey: name };
}

/** input(8x8x3) → conv(4) → flatten → dense(10) → dense_out(2) */
export function chainGraph(): ModelGraph {
  return {
    name: 'chain',
    inputs: ['input_1'],
    outputs: ['dense_out'],
    layers: [
      layer('input_1', 'InputLayer', [], { batchInputShape: [null, 8, 8, 3], dtype: 'float32' }),
      layer('conv', 'Conv2D', ['input_1'], {
        filters: 4,
        kernelSize: [3, 3],
        strides: [1, 1],
        padding: 'same',
        activation: 'relu',
        useBias: true,
      }),
      layer('flatten', 'Flatten', ['conv']),
      layer('dense', 'Dense', ['flatten'], { units: 10, activation: 'relu', useBias: true }),
      layer('dense_out', 'Dense', ['dense'], { units: 2, activation: 'softmax', useBias: true }),
    ],
  };
}

/** input → a → (b, c) → add → out: a residual-style diamond. */
export function diamondGraph(): ModelGraph {
  return {
    name: 'diamond',
    inputs: ['input_1'],
    outputs: ['out'],
    layers: [
      layer('input_1', 'InputLayer', [], { batchInputShape: [null, 16], dtype: 'float32' }),
      layer('a', 'Dense', ['input_1'], { units: 8, activation: 'relu', useBias: true }),
      layer('b', 'Dense', ['a'], { units: 8, activation: 'relu', useBias: true }),
      layer('c', 'Dropout', ['a'], { rate: 0.1 }),
      layer('add', 'Add', ['b', 'c']),
      layer('out', 'Dense', ['add'], { units: 3, activation: 'softmax', useBias: true }),
    ],
  };
}
