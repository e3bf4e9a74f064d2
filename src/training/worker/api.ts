import * as tf from '@tensorflow/tfjs';
import * as Comlink from 'comlink';
import type { ModelGraph } from '../../core/types';
import type { Preprocessing, WeightSource } from '../../export/modelFiles';
import type { ExportedModel, ExportOptions, TrainingWorkerApi } from '../shared/api';
import {
  DEFAULT_SETTINGS,
  type AugmentationSettings,
  type BackendChoice,
  type BackendName,
  type ModelRef,
  type Prediction,
  type ResizeMode,
  type TrainEvent,
  type TrainRequest,
  type TrainResult,
  type TrainedWeights,
} from '../shared/types';
import { cacheKey, cutInfo, prefixRunner, type ImageSource, type RowStore } from './cache';
import { buildModel, snapshotWeights, type CompiledModel, type WeightMap } from './compile';
import { packWeights, unpackWeights } from './checkpoint';
import { checkDataset, stratifiedSplit, TrainingInputError } from './dataset';
import { exportLayersModel } from './exportModel';
import type { ImageSpec } from './images';
import { evaluate, trainLoop } from './loop';
import { confusionMatrix, perClassMetrics } from './metrics';
import { prepareFeatures } from './prepare';
import type { RowSpill } from './spill';
import { needsConvGradients, splitGraph, weightsFromGraph, weightsFromModel } from './split';
import { buildSuffix, endsInSoftmax } from './suffix';

/**
 * The worker's implementation of TrainingWorkerApi: keeps the decoded weights, the compiled
 * model and the activation cache between runs, and wires the pieces together for one run.
 */

export interface WorkerDeps {
  initBackend(
    choice: BackendChoice,
    needsConvGradients: boolean,
  ): Promise<{ backend: BackendName; reason: string }>;
  /** Decodes images on demand (images.ts in the browser; tests pass pixels). */
  imageSource(
    images: readonly { id: string; blob: Blob }[],
    spec: ImageSpec,
    augmentation: AugmentationSettings | null,
    seed: number,
  ): ImageSource;
  loadWeights(source: WeightSource): Promise<WeightMap>;
  /**
   * Bytes of Float32 activations the cache may hold in memory, overriding the run's
   * `cacheMemoryMiB` setting (tests).
   */
  cacheBudgetBytes?: number;
  /**
   * Storage for a cache over the memory budget (IndexedDB in the worker); created on first use.
   * Without it such a cache is not kept: the prefix runs live on every batch.
   */
  spill?: () => RowSpill;
  /** Images per prefix inference batch while caching. */
  prefixBatchSize?: number;
  now?: () => number;
}

/** The API plus what tests need to check memory. */
export interface TrainingWorker extends TrainingWorkerApi {
  /** Frees everything the worker keeps (weights, model, cache). */
  dispose(): void;
}

const MIB = 1024 * 1024;

/** The run's memory budget for the cache, from its settings (refused when not a positive number). */
function budgetBytes(settings: TrainRequest['settings']): number {
  // Requests from pages older than the setting have none: they get the default.
  const m = settings.cacheMemoryMiB ?? DEFAULT_SETTINGS.cacheMemoryMiB;
  if (typeof m !== 'number' || !Number.isFinite(m) || m <= 0) {
    throw new TrainingInputError(
      `Cache memory budget ${String(m)} MiB is not a positive number: set Cache memory budget (MiB) in the Training panel above 0 (${DEFAULT_SETTINGS.cacheMemoryMiB} is the default).`,
    );
  }
  return m * MIB;
}

interface ModelState {
  id: string;
  pretrained: WeightMap;
  /** Weights changed by earlier runs, keyed by current layer name. */
  trained: WeightMap;
  compiled: { key: string; built: CompiledModel } | null;
}

/** The compiled model is reused while the structure is unchanged; `trainable` flags are applied in place. */
function graphKey(graph: ModelGraph): string {
  const layers = graph.layers.map(({ trainable: _t, ...rest }) => rest);
  return JSON.stringify({ layers, inputs: graph.inputs, outputs: graph.outputs });
}

