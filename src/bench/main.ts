import * as Comlink from 'comlink';
import { loadBuiltin } from '../export/modelFiles';
import { trainingClient } from '../training/client/trainingClient';
import {
  DEFAULT_SETTINGS,
  type TrainEvent,
  type TrainRequest,
  type TrainSettings,
} from '../training/shared/types';
import type { BaselineApi } from './baseline.worker';
import { withBenchHead } from './workload';

/**
 * The benchmark page: runs the editor's real training worker and the baselines on the same
 * images, in one run, and hands the figures to scripts/bench.mjs.
 */

interface BenchImage {
  label: string;
  name: string;
  base64: string;
  type: string;
}

interface BenchConfig {
  smoke: boolean;
  epochs: number;
  batchSize: number;
  naiveEpochs: number;
  runs: number;
}

function toBlob(img: BenchImage): Blob {
  const bytes = Uint8Array.from(atob(img.base64), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: img.type });
}

async function bench(images: BenchImage[], config: BenchConfig) {
  const labels = [...new Set(images.map((i) => i.label))].sort();
  const items = images.map((im, i) => ({ id: `img${i}`, label: labels.indexOf(im.label), blob: toBlob(im) }));
  const id = config.smoke ? 'tiny_cnn' : 'mobilenet_v2';
  const model = await loadBuiltin(id, '/');
  const cut = config.smoke ? 'gap' : 'flatten_1';
  const oldHead = config.smoke
    ? ['dense_1', 'dropout_1', 'dense_2']
    : ['dense_1', 'dropout_2', 'dense_2', 'dropout_3', 'dense_3'];
  let graph = withBenchHead(model.graph, cut, oldHead, labels.length);
  if (config.smoke)
    graph = {
      ...graph,
      layers: graph.layers.map((l) =>
        ['conv1', 'conv2', 'conv3', 'input'].includes(l.name) ? { ...l, trainable: false } : l,
      ),
    };
  const [h, w] = model.inputSize ?? [224, 224];
  const settings: TrainSettings = {
    ...DEFAULT_SETTINGS,
    epochs: config.epochs,
    batchSize: config.batchSize,
    backend: 'wasm',
    preprocessing: model.preprocessing,
  };
  const request = (s: TrainSettings): TrainRequest => ({
    model: { id: model.id, graph, weights: model.weights },
    images: items,
    labels,
    settings: s,
  });

  // Baselines first, in their own worker, so the two never share a backend or a cache.
  const worker = new Worker(new URL('./baseline.worker.ts', import.meta.url), { type: 'module' });
  const baseline = Comlink.wrap<BaselineApi>(worker);
  const base = await baseline.run({
    graph,
    weights: model.weights,
    cut,
    images: items.map((i) => ({ blob: i.blob, label: i.label })),
    classes: labels.length,
    spec: { height: h, width: w, preprocessing: model.preprocessing, resize: 'center-crop' },
    epochs: config.epochs,
    naiveEpochs: config.naiveEpochs,
    batchSize: config.batchSize,
    augmentation: config.smoke ? null : { ...DEFAULT_SETTINGS.augmentation, enabled: true },
  });
  worker.terminate();

  const heap = () =>
    (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  let cacheRate = 0;
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'cache' && e.imagesPerSecond) cacheRate = e.imagesPerSecond;
  };
  await trainingClient.init('wasm', false);
  const before = await trainingClient.memory();
  const heapBefore = heap();
  let t0 = performance.now();
  const first = await trainingClient.train(request(settings), onEvent);
  const editorMs = performance.now() - t0;
  for (let r = 1; r < config.runs; r++) await trainingClient.train(request(settings), () => undefined);
  const after = await trainingClient.memory();
  const heapGrowth = heap() - heapBefore;

  let augmented = null;
  if (!config.smoke && base.onTheFly) {
    const aug = { ...settings, augmentation: { ...settings.augmentation, enabled: true } };
    // A fresh model id: the head starts from scratch as in the on-the-fly baseline.
    t0 = performance.now();
    const r = await trainingClient.train(
      { ...request(aug), model: { id: `${model.id}#aug`, graph, weights: model.weights } },
      () => undefined,
    );
    augmented = {
      views: aug.augmentation.views,
      cachedMs: performance.now() - t0,
      cachedAcc: r.valAccuracy,
      onTheFlyMs: base.onTheFly.ms,
      onTheFlyAcc: base.onTheFly.acc,
    };
  }
  const naiveScale = config.epochs / config.naiveEpochs;
  const naiveMs = base.naiveRunMs * naiveScale;
  return {
    backend: first.backend,
    status: first.status,
    onePassMs: base.onePassMs,
    editorMs,
    naiveMs,
    naiveEpochsRun: config.naiveEpochs,
    naiveScale,
    speedupVsNaive: naiveMs / editorMs,
    overheadVsOnePass: editorMs / base.onePassMs,
    imagesPerSecond: cacheRate,
    valAccuracy: first.valAccuracy,
    timing: first.timing,
    runs: config.runs,
    tensorsBefore: before.numTensors,
    tensorsAfter: after.numTensors,
    bytesBefore: before.numBytes,
    bytesAfter: after.numBytes,
    heapGrowth,
    augmented,
  };
}

(window as unknown as { retrainBench: typeof bench }).retrainBench = bench;
