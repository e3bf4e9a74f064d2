import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../core/types';
import { DEFAULT_SETTINGS, type TrainEvent, type TrainSettings } from '../shared/types';
import {
  ActivationStore,
  cachedFeatures,
  cutInfo,
  fillStore,
  liveFeatures,
  prefixRunner,
  type FeatureSource,
} from './cache';
import { buildModel } from './compile';
import { stratifiedSplit, type DataSplit } from './dataset';
import { makeStepper, trainLoop } from './loop';
import { createRng } from './random';
import { splitGraph, weightsFromModel } from './split';
import { buildSuffix, type Suffix } from './suffix';
import {
  arraySource,
  bnSuffixGraph,
  convGraph,
  modelWithWeights,
  syntheticImages,
  weightValues,
} from './testkit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const settings = (patch: Partial<TrainSettings> = {}): TrainSettings => ({
  ...DEFAULT_SETTINGS,
  epochs: 4,
  batchSize: 8,
  ...patch,
});

/** Vectors for the dense graphs: class c shifts feature c. */
function vectors(perClass: number, classes: number, dim: number, seed = 5) {
  const rng = createRng(seed);
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = new Float32Array(dim).map(() => rng() - 0.5);
      r[c % dim] += 2;
      rows.push(r);
      labels.push(c);
    }
  }
  return { rows, labels };
}

/** A filled store whose cut is the model input (the dense graphs have nothing frozen before the first layer). */
function inputStore(rows: Float32Array[], dim: number): FeatureSource {
  const store = new ActivationStore({ names: ['input'], shapes: [[dim]], sizes: [dim] }, rows.length, 1);
  rows.forEach((r, i) => store.set(i, 0, r));
  return cachedFeatures(store);
}

async function bnSetup() {
  const graph = bnSuffixGraph(3, 6);
  const { model, weights } = await modelWithWeights(graph);
  tf.dispose([...weights.values()]);
  const split = splitGraph(graph, weightsFromModel(model));
  return { graph, model, split, suffix: buildSuffix(graph, model, split) };
}

describe('trainLoop keeps frozen weights bit-identical', () => {
  it('with a frozen BatchNormalization in the suffix (moving mean and variance included)', async () => {
    const { model, split, suffix } = await bnSetup();
    expect(split.cut).toEqual(['input']);
    expect(suffix.mutableLayers).toEqual(['d1', 'd2']);
    const { rows, labels } = vectors(12, 3, 6);
    const before = weightValues(model, ['bn']);
    const trainedBefore = weightValues(model, ['d1', 'd2']);
    const result = await trainLoop({
      suffix,
      features: inputStore(rows, 6),
      labels,
      split: stratifiedSplit(labels, 0.25, 1),
      numClasses: 3,
      settings: settings(),
      augmentedViews: 0,
    });
    expect(result.status).toBe('finished');
    for (const [k, v] of weightValues(model, ['bn'])) expect(v).toEqual(before.get(k));
    // The trainable layers did move, so the check above is not vacuous.
    const changed = [...weightValues(model, ['d1', 'd2'])].some(([k, v]) =>
      v.some((x, i) => x !== trainedBefore.get(k)![i]),
    );
    expect(changed).toBe(true);
    model.dispose();
  });

  it('with a frozen conv + BatchNormalization prefix, cached or run live every batch', async () => {
    const graph = convGraph(3, 8);
    const { model, weights } = await modelWithWeights(graph);
    tf.dispose([...weights.values()]);
    const split = splitGraph(graph, weightsFromModel(model));
    const { pixels, labels } = syntheticImages(6, 3, 8);
    const source = arraySource(pixels, 8);
    const store = new ActivationStore(cutInfo(model, split), pixels.length, 1);
    await fillStore(store, source, prefixRunner(model, split), { batchSize: 8 });
    const before = weightValues(model, ['conv_a', 'bn_a']);
    for (const features of [cachedFeatures(store), liveFeatures(source, prefixRunner(model, split))]) {
      await trainLoop({
        suffix: buildSuffix(graph, model, split),
        features,
        labels,
        split: stratifiedSplit(labels, 0.2, 2),
        numClasses: 3,
        settings: settings({ epochs: 2 }),
        augmentedViews: 0,
      });
      for (const [k, v] of weightValues(model, ['conv_a', 'bn_a'])) expect(v).toEqual(before.get(k));
    }
    model.dispose();
  });
});

