import * as Comlink from 'comlink';
import { DEFAULT_BUILTIN, loadBuiltin, type ModelDescriptor } from '../export/modelFiles';
import { trainingClient } from '../training/client/trainingClient';
import {
  DEFAULT_SETTINGS,
  type BackendName,
  type TrainEvent,
  type TrainImage,
  type TrainRequest,
  type TrainSettings,
} from '../training/shared/types';
import { stratifiedSplit } from '../training/worker/dataset';
import type { ModelGraph } from '../core/types';
import type { BaselineApi, MemoryFigures } from './baseline.worker';
import { withBenchHead } from './workload';

/**
 * The benchmark page: runs the editor's real training worker and the baselines on the same
 * images, in one run, and hands the figures to scripts/bench.mjs. Progress, with TF.js memory
 * after every step, goes to the console (bench.mjs prints it).
 */

/** An image the bench script serves; `url` is fetched by the page. */
interface BenchImage {
  label: string;
  url: string;
}

interface BenchConfig {
  smoke: boolean;
  epochs: number;
  batchSize: number;
  /** The naive fit runs this many batches (after a warm-up step) and is scaled to the full run. */
  naiveBatches: number;
  /** Its batch size: batch 32 does not fit in WASM memory (the profile shows why). */
  naiveBatchSize: number;
  runs: number;
  /** Batch sizes for one profiled plain training step each (tf.profile). */
  profileBatches: number[];
  /** A larger generated dataset trained once by the editor (workload 3); empty to skip. */
  large: BenchImage[];
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
const say = (text: string, m?: MemoryFigures) =>
  console.log(m ? `${text} [tf: ${m.numTensors} tensors, ${mib(m.numBytes)}]` : text);

async function fetchImages(images: BenchImage[]) {
  const labels = [...new Set(images.map((i) => i.label))].sort();
  const items: TrainImage[] = await Promise.all(
    images.map(async (im, i) => {
      const r = await fetch(im.url);
      if (!r.ok) throw new Error(`bench image ${im.url}: HTTP ${r.status}`);
      return { id: `img${i}`, label: labels.indexOf(im.label), blob: await r.blob() };
    }),
  );
  return { labels, items };
}

interface Workload {
  model: ModelDescriptor;
  graph: ModelGraph;
  cut: string;
}

async function workload(smoke: boolean, classes: number): Promise<Workload> {
  // The default built-in MobileNet V2 (1.4) with its output layer replaced; Tiny CNN when smoke.
  const model = await loadBuiltin(smoke ? 'tiny_cnn' : DEFAULT_BUILTIN, '/');
  const cut = smoke ? 'gap' : 'feature_vector';
  const oldHead = smoke ? ['dense_1', 'dropout_1', 'dense_2'] : ['dense'];
  let graph = withBenchHead(model.graph, cut, oldHead, classes);
  if (smoke)
    graph = {
      ...graph,
      layers: graph.layers.map((l) =>
        ['conv1', 'conv2', 'conv3', 'input'].includes(l.name) ? { ...l, trainable: false } : l,
      ),
    };
  return { model, graph, cut };
}

/** The page's JS heap in use, after a full collection where the browser exposes gc(). */
const heap = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
};

