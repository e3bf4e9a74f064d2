/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import type { ModelGraph } from '../core/types';
import type { WeightSource } from '../export/modelFiles';
import { initBackend, probeMachine } from '../training/worker/backend';
import { buildModel } from '../training/worker/compile';
import { stratifiedSplit } from '../training/worker/dataset';
import { decodeViews, IDENTITY_VIEW, sampleTransform, type ImageSpec } from '../training/worker/images';
import { createRng } from '../training/worker/random';
import { loadWeights } from '../training/worker/weightsLoader';
import type { AugmentationSettings, BackendName } from '../training/shared/types';

/**
 * What the editor is compared with, in a worker of its own: one forward pass of the frozen base
 * (the floor), plain model.fit of the composed model, and augmentation applied on the fly.
 * Each step is its own call, so the page can report memory and time between them.
 */

export interface BaselineInput {
  graph: ModelGraph;
  weights: WeightSource;
  cut: string;
  images: { blob: Blob; label: number }[];
  classes: number;
  spec: ImageSpec;
  batchSize: number;
  backend: BackendName;
  /** Validation fraction and seed of the editor's run, so both score the same held-out images. */
  validationSplit: number;
  seed: number;
}

export interface MemoryFigures {
  numTensors: number;
  numBytes: number;
}

interface State {
  input: BaselineInput;
  model: tf.LayersModel;
  /** Shares the model's layers: never dispose it on its own. */
  base: tf.LayersModel;
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  pretrained: tf.Tensor[];
  optimizer: tf.Optimizer | null;
}

let state: State | null = null;

const memory = (): MemoryFigures => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

function need(): State {
  if (!state) throw new Error('baseline: call prepare() first');
  return state;
}

async function decodeAll(
  input: BaselineInput,
  indices: readonly number[],
  augmentSeed: number | null,
  augmentation: AugmentationSettings | null,
): Promise<tf.Tensor4D> {
  const { height, width } = input.spec;
  const rng = createRng(augmentSeed ?? 1);
  const data = new Float32Array(indices.length * height * width * 3);
  let offset = 0;
  for (const i of indices) {
    const t = augmentSeed !== null && augmentation ? sampleTransform(rng, augmentation) : IDENTITY_VIEW;
    const [view] = await decodeViews(input.images[i].blob, input.spec, [t]);
    data.set(view, offset);
    offset += view.length;
  }
  return tf.tensor4d(data, [indices.length, height, width, 3]);
}

