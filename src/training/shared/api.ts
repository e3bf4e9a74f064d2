import type {
  BackendChoice,
  BackendName,
  ModelRef,
  Prediction,
  ResizeMode,
  TrainEvent,
  TrainRequest,
  TrainResult,
} from './types';
import type { Preprocessing } from '../../export/modelFiles';

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
  /** TF.js memory, for leak checks. */
  memory(): { numTensors: number; numBytes: number };
}
