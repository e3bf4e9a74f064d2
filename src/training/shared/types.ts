import type { ModelGraph } from '../../core/types';
import type { Preprocessing, WeightSource } from '../../export/modelFiles';

/**
 * The contract between the page and the training worker. Everything here is structured-clone
 * safe (plain data and Blobs), so it crosses postMessage as is.
 */

export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendChoice, 'auto'>;
export type ResizeMode = 'center-crop' | 'stretch';
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

export interface AugmentationSettings {
  enabled: boolean;
  flip: boolean;
  /** Max rotation in degrees (either way). */
  rotation: number;
  /** Max zoom in, as a fraction (0.1 = up to 10 %). */
  zoom: number;
  /** Max brightness change, as a fraction. */
  brightness: number;
  /** Augmented views cached per training image (K). */
  views: number;
}

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /**
   * Learning rate of trainable layers that came with pretrained weights, as a multiple of
   * `learningRate` (new layers use `learningRate` itself). Below 1 it keeps a pretrained hidden
   * head from being overwritten while the new output layer learns: on flowers-dt with the
   * embedded MobileNet V2, 0.1 gave 0.760 where 1 gave 0.700 (five seeds, cached features).
   */
  pretrainedRateScale: number;
  optimizer: OptimizerName;
  /** SGD momentum (used when optimizer is "sgd"). */
  momentum: number;
  /** Fraction of each class held out for validation (stratified, seeded). */
  validationSplit: number;
  earlyStopping: { enabled: boolean; patience: number };
  /** "balanced" weighs each class by n / (k · n_class). */
  classWeights: 'none' | 'balanced';
  augmentation: AugmentationSettings;
  seed: number;
  backend: BackendChoice;
  preprocessing: Preprocessing;
  resize: ResizeMode;
  /**
   * MiB of memory the frozen-prefix cache may take; a larger cache goes to the browser's storage
   * (IndexedDB) and is read back for each batch. Lower it on a machine with little memory.
   */
  cacheMemoryMiB: number;
}

export const DEFAULT_SETTINGS: TrainSettings = {
  epochs: 20,
  batchSize: 32,
  learningRate: 0.001,
  pretrainedRateScale: 0.1,
  optimizer: 'adam',
  momentum: 0.9,
  validationSplit: 0.2,
  earlyStopping: { enabled: false, patience: 5 },
  classWeights: 'none',
  augmentation: { enabled: false, flip: true, rotation: 10, zoom: 0.1, brightness: 0.1, views: 4 },
  seed: 42,
  backend: 'auto',
  preprocessing: '0..1',
  resize: 'center-crop',
  cacheMemoryMiB: 1024,
};

/**
 * Saved settings completed with the defaults: a project saved before a setting existed still
 * loads, with that setting at its default.
 */
export function withDefaultSettings(saved: Partial<TrainSettings> | null | undefined): TrainSettings {
  const s = saved ?? {};
  return {
    ...DEFAULT_SETTINGS,
    ...s,
    earlyStopping: { ...DEFAULT_SETTINGS.earlyStopping, ...s.earlyStopping },
    augmentation: { ...DEFAULT_SETTINGS.augmentation, ...s.augmentation },
  };
}

/** One training image: its dataset id, class index and encoded bytes (JPEG/PNG/WebP...). */
export interface TrainImage {
  id: string;
  label: number;
  blob: Blob;
}

/** What the worker needs to build the model: its graph and where its pretrained weights are. */
export interface ModelRef {
  /** Identity of the weight source; decoded weights are cached per id. */
  id: string;
  graph: ModelGraph;
  weights: WeightSource;
}

export interface TrainRequest {
  model: ModelRef;
  images: TrainImage[];
  /** Class names in output order. */
  labels: string[];
  settings: TrainSettings;
}

/**
 * A model's trained weights (the layers runs changed vs the base), packed into one buffer so it
 * moves between threads without copying and is stored as is.
 */
export interface TrainedWeights {
  /** The model (ModelRef.id) the weights belong to. */
  modelId: string;
  /** Epochs finished in the run that produced them. */
  epoch: number;
  /** Weight name ("<layer name>/<weight>"), shape and dtype, in `data` order. */
  entries: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[];
  data: ArrayBuffer;
}

export type TrainEvent =
  | { type: 'status'; text: string }
  /** The model's weights after a finished epoch (the checkpoint a reload continues from). */
  | { type: 'checkpoint'; weights: TrainedWeights }
  | { type: 'backend'; backend: BackendName; reason: string }
  | {
      type: 'cache';
      done: number;
      total: number;
      imagesPerSecond: number;
      reused: boolean;
      /** Where the cached activations are kept: memory, or the browser's storage when over budget. */
      storage: 'memory' | 'indexeddb';
    }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; imagesPerSecond: number }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      loss: number;
      accuracy: number;
      valLoss: number | null;
      valAccuracy: number | null;
      imagesPerSecond: number;
      etaSeconds: number;
    };

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
}

export interface TrainResult {
  status: 'finished' | 'stopped' | 'failed';
  /** User-facing explanation when stopped early or failed (NaN loss, backend failure...). */
  message?: string;
  backend: BackendName;
  history: EpochLog[];
  /** Best-epoch validation accuracy that the returned weights have (null without validation). */
  valAccuracy: number | null;
  /** confusion[true][predicted] counts on the validation images. */
  confusion: number[][];
  /** Validation image ids with their true and predicted class. */
  validation: { id: string; label: number; predicted: number }[];
  perClass: { precision: number; recall: number }[];
  /** Milliseconds: building the frozen-prefix cache, and training the suffix. */
  timing: { cacheMs: number; trainMs: number; totalMs: number };
  /** Layers whose activations were cached (the frozen prefix's outputs). */
  cutLayers: string[];
  /** The model's trained weights after the run; absent when the run changed none. */
  weights?: TrainedWeights;
}

export interface Prediction {
  label: string;
  probability: number;
}
