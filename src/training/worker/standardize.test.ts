import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../core/types';
import { ActivationStore, cachedFeatures } from './cache';
import { buildModel } from './compile';
import { createRng } from './random';
import { splitGraph, weightsFromModel } from './split';
import { makeStandardizer } from './standardize';
import { buildSuffix } from './suffix';
import { node } from './testkit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const DIM = 5;

/** input → drop → d1 → out; "branch" adds drop → act (not Dense) → concat(d1, act) → out. */
function graph(frozenFirst: boolean, branch = false): ModelGraph {
  return {
    name: 'std',
    inputs: ['input'],
    outputs: ['out'],
    layers: [
      node('input', 'InputLayer', [], { batchInputShape: [null, DIM], dtype: 'float32' }),
      node('drop', 'Dropout', ['input'], { rate: 0.2 }),
      node('d1', 'Dense', ['drop'], { units: 4, activation: 'relu', useBias: true }, !frozenFirst),
      ...(branch
        ? [
            node('act', 'Activation', ['drop'], { activation: 'relu' }),
            node('cat', 'Concatenate', ['d1', 'act'], { axis: -1 }),
          ]
        : []),
      node('out', 'Dense', [branch ? 'cat' : 'd1'], { units: 2, activation: 'softmax', useBias: true }),
    ],
  };
}

function features(n: number) {
  const rng = createRng(9);
  const store = new ActivationStore({ names: ['input'], shapes: [[DIM]], sizes: [DIM] }, n, 1);
  // Very different scales and offsets per feature, as frozen CNN features have.
  for (let i = 0; i < n; i++)
    store.set(
      i,
      0,
      Float32Array.from({ length: DIM }, (_, d) => 10 ** (d - 2) * (rng() + d)),
    );
  return { store, source: cachedFeatures(store) };
}

describe('standardised training coordinates', () => {
  it('computes the same function before, during (on standardised inputs) and after', async () => {
    const g = graph(false);
    const { model } = await buildModel(g, new Map(), undefined, { seed: 4 });
    const split = splitGraph(g, weightsFromModel(model));
    const suffix = buildSuffix(g, model, split);
    const { store, source } = features(20);
    const std = await makeStandardizer(g, split, model, source, [...Array(20).keys()]);
    expect(std?.layers).toEqual(['d1']);
    const xs = store.gather([0, 5, 19], [0, 0, 0]);
    const before = await tf.tidy(() => suffix.forward(xs, false)).array();
    const kernelBefore = await model.getLayer('d1').weights[0].read().array();
    std!.unfold();
    const during = await tf.tidy(() => suffix.forward(std!.apply(xs), false)).array();
    std!.fold();
    const after = await tf.tidy(() => suffix.forward(xs, false)).array();
    const close = (a: number[][], b: number[][]) =>
      a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - b[i][j])).toBeLessThan(1e-5)));
    close(during as number[][], before as number[][]);
    close(after as number[][], before as number[][]);
    close((await model.getLayer('d1').weights[0].read().array()) as number[][], kernelBefore as number[][]);
    // Mid-run checkpoints read the folded weights without touching the layers.
    std!.unfold();
    const held = await model.getLayer('d1').weights[0].read().array();
    const folded = std!.folded();
    expect([...folded.keys()].sort()).toEqual(['d1/bias', 'd1/kernel']);
    close((await folded.get('d1/kernel')!.array()) as number[][], kernelBefore as number[][]);
    expect(await model.getLayer('d1').weights[0].read().array()).toEqual(held);
    expect(held).not.toEqual(kernelBefore);
    const bias = await folded.get('d1/bias')!.array();
    tf.dispose([...folded.values()]);
    std!.fold();
    close([bias as number[]], [(await model.getLayer('d1').weights[1].read().array()) as number[]]);
    tf.dispose(xs);
    std!.dispose();
    model.dispose();
  });

  it('leaves frozen Dense layers and non-Dense readers alone', async () => {
    for (const g of [graph(true), graph(false, true)]) {
      const { model } = await buildModel(g, new Map());
      const split = splitGraph(g, weightsFromModel(model));
      expect(await makeStandardizer(g, split, model, features(4).source, [0, 1, 2, 3])).toBeNull();
      model.dispose();
    }
  });
});