async function bench(images: BenchImage[], config: BenchConfig) {
  const { labels, items } = await fetchImages(images);
  const { model, graph, cut } = await workload(config.smoke, labels.length);
  const [h, w] = model.inputSize ?? [224, 224];
  const settings = (backend: BackendName, augment = false): TrainSettings => ({
    ...DEFAULT_SETTINGS,
    epochs: config.epochs,
    batchSize: config.batchSize,
    backend,
    preprocessing: model.preprocessing,
    augmentation: { ...DEFAULT_SETTINGS.augmentation, enabled: augment },
  });
  const request = (s: TrainSettings, id = model.id): TrainRequest => ({
    model: { id, graph, weights: model.weights },
    images: items,
    labels,
    settings: s,
  });
  const trainCount = stratifiedSplit(
    items.map((i) => i.label),
    DEFAULT_SETTINGS.validationSplit,
    DEFAULT_SETTINGS.seed,
  ).train.length;
  // The editor trains on the training split only: the naive fit is scaled to the same images.
  const imagesPerRun = config.epochs * trainCount;

  // Baselines first, in their own worker, so the two never share a backend or a cache.
  const worker = new Worker(new URL('./baseline.worker.ts', import.meta.url), { type: 'module' });
  const baseline = Comlink.wrap<BaselineApi>(worker);
  const gpu = await baseline.probe();
  say(`GPU probe: WebGPU ${gpu.webgpu}; WebGL ${gpu.webgl}`);
  const backends: BackendName[] = ['wasm'];
  if (!config.smoke && gpu.webgpu.startsWith('hardware')) backends.push('webgpu');
  else if (!config.smoke && gpu.webgl.startsWith('hardware')) backends.push('webgl');

  const baselineFor = async (backend: BackendName, full: boolean) => {
    const prepared = await baseline.prepare({
      graph,
      weights: model.weights,
      cut,
      images: items.map((i) => ({ blob: i.blob, label: i.label })),
      classes: labels.length,
      spec: { height: h, width: w, preprocessing: model.preprocessing, resize: 'center-crop' },
      batchSize: config.batchSize,
      backend,
      validationSplit: DEFAULT_SETTINGS.validationSplit,
      seed: DEFAULT_SETTINGS.seed,
    });
    say(`baseline on ${prepared.backend}: ${items.length} images decoded`, prepared.memory);
    const one = await baseline.onePass();
    say(`onePass ${one.ms.toFixed(0)} ms`, one.memory);
    const profiles = [];
    for (const b of full ? config.profileBatches : []) {
      const p = await baseline.profileStep(b);
      say(
        `tf.profile of one model.fit step at batch ${b}: ${p.ms.toFixed(0)} ms, peak ${mib(p.peakBytes)}, ${p.kernels} kernels, top ${p.top.map((k) => `${k.name} ${k.ms} ms`).join(', ')}`,
      );
      profiles.push(p);
    }
    const naive = await baseline.naive(config.naiveBatches, config.naiveBatchSize);
    say(
      `naive model.fit: ${naive.msPerImage.toFixed(0)} ms/image over ${naive.images} images at batch ${naive.batchSize}`,
      naive.memory,
    );
    let onTheFly = null;
    if (full && !config.smoke) {
      const aug = { ...DEFAULT_SETTINGS.augmentation, enabled: true };
      onTheFly = await baseline.onTheFly(config.epochs, aug);
      say(`on-the-fly augmentation: ${onTheFly.ms.toFixed(0)} ms, val acc ${onTheFly.acc}`, onTheFly.memory);
    }
    baseline.dispose();
    return { backend: prepared.backend, onePassMs: one.ms, profiles, naive, onTheFly };
  };

  const editorRun = async (backend: BackendName) => {
    let cacheRate = 0;
    const onEvent = (e: TrainEvent) => {
      if (e.type === 'cache' && e.imagesPerSecond) cacheRate = e.imagesPerSecond;
    };
    await trainingClient.init(backend, false);
    const t0 = performance.now();
    // A fresh model id per backend: the run starts from the pretrained weights and an empty cache.
    const r = await trainingClient.train(request(settings(backend), `${model.id}#${backend}`), onEvent);
    const ms = performance.now() - t0;
    if (r.status !== 'finished')
      throw new Error(`editor training on ${backend}: ${r.status} ${r.message ?? ''}`);
    say(
      `editor on ${r.backend}: ${ms.toFixed(0)} ms (cache ${r.timing.cacheMs.toFixed(0)} ms), val acc ${r.valAccuracy}`,
    );
    return { ms, result: r, cacheRate };
  };

  const headline = [];
  for (const backend of backends) {
    const base = await baselineFor(backend, backend === 'wasm');
    const editor = await editorRun(backend);
    const naiveMs = base.naive.msPerImage * imagesPerRun;
    headline.push({
      backend: editor.result.backend,
      onePassMs: base.onePassMs,
      editorMs: editor.ms,
      naiveMs,
      naiveImagesRun: base.naive.images,
      naiveBatchSize: base.naive.batchSize,
      naiveImagesScaledTo: imagesPerRun,
      trainCount,
      speedupVsNaive: naiveMs / editor.ms,
      overheadVsOnePass: editor.ms / base.onePassMs,
      imagesPerSecond: editor.cacheRate,
      valAccuracy: editor.result.valAccuracy,
      timing: editor.result.timing,
      profiles: base.profiles,
      onTheFly: base.onTheFly,
    });
  }
  worker.terminate();
  const wasm = headline[0];

  // Workload 3: memory over three runs on WASM (the first above fills the cache; these reuse it).
  await trainingClient.init('wasm', false);
  const before = await trainingClient.memory();
  const heapBefore = heap();
  for (let r = 0; r < config.runs; r++) {
    const res = await trainingClient.train(request(settings('wasm'), `${model.id}#wasm`), () => undefined);
    say(`memory run ${r + 1}: ${res.status}`, await trainingClient.memory());
  }
  const after = await trainingClient.memory();
  const heapGrowth = heap() - heapBefore;

  // Workload 4: the same with augmentation on, K views cached, the head from scratch.
  let augmented = null;
  if (wasm.onTheFly) {
    const aug = settings('wasm', true);
    const t0 = performance.now();
    const r = await trainingClient.train(request(aug, `${model.id}#aug`), () => undefined);
    augmented = {
      views: aug.augmentation.views,
      cachedMs: performance.now() - t0,
      cachedAcc: r.valAccuracy,
      onTheFlyMs: wasm.onTheFly.ms,
      onTheFlyAcc: wasm.onTheFly.acc,
    };
    say(`augmented cache: ${augmented.cachedMs.toFixed(0)} ms, val acc ${r.valAccuracy}`);
  }

  // Workload 3: the largest dataset tried here, trained once by the editor.
  let large = null;
  if (config.large.length) {
    const set = await fetchImages(config.large);
    const big = await workload(config.smoke, set.labels.length);
    let rate = 0;
    const t0 = performance.now();
    const r = await trainingClient.train(
      {
        model: { id: `${model.id}#large`, graph: big.graph, weights: big.model.weights },
        images: set.items,
        labels: set.labels,
        settings: settings('wasm'),
      },
      (e) => {
        if (e.type === 'cache' && e.imagesPerSecond) rate = e.imagesPerSecond;
        if (e.type === 'status') say(`large dataset: ${e.text}`);
      },
    );
    const m = await trainingClient.memory();
    large = {
      images: set.items.length,
      status: r.status,
      message: r.message ?? null,
      ms: performance.now() - t0,
      imagesPerSecond: rate,
      valAccuracy: r.valAccuracy,
      tensorsAfter: m.numTensors,
      bytesAfter: m.numBytes,
    };
    say(`large dataset (${large.images} images): ${r.status} in ${large.ms.toFixed(0)} ms`, m);
  }

  return {
    ...wasm,
    gpu,
    headline,
    status: 'completed',
    runs: config.runs,
    tensorsBefore: before.numTensors,
    tensorsAfter: after.numTensors,
    bytesBefore: before.numBytes,
    bytesAfter: after.numBytes,
    heapGrowth,
    augmented,
    large,
  };
}

(window as unknown as { retrainBench: typeof bench }).retrainBench = bench;