/** Creates the worker API around its dependencies. */
export function createTrainingApi(deps: WorkerDeps): TrainingWorker {
  const now = deps.now ?? (() => performance.now());
  let state: ModelState | null = null;
  /** Trained weights set for a model before it is loaded (a restored project). */
  let pendingTrained: { id: string; weights: TrainedWeights | null } | null = null;
  let cache: { key: string; store: RowStore } | null = null;
  let spill: RowSpill | null = null;
  const getSpill = () => (deps.spill ? (spill ??= deps.spill()) : null);
  /** Forgets the cache, freeing spilled rows: they can be hundreds of MiB of the user's disk. */
  const dropCache = (): Promise<void> => {
    const old = cache;
    cache = null;
    return old?.store.release?.().catch(() => {}) ?? Promise.resolve();
  };
  let backend: { backend: BackendName; reason: string } | null = null;
  let running = false;
  let stopRequested = false;
  // Calls that build or change the model run one at a time: two concurrent builds would leak one model.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };
  const refuseWhileTraining = (what: string) => {
    if (running) throw new Error(`Training is running: ${what} when it has ended (or stop it).`);
  };

  const disposeMap = (m: WeightMap) => tf.dispose([...m.values()]);

  function dropModel(): void {
    if (!state) return;
    state.compiled?.built.model.dispose();
    disposeMap(state.pretrained);
    disposeMap(state.trained);
    state = null;
    void dropCache();
  }

  async function ensureBackend(choice: BackendChoice, needsConv: boolean) {
    backend = await deps.initBackend(choice, needsConv);
    return backend;
  }

  async function compiled(ref: ModelRef, emit: (e: TrainEvent) => void, seed = 0): Promise<CompiledModel> {
    if (!state || state.id !== ref.id) {
      dropModel();
      emit({ type: 'status', text: 'Loading the pretrained weights…' });
      const pretrained = await deps.loadWeights(ref.weights);
      // Unpacked only now: tensors need the backend, which may not have started when they came.
      const restored = pendingTrained?.id === ref.id ? pendingTrained.weights : null;
      pendingTrained = null;
      const trained: WeightMap = restored ? unpackWeights(restored) : new Map();
      state = { id: ref.id, pretrained, trained, compiled: null };
    }
    const key = graphKey(ref.graph);
    if (state.compiled?.key !== key) {
      emit({ type: 'status', text: 'Building the model…' });
      state.compiled?.built.model.dispose();
      state.compiled = null;
      state.compiled = { key, built: await buildModel(ref.graph, state.pretrained, state.trained, { seed }) };
    }
    const { model } = state.compiled.built;
    for (const layer of ref.graph.layers) {
      if (layer.className !== 'InputLayer') model.getLayer(layer.name).trainable = layer.trainable;
    }
    return state.compiled.built;
  }

  /** Keeps what this run changed so a rebuilt model (after an edit) continues from it. */
  function rememberTrained(model: tf.LayersModel, layers: Iterable<string>): void {
    if (!state) return;
    for (const [name, t] of snapshotWeights(model, new Set(layers))) {
      state.trained.get(name)?.dispose();
      state.trained.set(name, t);
    }
  }

  /**
   * The weights a reopened project needs to continue from here: every layer earlier runs changed,
   * with the current values of `layers` (those this run changes), `override` winning.
   */
  async function checkpoint(
    modelId: string,
    epoch: number,
    model: tf.LayersModel,
    layers: Iterable<string>,
    override: Map<string, tf.Tensor> = new Map(),
  ): Promise<TrainedWeights> {
    const all: WeightMap = new Map(state?.trained ?? []);
    const current = snapshotWeights(model, new Set(layers));
    try {
      for (const [name, t] of current) all.set(name, override.get(name) ?? t);
      return await packWeights(modelId, epoch, all);
    } finally {
      disposeMap(current);
    }
  }

  function inputSize(model: tf.LayersModel): [number, number] {
    if (model.inputs.length !== 1) {
      throw new TrainingInputError(
        `The model has ${model.inputs.length} inputs: training needs a model with one image input.`,
      );
    }
    const [, h, w, c] = model.inputs[0].shape;
    if (typeof h !== 'number' || typeof w !== 'number' || c !== 3) {
      throw new TrainingInputError(
        `The model input has shape [${model.inputs[0].shape.join(', ')}]: training needs a fixed-size RGB image input [null, H, W, 3].`,
      );
    }
    return [h, w];
  }

  async function train(request: TrainRequest, onEvent: (e: TrainEvent) => void): Promise<TrainResult> {
    if (running) throw new Error('A training run is in progress already: stop it, then train again.');
    running = true;
    // Set before the queue is entered, so a stop() sent right after train() is not lost.
    stopRequested = false;
    return exclusive(() => trainNow(request, onEvent));
  }

  async function trainNow(request: TrainRequest, onEvent: (e: TrainEvent) => void): Promise<TrainResult> {
    const emit = (e: TrainEvent) => {
      // A page that went away must not break the run.
      try {
        Promise.resolve(onEvent(e)).catch(() => {});
      } catch {
        /* ignored, as above */
      }
    };
    const t0 = now();
    const result = (partial: Partial<TrainResult> & Pick<TrainResult, 'status'>): TrainResult => ({
      // Not tf.getBackend(): with no backend chosen yet it would start one (possibly a software GPU).
      backend: backend?.backend ?? 'cpu',
      history: [],
      valAccuracy: null,
      confusion: [],
      validation: [],
      perClass: [],
      timing: { cacheMs: 0, trainMs: 0, totalMs: now() - t0 },
      cutLayers: [],
      ...partial,
    });
    try {
      return await run(request, emit, t0, result);
    } catch (e) {
      if (!(e instanceof TrainingInputError)) console.error(e);
      const text = e instanceof Error ? e.message : String(e);
      return result({
        status: 'failed',
        message: e instanceof TrainingInputError ? text : `Training stopped on an error: ${text}`,
      });
    } finally {
      running = false;
    }
  }

  async function run(
    request: TrainRequest,
    emit: (e: TrainEvent) => void,
    t0: number,
    result: (partial: Partial<TrainResult> & Pick<TrainResult, 'status'>) => TrainResult,
  ): Promise<TrainResult> {
    const { model: ref, images, labels: classNames, settings } = request;
    const labels = images.map((img) => img.label);
    checkDataset(labels, classNames);
    const budget = deps.cacheBudgetBytes ?? budgetBytes(settings);
    const graphSplit = splitGraph(ref.graph, weightsFromGraph(ref.graph));
    const chosen = await ensureBackend(settings.backend, needsConvGradients(ref.graph, graphSplit));
    emit({ type: 'backend', ...chosen });
    const built = await compiled(ref, emit, settings.seed);
    const { model } = built;
    const split = splitGraph(ref.graph, weightsFromModel(model));
    const suffix = buildSuffix(ref.graph, model, split);
    if (suffix.units !== classNames.length) {
      throw new TrainingInputError(
        `The output layer "${suffix.outputLayer}" has ${suffix.units} units but the dataset has ${classNames.length} classes: use Match classes.`,
      );
    }
    if (suffix.trainable.length === 0) {
      throw new TrainingInputError(
        'No layer after the frozen part has trainable weights: unfreeze the layers you want to train (at least the output layer).',
      );
    }
    if (!suffix.outputIsProbability) {
      emit({
        type: 'status',
        text: `The output layer "${suffix.outputLayer}" has no softmax: its outputs are trained as logits.`,
      });
    }
    const [height, width] = inputSize(model);
    const aug =
      settings.augmentation.enabled && settings.augmentation.views > 0 ? settings.augmentation : null;
    const augmentedViews = aug ? Math.max(1, Math.floor(aug.views)) : 0;
    const spec: ImageSpec = { height, width, preprocessing: settings.preprocessing, resize: settings.resize };
    const source = deps.imageSource(images, spec, aug, settings.seed);

    const key = await cacheKey({
      graph: ref.graph,
      split,
      model,
      preprocessing: settings.preprocessing,
      resize: settings.resize,
      images: images.map((i) => ({ id: i.id, size: i.blob.size })),
      augmentation: aug,
      seed: settings.seed,
    });
    // A lowered budget applies to the kept cache too: the user may be freeing memory.
    const stale = cache && (cache.key !== key || cache.store.lost || cache.store.memoryBytes > budget);
    if (stale) await dropCache();
    const prepared = await prepareFeatures({
      key,
      reuse: cache?.store ?? null,
      cut: cutInfo(model, split),
      source,
      run: prefixRunner(model, split),
      views: 1 + augmentedViews,
      budgetBytes: budget,
      spill: getSpill(),
      prefixBatchSize: deps.prefixBatchSize ?? 16,
      emit,
      shouldStop: () => stopRequested,
      now,
    });
    const { features, cacheMs } = prepared;
    if (!features) {
      return result({
        status: 'stopped',
        message: 'Stopped while caching the frozen layers; no weights were changed.',
        timing: { cacheMs, trainMs: 0, totalMs: now() - t0 },
        cutLayers: split.cut,
      });
    }
    cache = prepared.store ? { key, store: prepared.store } : null;

    const dataSplit = stratifiedSplit(labels, settings.validationSplit, settings.seed);
    const changed = [...suffix.mutableLayers, ...built.fresh];
    const tTrain = now();
    const loop = await trainLoop({
      suffix,
      features,
      labels,
      split: dataSplit,
      numClasses: classNames.length,
      settings,
      augmentedViews,
      onEvent: emit,
      shouldStop: () => stopRequested,
      now,
      onEpochEnd: async (epoch, override) => {
        const weights = await checkpoint(ref.id, epoch, model, changed, override);
        emit(Comlink.transfer({ type: 'checkpoint', weights }, [weights.data]));
      },
    });
    rememberTrained(model, changed);
    const weights = await packWeights(ref.id, loop.history.length, state?.trained ?? new Map());
    const val = await evaluate(suffix, features, dataSplit.val, labels, classNames.length, 64);
    const trainMs = now() - tTrain;
    const truth = dataSplit.val.map((i) => labels[i]);
    const confusion = confusionMatrix(truth, val.predicted, classNames.length);
    return result({
      status: loop.status,
      message: loop.message,
      history: loop.history,
      valAccuracy: dataSplit.val.length ? val.accuracy : null,
      confusion,
      validation: dataSplit.val.map((i, k) => ({
        id: images[i].id,
        label: labels[i],
        predicted: val.predicted[k],
      })),
      perClass: perClassMetrics(confusion),
      timing: { cacheMs, trainMs, totalMs: now() - t0 },
      cutLayers: split.cut,
      weights,
    });
  }

  async function predict(
    ref: ModelRef,
    image: Blob,
    labels: string[],
    options: { preprocessing: Preprocessing; resize: ResizeMode },
  ): Promise<Prediction[]> {
    // Mid-run, the layers hold weights in standardised coordinates (standardize.ts).
    refuseWhileTraining('classify an image');
    return exclusive(() => predictNow(ref, image, labels, options));
  }

  async function predictNow(
    ref: ModelRef,
    image: Blob,
    labels: string[],
    options: { preprocessing: Preprocessing; resize: ResizeMode },
  ): Promise<Prediction[]> {
    if (!backend) await ensureBackend('auto', false);
    const { model } = await compiled(ref, () => {});
    const [height, width] = inputSize(model);
    const units = model.outputs[0].shape[model.outputs[0].shape.length - 1];
    if (units !== labels.length) {
      throw new TrainingInputError(
        `The output layer "${ref.graph.outputs[0]}" has ${units} units but there are ${labels.length} class names: use Match classes.`,
      );
    }
    const source = deps.imageSource([{ id: 'image', blob: image }], { height, width, ...options }, null, 0);
    const [pixels] = await source.load(0, [0]);
    const softmax = endsInSoftmax(ref.graph, ref.graph.outputs[0]);
    const probs = tf.tidy(() => {
      const out = model.predict(tf.tensor4d(pixels, [1, height, width, 3])) as tf.Tensor;
      return softmax ? out : tf.softmax(out);
    });
    const values = await probs.data();
    probs.dispose();
    return labels
      .map((label, i) => ({ label, probability: values[i] }))
      .sort((a, b) => b.probability - a.probability);
  }

  async function exportModel(ref: ModelRef, options: ExportOptions): Promise<ExportedModel> {
    // Mid-run, the layers hold weights in standardised coordinates, and they change every batch.
    refuseWhileTraining('export the model');
    return exclusive(async () => {
      if (!backend) await ensureBackend('auto', false);
      // The model Test image uses: trained weights where a run changed them, pretrained elsewhere.
      const { model } = await compiled(ref, () => {});
      return exportLayersModel(model, ref.graph, options);
    });
  }

  async function setTrainedWeights(modelId: string, weights: TrainedWeights | null): Promise<void> {
    refuseWhileTraining('restore trained weights');
    return exclusive(async () => {
      if (state && state.id === modelId) {
        const map = weights ? unpackWeights(weights) : new Map<string, tf.Tensor>();
        state.compiled?.built.model.dispose();
        state.compiled = null;
        disposeMap(state.trained);
        state.trained = map;
        void dropCache();
      } else {
        dropModel();
        pendingTrained = { id: modelId, weights };
      }
    });
  }

  return {
    init: async (choice, needsConv) => {
      refuseWhileTraining('change the backend');
      return exclusive(() => ensureBackend(choice, needsConv));
    },
    train,
    stop: () => {
      stopRequested = true;
    },
    predict,
    exportModel,
    setTrainedWeights,
    memory: () => {
      const m = tf.memory();
      return { numTensors: m.numTensors, numBytes: m.numBytes };
    },
    dispose: () => {
      dropModel();
      pendingTrained = null;
      void dropCache();
    },
  };
}