function compileModel(s: State): void {
  if (s.optimizer) return;
  s.optimizer = tf.train.adam(0.001);
  s.model.compile({ optimizer: s.optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
}

/** The first `n` images and labels (a view on the same tensors; the caller disposes). */
function firstImages(s: State, n: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const k = Math.min(n, s.x.shape[0]);
  return { xs: s.x.slice(0, k), ys: s.y.slice(0, k) };
}

const api = {
  /** Whether the browser offers a hardware GPU (a software renderer does not count). */
  async probe(): Promise<{ webgpu: string; webgl: string }> {
    const p = await probeMachine();
    const say = (g: { kind: string; detail: string }) => `${g.kind}${g.detail ? ` (${g.detail})` : ''}`;
    return { webgpu: say(p.webgpu), webgl: say(p.webgl) };
  },

  /** Starts the backend, builds the composed model (base frozen) and decodes every image once. */
  async prepare(input: BaselineInput): Promise<{ backend: BackendName; memory: MemoryFigures }> {
    api.dispose();
    const { backend } = await initBackend(input.backend, false);
    const pretrained = await loadWeights(input.weights);
    const { model } = await buildModel(input.graph, pretrained);
    for (const layer of input.graph.layers) {
      if (layer.className !== 'InputLayer') model.getLayer(layer.name).trainable = layer.trainable;
    }
    const base = tf.model({ inputs: model.inputs, outputs: model.getLayer(input.cut).output });
    const all = input.images.map((_, i) => i);
    const x = await decodeAll(input, all, null, null);
    const y = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          input.images.map((i) => i.label),
          'int32',
        ),
        input.classes,
      ),
    ) as tf.Tensor2D;
    state = { input, model, base, x, y, pretrained: [...pretrained.values()], optimizer: null };
    return { backend, memory: memory() };
  },

  /** One predict pass of the frozen base over all images: the floor of any training. */
  async onePass(): Promise<{ ms: number; memory: MemoryFigures }> {
    const s = need();
    // Warm-up so kernels compiled or allocated on first use do not count.
    tf.tidy(() => s.base.predict(s.x.slice(0, Math.min(2, s.x.shape[0]))));
    const t0 = performance.now();
    const features = s.base.predict(s.x, { batchSize: s.input.batchSize }) as tf.Tensor;
    await features.data();
    const ms = performance.now() - t0;
    features.dispose();
    return { ms, memory: memory() };
  },

  /**
   * tf.profile of one plain training step (trainOnBatch, as model.fit runs it) at `batch`
   * images: where the time goes, and the peak bytes TF.js holds during it.
   */
  async profileStep(batch: number): Promise<{
    batch: number;
    ms: number;
    peakBytes: number;
    newTensors: number;
    kernels: number;
    top: { name: string; ms: number }[];
  }> {
    const s = need();
    compileModel(s);
    const { xs, ys } = firstImages(s, batch);
    const t0 = performance.now();
    const info = await tf.profile(async () => {
      await s.model.trainOnBatch(xs, ys);
    });
    const ms = performance.now() - t0;
    tf.dispose([xs, ys]);
    const byKernel = new Map<string, number>();
    for (const k of info.kernels) {
      const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + t);
    }
    const top = [...byKernel]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, t]) => ({ name, ms: Math.round(t) }));
    return {
      batch,
      ms,
      peakBytes: info.peakBytes,
      newTensors: info.newTensors,
      kernels: info.kernels.length,
      top,
    };
  },

  /**
   * Plain model.fit of the composed model on the decoded tensors, over the first `batches`
   * batches of `batchSize` (after one untimed warm-up step); the page scales the time per image
   * to the full run. The batch is smaller than the editor's where the fit's gradient tape would
   * not fit in memory (see profileStep).
   */
  async naive(
    batches: number,
    batchSize: number,
  ): Promise<{ msPerImage: number; images: number; batchSize: number; memory: MemoryFigures }> {
    const s = need();
    compileModel(s);
    const n = Math.min(s.x.shape[0], Math.max(1, batches) * batchSize);
    const { xs, ys } = firstImages(s, n);
    const warm = firstImages(s, batchSize);
    await s.model.trainOnBatch(warm.xs, warm.ys);
    tf.dispose([warm.xs, warm.ys]);
    const t0 = performance.now();
    await s.model.fit(xs, ys, { epochs: 1, batchSize, shuffle: true, verbose: 0 });
    const ms = performance.now() - t0;
    tf.dispose([xs, ys]);
    return { msPerImage: ms / n, images: n, batchSize, memory: memory() };
  },

  /**
   * Augmentation applied on the fly, as one would write it without a cache: every epoch decodes
   * freshly augmented views and runs the frozen base again, then fits the head on them.
   * Scored on the editor's validation split.
   */
  async onTheFly(
    epochs: number,
    augmentation: AugmentationSettings,
  ): Promise<{ ms: number; acc: number; memory: MemoryFigures }> {
    const s = need();
    const { input, base } = s;
    const features = base.outputs[0].shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
    const head = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [features], units: 128, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: input.classes, activation: 'softmax' }),
      ],
    });
    head.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const labels = input.images.map((i) => i.label);
    const { train, val } = stratifiedSplit(labels, input.validationSplit, input.seed);
    const embed = (x: tf.Tensor) =>
      tf.tidy(() => (base.predict(x, { batchSize: input.batchSize }) as tf.Tensor).reshape([x.shape[0], -1]));
    const t0 = performance.now();
    const ya = tf.gather(s.y, train);
    for (let e = 0; e < epochs; e++) {
      const xa = await decodeAll(input, train, e + 1, augmentation);
      const fa = embed(xa);
      xa.dispose();
      await head.fit(fa, ya, { epochs: 1, batchSize: input.batchSize, shuffle: true, verbose: 0 });
      fa.dispose();
    }
    const ms = performance.now() - t0;
    ya.dispose();
    const xv = tf.gather(s.x, val);
    const fv = embed(xv);
    xv.dispose();
    const pred = tf.tidy(() => (head.predict(fv) as tf.Tensor).argMax(-1));
    const p = await pred.data();
    tf.dispose([fv, pred]);
    head.dispose();
    const acc = val.length ? val.filter((i, k) => labels[i] === p[k]).length / val.length : 0;
    return { ms, acc, memory: memory() };
  },

  memory,

  /** Frees the model and the decoded images. */
  dispose(): void {
    if (!state) return;
    tf.dispose([state.x, state.y, ...state.pretrained]);
    state.model.dispose();
    state.optimizer?.dispose();
    state = null;
  },
};

export type BaselineApi = typeof api;
Comlink.expose(api);
