import type {
  BackendChoice,
  BackendName,
  ModelRef,
  Prediction,
  ResizeMode,
  TrainEvent,
  TrainRequest,
  TrainResult,
  TrainedWeights,
} from './types';
import type { Preprocessing } from '../../export/modelFiles';

/** What an export needs beyond the model: how the base scales its input, and what to record. */
export interface ExportOptions {
  /** The scaling the base expects; it is baked into the exported model as a Rescaling layer. */
  preprocessing: Preprocessing;
  /** The model's name, recorded in model.json's `retrain` block. */
  title: string;
  /** Class names in output order, recorded in model.json's `retrain` block. */
  labels: string[];
}

/** A serialised TF.js layers model: model.json text and the one weights.bin it names. */
export interface ExportedModel {
  modelJson: string;
  weights: ArrayBuffer;
  /** Name of the Rescaling layer inserted after the input, or null when the base takes 0..255. */
  rescalingLayer: string | null;
}

/** The training worker's one typed API (exposed with comlink; the page imports only this type). */
export interface TrainingWorkerApi {
  /** Picks and starts a backend; "auto" prefers hardware WebGPU, then WebGL, then WASM, then CPU. */
  init(choice: BackendChoice, needsConvGradients: boolean): Promise<{ backend: BackendName; reason: string }>;
  /** Trains the model on the images; events stream through `onEvent` (a comlink proxy). */
  train(request: TrainRequest, onEvent: (e: TrainEvent) => void): Promise<TrainResult>;
  /** Ends the run after the current batch, keeping the weights trained so far. */
  stop(): void;
  /** Top classes for one image with the current (trained) weights. */
  predict(
    model: ModelRef,
    image: Blob,
    labels: string[],
    options: { preprocessing: Preprocessing; resize: ResizeMode },
  ): Promise<Prediction[]>;
  /**
   * Serialises the model with its current weights (trained, else pretrained) and the base's
   * scaling baked in, so the result takes RGB 0..255. Refused while a run is training.
   */
  exportModel(model: ModelRef, options: ExportOptions): Promise<ExportedModel>;
  /**
   * Sets the trained weights of a model (a restored project's checkpoint; null: none, the model
   * starts from its base weights). Refused while a run is training.
   */
  setTrainedWeights(modelId: string, weights: TrainedWeights | null): Promise<void>;
  /** TF.js memory, for leak checks. */
  memory(): { numTensors: number; numBytes: number };
}
