/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import type { TrainingWorkerApi } from '../shared/api';
import { createTrainingApi } from './api';
import { initBackend } from './backend';
import { idbSpill } from './idbSpill';
import { blobImageSource } from './images';
import { loadWeights } from './weightsLoader';

// Training runs here so that decoding, caching and training never block the page.
const api = createTrainingApi({
  initBackend,
  imageSource: blobImageSource,
  loadWeights: (source) => loadWeights(source),
  // A cache over the memory budget (Cache memory budget) goes to IndexedDB.
  spill: idbSpill,
});

const exposed: TrainingWorkerApi = {
  init: (choice, needsConvGradients) => api.init(choice, needsConvGradients),
  async train(request, onEvent) {
    try {
      const result = await api.train(request, onEvent);
      // Moves the trained weights to the page instead of copying them.
      return result.weights ? Comlink.transfer(result, [result.weights.data]) : result;
    } finally {
      // Each run gets its own event proxy (a MessageChannel): close it rather than wait for GC.
      (onEvent as unknown as Partial<Record<typeof Comlink.releaseProxy, () => void>>)[
        Comlink.releaseProxy
      ]?.();
    }
  },
  stop: () => api.stop(),
  predict: (model, image, labels, options) => api.predict(model, image, labels, options),
  async exportModel(model, options) {
    const exported = await api.exportModel(model, options);
    // Moves the weights to the page instead of copying them (they can be hundreds of MB).
    return Comlink.transfer(exported, [exported.weights]);
  },
  setTrainedWeights: (modelId, weights) => api.setTrainedWeights(modelId, weights),
  memory: () => api.memory(),
};

Comlink.expose(exposed);
