import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type TrainSettings } from '../shared/types';
import {
  ActivationStore,
  cachedFeatures,
  cacheKey,
  cutInfo,
  fillStore,
  liveFeatures,
  prefixRunner,
  type CacheKeyParts,
} from './cache';
import { buildModel, type WeightMap } from './compile';
import { stratifiedSplit } from './dataset';
import { trainLoop } from './loop';
import { splitGraph, weightsFromModel } from './split';
import { buildSuffix } from './suffix';
import { arraySource, convGraph, modelWithWeights, syntheticImages } from './testkit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 8;

const graph = convGraph(3, SIZE);
let weights: WeightMap;

beforeAll(async () => {
  const reference = await modelWithWeights(graph);
  reference.model.dispose();
  weights = reference.weights;
});

/** A fresh model with the same starting weights every time. */
async function setup() {
  const { model } = await buildModel(graph, weights);
  const split = splitGraph(graph, weightsFromModel(model));
  return { graph, weights, model, split };
}

describe('frozen-prefix cache', () => {
  it('gives the same per-batch losses as running the prefix live every batch (to 1e-5)', async () => {
    const { pixels, labels } = syntheticImages(8, 3, SIZE);
    const source = arraySource(pixels, SIZE);
    const settings: TrainSettings = { ...DEFAULT_SETTINGS, epochs: 3, batchSize: 5, seed: 11 };
    const dataSplit = stratifiedSplit(labels, 0.25, 11);

    const runOnce = async (mode: 'cache' | 'live') => {
      const { model, split } = await setup();
      expect(split.cut).toEqual(['bn_a']);
      const run = prefixRunner(model, split);
      let features;
      if (mode === 'cache') {
        const store = new ActivationStore(cutInfo(model, split), pixels.length, 3);
        expect(await fillStore(store, source, run, { batchSize: 4 })).toBe(true);
        features = cachedFeatures(store);
      } else features = liveFeatures(source, run);
      const result = await trainLoop({
        suffix: buildSuffix(graph, model, split),
        features,
        labels,
        split: dataSplit,
        numClasses: 3,
        settings,
        augmentedViews: 2,
      });
      model.dispose();
      return result;
    };
    const cached = await runOnce('cache');
    const live = await runOnce('live');
    expect(cached.batchLosses.length).toBe(3 * Math.ceil(dataSplit.train.length / 5));
    expect(cached.batchLosses.every(Number.isFinite)).toBe(true);
    cached.batchLosses.forEach((l, i) => expect(Math.abs(l - live.batchLosses[i])).toBeLessThan(1e-5));
    cached.history.forEach((h, i) =>
      expect(Math.abs(h.valLoss! - live.history[i].valLoss!)).toBeLessThan(1e-5),
    );
  });

  it('stores one row per image and view, in cut order, and gathers them back', async () => {
    const { model, split } = await setup();
    const { pixels } = syntheticImages(2, 2, SIZE);
    const cut = cutInfo(model, split);
    expect(cut.shapes).toEqual([[SIZE, SIZE, 4]]);
    const store = new ActivationStore(cut, pixels.length, 2);
    expect(store.bytes).toBe(pixels.length * 2 * SIZE * SIZE * 4 * 4);
    const progress: number[] = [];
    await fillStore(store, arraySource(pixels, SIZE), prefixRunner(model, split), {
      batchSize: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([1, 2, 3, 4]);
    const [batch] = store.gather([3, 0], [1, 0]);
    const direct = prefixRunner(model, split)(tf.tensor4d(pixels[0], [1, SIZE, SIZE, 3]))[0];
    expect(batch.shape).toEqual([2, SIZE, SIZE, 4]);
    const got = (await batch.slice([1], [1]).data()) as Float32Array;
    const want = (await direct.data()) as Float32Array;
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-6));
    tf.dispose([batch, direct]);
    model.dispose();
  });

  it('keys the cache on the prefix weights, preprocessing, images and augmentation only', async () => {
    const { graph, model, split } = await setup();
    const base: CacheKeyParts = {
      graph,
      split,
      model,
      preprocessing: '0..1',
      resize: 'center-crop',
      images: [
        { id: 'a', size: 10 },
        { id: 'b', size: 12 },
      ],
      augmentation: null,
      seed: 1,
    };
    const key = await cacheKey(base);
    expect(await cacheKey(base)).toBe(key);
    // The seed only matters for augmented views; suffix weights never matter.
    expect(await cacheKey({ ...base, seed: 2 })).toBe(key);
    model.getLayer('out').weights[0].write(tf.zerosLike(model.getLayer('out').weights[0].read()));
    expect(await cacheKey(base)).toBe(key);
    expect(await cacheKey({ ...base, preprocessing: '-1..1' })).not.toBe(key);
    expect(await cacheKey({ ...base, resize: 'stretch' })).not.toBe(key);
    expect(await cacheKey({ ...base, images: base.images.slice(1) })).not.toBe(key);
    const aug = { ...DEFAULT_SETTINGS.augmentation, enabled: true };
    expect(await cacheKey({ ...base, augmentation: aug })).not.toBe(key);
    const conv = model.getLayer('conv_a').weights[1];
    conv.write(tf.onesLike(conv.read()));
    expect(await cacheKey(base)).not.toBe(key);
    model.dispose();
  });
});
