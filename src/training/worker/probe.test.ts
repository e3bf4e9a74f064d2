import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../core/types';
import { DEFAULT_SETTINGS } from '../shared/types';
import { ActivationStore, cachedFeatures } from './cache';
import { buildModel } from './compile';
import { stratifiedSplit } from './dataset';
import { evaluate, trainLoop } from './loop';
import { probeOnStore } from './probe';
import { createRng } from './random';
import { splitGraph, weightsFromModel } from './split';
import { buildSuffix } from './suffix';
import { node } from './testkit';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const DIM = 256;
const CLASSES = 3;
const PER_CLASS = 100;
const SEPARATION = 0.15;

/**
 * Features shaped like a frozen CNN's pooled output: non-negative, unnormalised (up to ~6, as
 * after ReLU6), with class information spread weakly over many dimensions plus nuisance variance.
 */
function featureSet(seed: number): { store: ActivationStore; labels: number[] } {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const means = Array.from({ length: CLASSES }, () =>
    Float32Array.from({ length: DIM }, () => 1.5 + SEPARATION * gauss()),
  );
  const scale = Float32Array.from({ length: DIM }, () => 0.2 + 2 * rng());
  const store = new ActivationStore(
    { names: ['features'], shapes: [[DIM]], sizes: [DIM] },
    CLASSES * PER_CLASS,
    1,
  );
  const labels: number[] = [];
  for (let i = 0; i < CLASSES * PER_CLASS; i++) {
    const c = i % CLASSES;
    const row = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) row[d] = Math.min(6, Math.max(0, means[c][d] + scale[d] * gauss()));
    store.set(i, 0, row);
    labels.push(c);
  }
  return { store, labels };
}

function head(hidden: boolean): ModelGraph {
  const input = node('features', 'InputLayer', [], { batchInputShape: [null, DIM], dtype: 'float32' });
  const out = (from: string) =>
    node('new_head', 'Dense', [from], { units: CLASSES, activation: 'softmax', useBias: true });
  const layers = hidden
    ? [
        input,
        node('dense_h', 'Dense', ['features'], { units: 64, activation: 'relu', useBias: true }),
        node('dropout_h', 'Dropout', ['dense_h'], { rate: 0.5 }),
        out('dropout_h'),
      ]
    : [input, out('features')];
  return { name: 'head', inputs: ['features'], outputs: ['new_head'], layers };
}

describe('default settings against a linear probe on the same cached features', () => {
  for (const hidden of [false, true]) {
    it(`a replaced ${hidden ? 'two-layer' : 'linear'} head with DEFAULT_SETTINGS is at least as good as the probe`, async () => {
      const { store, labels } = featureSet(hidden ? 2 : 1);
      const split = stratifiedSplit(labels, DEFAULT_SETTINGS.validationSplit, DEFAULT_SETTINGS.seed);
      const probe = probeOnStore(store, labels, split, { numClasses: CLASSES });
      const graph = head(hidden);
      const { model } = await buildModel(graph, new Map());
      const prefix = splitGraph(graph, weightsFromModel(model));
      const suffix = buildSuffix(graph, model, prefix);
      const features = cachedFeatures(store);
      const run = await trainLoop({
        suffix,
        features,
        labels,
        split,
        numClasses: CLASSES,
        settings: DEFAULT_SETTINGS,
        augmentedViews: 0,
      });
      const val = await evaluate(suffix, features, split.val, labels, CLASSES, 64);
      model.dispose();
      expect(run.status).toBe('finished');
      // The task is neither trivial nor hopeless, so the comparison means something.
      expect(probe.valAccuracy!).toBeGreaterThan(0.6);
      expect(probe.valAccuracy!).toBeLessThan(1);
      expect(val.accuracy).toBeGreaterThanOrEqual(probe.valAccuracy! - 0.05);
    });
  }
});