describe('trainLoop control', () => {
  it('stops after the current batch and keeps the weights', async () => {
    const { model, suffix } = await bnSetup();
    const { rows, labels } = vectors(10, 3, 6);
    const events: TrainEvent[] = [];
    const result = await trainLoop({
      suffix,
      features: inputStore(rows, 6),
      labels,
      split: stratifiedSplit(labels, 0.2, 1),
      numClasses: 3,
      settings: settings({ batchSize: 4 }),
      augmentedViews: 0,
      onEvent: (e) => events.push(e),
      shouldStop: () => events.filter((e) => e.type === 'batch').length >= 2,
    });
    expect(result.status).toBe('stopped');
    expect(result.batchLosses).toHaveLength(2);
    expect(result.history).toHaveLength(0);
    expect(result.message).toMatch(/after batch 2/);
    model.dispose();
  });

  it('restores the weights from the start of the epoch when the loss becomes NaN', async () => {
    const { model, suffix } = await bnSetup();
    const { rows, labels } = vectors(10, 3, 6);
    const good = inputStore(rows, 6);
    let epoch = 0;
    let atEpoch2: Map<string, Float32Array> | null = null;
    // From epoch 2 on, the second batch carries a NaN feature.
    let batchInEpoch = 0;
    const features: FeatureSource = {
      mode: 'cache',
      async batch(indices, views) {
        const xs = await good.batch(indices, views);
        if (epoch < 2 || batchInEpoch++ !== 1) return xs;
        const poisoned = xs.map((x) => tf.mul(x, tf.scalar(NaN)));
        tf.dispose(xs);
        return poisoned;
      },
    };
    const result = await trainLoop({
      suffix,
      features,
      labels,
      split: { train: rows.map((_, i) => i), val: [] },
      numClasses: 3,
      settings: settings({ batchSize: 10 }),
      augmentedViews: 0,
      // Compare raw weights: with standardisation on, mid-run weights are in standardised coordinates.
      standardize: false,
      onEvent: (e) => {
        if (e.type === 'epoch') {
          epoch = e.epoch + 1;
          batchInEpoch = 0;
          if (e.epoch === 1) atEpoch2 = weightValues(model, ['d1', 'bn', 'd2']);
        }
      },
    });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/NaN.*lower/i);
    expect(result.history).toHaveLength(1);
    for (const [k, v] of weightValues(model, ['d1', 'bn', 'd2'])) expect(v).toEqual(atEpoch2!.get(k));
    model.dispose();
  });

  it('early stopping restores the weights of the best validation epoch', async () => {
    const { model, suffix } = await bnSetup();
    const { rows, labels } = vectors(12, 3, 6);
    const split: DataSplit = stratifiedSplit(labels, 0.25, 3);
    // Validation images look like another class than their label: training makes them worse.
    const valRows = new Set(split.val);
    const flipped = rows.map((r, i) => (valRows.has(i) ? rows[(i + 12) % rows.length] : r));
    const snapshots = new Map<number, Map<string, Float32Array>>();
    const valLosses: number[] = [];
    const result = await trainLoop({
      suffix,
      features: inputStore(flipped, 6),
      labels,
      split,
      numClasses: 3,
      settings: settings({ epochs: 30, learningRate: 0.01, earlyStopping: { enabled: true, patience: 3 } }),
      augmentedViews: 0,
      standardize: false,
      onEvent: (e) => {
        if (e.type !== 'epoch') return;
        valLosses.push(e.valLoss!);
        snapshots.set(e.epoch, weightValues(model, ['d1', 'd2']));
      },
    });
    const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
    expect(result.history.length).toBe(best + 3);
    expect(result.history.length).toBeLessThan(30);
    expect(result.restoredEpoch).toBe(best);
    for (const [k, v] of weightValues(model, ['d1', 'd2'])) expect(v).toEqual(snapshots.get(best)!.get(k));
    model.dispose();
  });

  it('clamps the batch size to the training set and says so', async () => {
    const { model, suffix } = await bnSetup();
    const { rows, labels } = vectors(3, 3, 6);
    const events: TrainEvent[] = [];
    const result = await trainLoop({
      suffix,
      features: inputStore(rows, 6),
      labels,
      split: { train: rows.map((_, i) => i), val: [] },
      numClasses: 3,
      settings: settings({ epochs: 1, batchSize: 32 }),
      augmentedViews: 0,
      onEvent: (e) => events.push(e),
    });
    expect(result.batchLosses).toHaveLength(1);
    expect(events[0]).toEqual({
      type: 'status',
      text: expect.stringMatching(/Batch size 32 .* 9 training images/),
    });
    model.dispose();
  });

  it('trains every optimizer and balanced class weights without leaking tensors', async () => {
    const { model, suffix } = await bnSetup();
    const { rows, labels } = vectors(8, 3, 6);
    const start = tf.memory().numTensors;
    for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
      const r = await trainLoop({
        suffix: suffix as Suffix,
        features: inputStore(rows, 6),
        labels,
        split: stratifiedSplit(labels, 0.25, 4),
        numClasses: 3,
        settings: settings({
          optimizer,
          classWeights: 'balanced',
          earlyStopping: { enabled: true, patience: 1 },
        }),
        augmentedViews: 0,
      });
      expect(r.batchLosses.every(Number.isFinite)).toBe(true);
      expect(tf.memory().numTensors).toBe(start);
    }
    model.dispose();
  });
});

