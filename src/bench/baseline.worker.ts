/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import type { ModelGraph } from '../core/types';
import type { WeightSource } from '../export/modelFiles';
import { initBackend } from '../training/worker/backend';
import { buildModel } from '../training/worker/compile';
import { decodeViews, IDENTITY_VIEW, sampleTransform, type ImageSpec } from '../training/worker/images';
import { createRng } from '../training/worker/random';
import { loadWeights } from '../training/worker/weightsLoader';
import type { AugmentationSettings } from '../training/shared/types';

/**
 * What the editor is compared with, in a worker of its own: one forward pass of the frozen base
 * (the floor), plain model.fit of the composed model, and augmentation applied on the fly.
 */

interface BaselineInput {
  graph: ModelGraph;
  weights: WeightSource;
  cut: string;
  images: { blob: Blob; label: number }[];
  classes: number;
  spec: ImageSpec;
  epochs: number;
  naiveEpochs: number;
  batchSize: number;
  augmentation: AugmentationSettings | null;
}

async function decodeAll(input: BaselineInput, rngSeed: number | null): Promise<tf.Tensor4D> {
  const { height, width } = input.spec;
  const rng = createRng(rngSeed ?? 1);
  const data = new Float32Array(input.images.length * height * width * 3);
  let offset = 0;
  for (const img of input.images) {
    const t =
      rngSeed !== null && input.augmentation ? sampleTransform(rng, input.augmentation) : IDENTITY_VIEW;
    const [view] = await decodeViews(img.blob, input.spec, [t]);
    data.set(view, offset);
    offset += view.length;
  }
  return tf.tensor4d(data, [input.images.length, height, width, 3]);
}

const api = {
  async run(input: BaselineInput) {
    const { backend } = await initBackend('wasm', false);
    const pretrained = await loadWeights(input.weights);
    const { model } = await buildModel(input.graph, pretrained);
    const base = tf.model({ inputs: model.inputs, outputs: model.getLayer(input.cut).output });
    const x = await decodeAll(input, null);
    const y = tf.oneHot(
      tf.tensor1d(
        input.images.map((i) => i.label),
        'int32',
      ),
      input.classes,
    );
    // Warm-up so kernels compiled on first use do not count.
    tf.tidy(() => base.predict(x.slice(0, Math.min(2, x.shape[0]))));

    let t0 = performance.now();
    const features = base.predict(x, { batchSize: input.batchSize }) as tf.Tensor;
    await features.data();
    const onePassMs = performance.now() - t0;
    features.dispose();

    model.compile({
      optimizer: tf.train.adam(0.001),
      loss: 'categoricalCrossentropy',
      metrics: ['accuracy'],
    });
    t0 = performance.now();
    await model.fit(x, y, {
      epochs: input.naiveEpochs,
      batchSize: input.batchSize,
      shuffle: true,
      verbose: 0,
    });
    const naiveRunMs = performance.now() - t0;

    let onTheFly: { ms: number; acc: number } | null = null;
    if (input.augmentation) {
      // Each epoch decodes freshly augmented views and runs the base again: no cache.
      const head = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [base.outputs[0].shape.slice(1).reduce((a, b) => (a ?? 1) * (b ?? 1), 1) as number],
            units: 128,
            activation: 'relu',
          }),
          tf.layers.dropout({ rate: 0.2 }),
          tf.layers.dense({ units: input.classes, activation: 'softmax' }),
        ],
      });
      head.compile({
        optimizer: tf.train.adam(0.001),
        loss: 'categoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const n = input.images.length;
      const nVal = Math.max(2, Math.round(n * 0.2));
      const order = tf.util.createShuffledIndices(n);
      const valIdx = Array.from(order.slice(0, nVal));
      const trainIdx = Array.from(order.slice(nVal));
      t0 = performance.now();
      for (let e = 0; e < input.epochs; e++) {
        const xa = await decodeAll({ ...input, images: trainIdx.map((i) => input.images[i]) }, e + 1);
        const fa = tf.tidy(() =>
          (base.predict(xa, { batchSize: input.batchSize }) as tf.Tensor).reshape([trainIdx.length, -1]),
        );
        const ya = tf.gather(y, trainIdx);
        await head.fit(fa, ya, { epochs: 1, batchSize: input.batchSize, verbose: 0 });
        tf.dispose([xa, fa, ya]);
      }
      const ms = performance.now() - t0;
      const xv = tf.gather(x, valIdx);
      const fv = tf.tidy(() =>
        (base.predict(xv, { batchSize: input.batchSize }) as tf.Tensor).reshape([valIdx.length, -1]),
      );
      const pred = tf.tidy(() => (head.predict(fv) as tf.Tensor).argMax(-1));
      const truth = valIdx.map((i) => input.images[i].label);
      const p = await pred.data();
      const acc = truth.filter((t, i) => t === p[i]).length / truth.length;
      tf.dispose([xv, fv, pred]);
      head.dispose();
      onTheFly = { ms, acc };
    }
    tf.dispose([x, y]);
    model.dispose();
    return { backend, onePassMs, naiveRunMs, onTheFly };
  },
};

export type BaselineApi = typeof api;
Comlink.expose(api);
