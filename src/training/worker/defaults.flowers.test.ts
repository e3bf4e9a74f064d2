import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteLayers, freezeUpTo, insertAfter } from '../../core/graph';
import { getLayerSpec } from '../../core/layers/registry';
import type { ModelGraph } from '../../core/types';
import { BUILTIN_MODELS, DEFAULT_BUILTIN, type Preprocessing } from '../../export/modelFiles';
import { DEFAULT_SETTINGS } from '../shared/types';
import { ActivationStore, cachedFeatures, cutInfo, prefixRunner } from './cache';
import { buildModel } from './compile';
import { stratifiedSplit } from './dataset';
import { evaluate, trainLoop } from './loop';
import { gatherRows, linearProbe } from './probe';
import { splitGraph, weightsFromModel } from './split';
import { buildSuffix } from './suffix';
import { readModelFolder } from './testkit';

/**
 * The defaults on real photos: the built-in MobileNet V2 the editor opens with, its output layer
 * replaced (as a user does it), DEFAULT_SETTINGS, trained on flowers-dt's train split, scored on
 * its val split, against a linear probe (logistic regression on the base's standardised pooled
 * features, the usual outside baseline) fitted on the same training images.
 */

const ROOT = process.cwd();
const FLOWERS = join(ROOT, '..', 'shared', 'datasets', 'flowers-dt');
const BUILTIN = BUILTIN_MODELS.find((m) => m.id === DEFAULT_BUILTIN)!;
const MODEL = join(ROOT, 'public', 'models', DEFAULT_BUILTIN);
const ready = existsSync(join(FLOWERS, 'train')) && existsSync(join(MODEL, 'model.json'));
if (!ready) {
  console.log(
    `defaults.flowers.test: skipped, needs ${FLOWERS} (the shared photo set) and ${MODEL} (npm run prepare-models)`,
  );
}

const SIZE = 224;

/** Decodes a JPEG and resizes it to 224×224 (the photos are square), pixels scaled as the base expects. */
function loadImage(path: string, preprocessing: Preprocessing): tf.Tensor3D {
  const img = jpeg.decode(readFileSync(path), { useTArray: true, formatAsRGBA: true });
  return tf.tidy(() => {
    const rgba = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32');
    const rgb = tf.slice(rgba, [0, 0, 0], [-1, -1, 3]).toFloat();
    const resized = tf.image.resizeBilinear(rgb, [SIZE, SIZE], false, true);
    return (
      preprocessing === '-1..1' ? tf.sub(tf.div(resized, 127.5), 1) : tf.div(resized, 255)
    ) as tf.Tensor3D;
  });
}

function listSplit(split: 'train' | 'val', classes: string[]): { path: string; label: number }[] {
  return classes.flatMap((c, label) =>
    readdirSync(join(FLOWERS, split, c))
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort()
      .map((f) => ({ path: join(FLOWERS, split, c, f), label })),
  );
}

/** The user's edit: the original output layer deleted, a new softmax Dense for the classes after the pooled features. */
function replaceOutput(graph: ModelGraph, classes: number): ModelGraph {
  const deleted = deleteLayers(graph, ['dense']);
  if (!deleted.ok) throw new Error(deleted.error);
  const added = insertAfter(deleted.graph, 'feature_vector', {
    name: 'dense_4',
    className: 'Dense',
    config: { ...getLayerSpec('Dense')!.defaults(), units: classes, activation: 'softmax' },
    inbound: [],
    trainable: true,
  });
  if (!added.ok) throw new Error(added.error);
  // The built-in opens frozen as BUILTIN_MODELS says (its whole base).
  return freezeUpTo(added.graph, BUILTIN.frozenBaseUpTo!);
}

beforeAll(async () => {
  if (!ready) return;
  if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
  await tf.ready();
});

describe.skipIf(!ready)(
  `default settings on flowers-dt (built-in ${BUILTIN.title}, new output layer)`,
  () => {
    it('reach 0.75 on the val photos and at least match a linear probe on the same features', async () => {
      const classes = readdirSync(join(FLOWERS, 'train')).sort();
      const { parsed, weights } = await readModelFolder(MODEL);
      const preprocessing = parsed.retrain?.preprocessing ?? '0..1';
      const graph = replaceOutput(parsed.graph, classes.length);
      const { model } = await buildModel(graph, weights);
      const prefix = splitGraph(graph, weightsFromModel(model));
      const run = prefixRunner(model, prefix);
      // The probe reads the base's pooled features, whatever the cut.
      const base = tf.model({
        inputs: model.inputs,
        outputs: model.getLayer('feature_vector').output as tf.SymbolicTensor,
      });
      const baseRows: Float32Array[] = [];

      const train = listSplit('train', classes);
      const test = listSplit('val', classes);
      const all = [...train, ...test];
      const store = new ActivationStore(cutInfo(model, prefix), all.length, 1);
      for (let i = 0; i < all.length; i += 16) {
        const batch = all.slice(i, i + 16);
        const images = tf.stack(batch.map((b) => loadImage(b.path, preprocessing)));
        const [features] = run(images);
        const pooled = base.predict(images) as tf.Tensor;
        const rows = (await features.data()) as Float32Array;
        const pooledRows = (await pooled.data()) as Float32Array;
        const dim = pooled.shape[1]!;
        batch.forEach((_, k) => {
          store.set(i + k, 0, rows.slice(k * store.rowSize, (k + 1) * store.rowSize));
          baseRows.push(pooledRows.slice(k * dim, (k + 1) * dim));
        });
        tf.dispose([images, features, pooled]);
      }
      const labels = all.map((a) => a.label);
      const trainIdx = train.map((_, i) => i);
      const testIdx = test.map((_, i) => train.length + i);

      // The page's run: its stratified split of the training images, then the default loop.
      const inner = stratifiedSplit(
        trainIdx.map((i) => labels[i]),
        DEFAULT_SETTINGS.validationSplit,
        DEFAULT_SETTINGS.seed,
      );
      const suffix = buildSuffix(graph, model, prefix);
      const features = cachedFeatures(store);
      const result = await trainLoop({
        suffix,
        features,
        labels,
        split: inner,
        numClasses: classes.length,
        settings: DEFAULT_SETTINGS,
        augmentedViews: 0,
      });
      expect(result.status).toBe('finished');
      const head = await evaluate(suffix, features, testIdx, labels, classes.length, 64);

      const data = (idx: number[]) => ({
        features: gatherRows(baseRows, idx),
        dim: baseRows[0].length,
        labels: idx.map((i) => labels[i]),
      });
      const probe = linearProbe(data(inner.train), data(testIdx), { numClasses: classes.length });
      console.log(
        `flowers-dt val (${test.length} photos): default head ${head.accuracy.toFixed(3)}, linear probe ${probe.valAccuracy!.toFixed(3)} (${tf.getBackend()})`,
      );
      model.dispose();
      expect(head.accuracy).toBeGreaterThanOrEqual(0.75);
      expect(head.accuracy).toBeGreaterThanOrEqual(probe.valAccuracy!);
    }, 600_000);
  },
);
