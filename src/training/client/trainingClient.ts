import * as Comlink from 'comlink';
import type { Preprocessing } from '../../export/modelFiles';
import type { ExportedModel, ExportOptions, TrainingWorkerApi } from '../shared/api';
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
} from '../shared/types';

/**
 * The page side of the training worker: one typed object whose calls survive a worker crash
 * (the call in flight is rejected with a clear message and the next call starts a fresh worker).
 */

/** What the client needs from a Worker (tests pass a stand-in). */
export interface WorkerLike extends Comlink.Endpoint {
  terminate(): void;
}

export interface TrainingClient {
  init(choice: BackendChoice, needsConvGradients: boolean): Promise<{ backend: BackendName; reason: string }>;
  /** Trains; aborting `signal` ends the run after the current batch (the weights are kept). */
  train(request: TrainRequest, onEvent: (e: TrainEvent) => void, signal?: AbortSignal): Promise<TrainResult>;
  predict(
    model: ModelRef,
    image: Blob,
    labels: string[],
    options: { preprocessing: Preprocessing; resize: ResizeMode },
  ): Promise<Prediction[]>;
  /** model.json + weights.bin of the model with its current weights, taking RGB 0..255. */
  exportModel(model: ModelRef, options: ExportOptions): Promise<ExportedModel>;
  /** Sets a model's trained weights (a restored project's checkpoint; null: base weights only). */
  setTrainedWeights(modelId: string, weights: TrainedWeights | null): Promise<void>;
  memory(): Promise<{ numTensors: number; numBytes: number }>;
  /** Ends the worker; the next call starts a new one. */
  terminate(): void;
}

interface Session {
  worker: WorkerLike;
  api: Comlink.Remote<TrainingWorkerApi>;
  /** Rejects when the worker crashes. */
  crashed: Promise<never>;
}

function spawnTrainingWorker(): WorkerLike {
  return new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
    type: 'module',
    name: 'training',
  });
}

function describeError(event: Event): string {
  const e = event as ErrorEvent;
  return e.message || (e.error instanceof Error ? e.error.message : '') || 'no details';
}

/** Weight URLs relative to the page would resolve against the worker script's URL: make them absolute. */
function absoluteWeights(model: ModelRef): ModelRef {
  if (model.weights.kind !== 'url' || typeof location === 'undefined') return model;
  return {
    ...model,
    weights: { ...model.weights, baseUrl: new URL(model.weights.baseUrl, location.href).href },
  };
}

/** Creates a client; the worker starts on the first call. */
export function createTrainingClient(spawn: () => WorkerLike = spawnTrainingWorker): TrainingClient {
  let session: Session | null = null;
  /** The latest trained weights (checkpoint, result or restored project), handed to a restarted worker. */
  let trained: { modelId: string; weights: TrainedWeights | null } | null = null;

  function end(s: Session): void {
    if (session === s) session = null;
    s.api[Comlink.releaseProxy]();
    s.worker.terminate();
  }

  function ensure(): Session {
    if (session) return session;
    const worker = spawn();
    let fail: (e: Error) => void = () => {};
    const crashed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    crashed.catch(() => {});
    const s: Session = { worker, api: Comlink.wrap<TrainingWorkerApi>(worker), crashed };
    const onCrash = (event: Event) => {
      fail(
        new Error(
          `The training worker crashed (${describeError(event)}), possibly out of memory. It will restart on the next action: try again, with fewer images or a smaller batch if it happens again. It continues from the last finished epoch's weights.`,
        ),
      );
      end(s);
    };
    worker.addEventListener('error', onCrash);
    worker.addEventListener('messageerror', onCrash);
    session = s;
    // Queued before any other call, so a restarted worker continues from the last checkpoint.
    if (trained) s.api.setTrainedWeights(trained.modelId, trained.weights).catch(() => {});
    return s;
  }

  async function call<T>(fn: (api: Comlink.Remote<TrainingWorkerApi>) => Promise<T>): Promise<T> {
    const s = ensure();
    return Promise.race([fn(s.api), s.crashed]);
  }

  return {
    init: (choice, needsConvGradients) => call((api) => api.init(choice, needsConvGradients)),
    async train(request, onEvent, signal) {
      const s = ensure();
      const stop = () => {
        s.api.stop().catch(() => {});
      };
      signal?.addEventListener('abort', stop);
      try {
        const events = (e: TrainEvent) => {
          if (e.type === 'checkpoint') trained = { modelId: e.weights.modelId, weights: e.weights };
          return onEvent(e);
        };
        const running = call((api) =>
          api.train({ ...request, model: absoluteWeights(request.model) }, Comlink.proxy(events)),
        ).then((result) => {
          if (result.weights) trained = { modelId: result.weights.modelId, weights: result.weights };
          return result;
        });
        // Stop goes after train in the worker's queue, so a run aborted early still stops.
        if (signal?.aborted) stop();
        return await running;
      } finally {
        signal?.removeEventListener('abort', stop);
      }
    },
    predict: (model, image, labels, options) =>
      call((api) => api.predict(absoluteWeights(model), image, labels, options)),
    exportModel: (model, options) => call((api) => api.exportModel(absoluteWeights(model), options)),
    // A copy is sent: the page keeps its checkpoint (to store it, and for a restarted worker).
    setTrainedWeights: (modelId, weights) => {
      trained = { modelId, weights };
      return call((api) => api.setTrainedWeights(modelId, weights));
    },
    memory: () => call((api) => api.memory()),
    terminate() {
      if (session) end(session);
    },
  };
}

/** The app's training client. */
export const trainingClient: TrainingClient = createTrainingClient();