describe('buildModel with trained weights', () => {
  it('prefers weights trained earlier (by current layer name) when shapes match', async () => {
    const graph = bnSuffixGraph(3, 6);
    const { model, weights } = await modelWithWeights(graph);
    const trained = new Map([
      ['d2/bias', tf.tensor1d([1, 2, 3])],
      ['d1/bias', tf.zeros([99])],
    ]);
    const built = await buildModel(graph, weights, trained);
    expect(built.trained).toEqual(['d2']);
    expect(built.pretrained).toEqual(['d1', 'bn']);
    expect([...(await built.model.getLayer('d2').weights[1].read().data())]).toEqual([1, 2, 3]);
    tf.dispose([...weights.values(), ...trained.values()]);
    model.dispose();
    built.model.dispose();
  });
});

describe('learning rate of pretrained layers', () => {
  /** input [4] → d1 (pretrained: has a weightsKey) → out (new softmax). */
  async function twoLayer() {
    const graph: ModelGraph = {
      name: 'pretrained_and_new',
      inputs: ['input'],
      outputs: ['out'],
      layers: [
        {
          name: 'input',
          className: 'InputLayer',
          inbound: [],
          trainable: true,
          config: { batchInputShape: [null, 4], dtype: 'float32' },
        },
        {
          name: 'd1',
          className: 'Dense',
          inbound: ['input'],
          trainable: true,
          weightsKey: 'd1',
          config: { units: 6, activation: 'relu', useBias: true },
        },
        {
          name: 'out',
          className: 'Dense',
          inbound: ['d1'],
          trainable: true,
          config: { units: 2, activation: 'softmax', useBias: true },
        },
      ],
    };
    const { model } = await buildModel(graph, new Map(), undefined, { seed: 3 });
    const suffix = buildSuffix(graph, model, splitGraph(graph, weightsFromModel(model)));
    return { model, suffix };
  }

  const change = (before: Float32Array, after: Float32Array) =>
    Math.max(...before.map((v, i) => Math.abs(v - after[i])));

  async function stepOnce(scale: number) {
    const { model, suffix } = await twoLayer();
    expect(suffix.pretrained.map((v) => v.name.split('/')[0])).toEqual(['d1', 'd1']);
    const stepper = makeStepper(suffix, {
      ...DEFAULT_SETTINGS,
      optimizer: 'sgd',
      momentum: 0,
      learningRate: 0.5,
      pretrainedRateScale: scale,
    });
    const read = (layer: string) => model.getLayer(layer).getWeights()[0].dataSync() as Float32Array;
    const d1 = read('d1').slice();
    const out = read('out').slice();
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [4, 3, 2, 1],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    for (let i = 0; i < 3; i++) {
      const loss = stepper.step(
        () =>
          tf.mean(
            tf.metrics.categoricalCrossentropy(y, suffix.forward([x], true) as tf.Tensor2D),
          ) as tf.Scalar,
      );
      loss?.dispose();
    }
    const moved = { d1: change(d1, read('d1')), out: change(out, read('out')) };
    stepper.dispose();
    tf.dispose([x, y]);
    model.dispose();
    return moved;
  }

  it('steps layers with pretrained weights at the scaled rate and new layers at the full rate', async () => {
    const full = await stepOnce(1);
    const frozenish = await stepOnce(0);
    const tenth = await stepOnce(0.1);
    expect(full.d1).toBeGreaterThan(0);
    expect(frozenish.d1).toBe(0);
    expect(frozenish.out).toBeGreaterThan(0);
    expect(tenth.d1).toBeGreaterThan(0);
    expect(tenth.d1).toBeLessThan(full.d1 * 0.5);
  });
});
