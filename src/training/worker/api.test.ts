import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { updateConfig } from '../../core/graph';
import type { ModelGraph } from '../../core/types';
import {
  DEFAULT_SETTINGS,
  type TrainedWeights,
  type TrainEvent,
  type TrainRequest,
  type TrainSettings,
} from '../shared/types';
import { createTrainingApi, type WorkerDeps } from './api';
import type { WeightMap } from './compile';
import { blobSource, convGraph, modelWithWeights, pixelBlob, syntheticImages } from './testkit';

const SIZE = 8;
let pretrained: WeightMap;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const { model, weights } = await modelWithWeights(convGraph(2, SIZE));
  model.dispose();
  pretrained = weights;
});

function deps(patch: Partial<WorkerDeps> = {}): WorkerDeps {
  return {
    initBackend: async () => ({ backend: 'cpu', reason: 'CPU: as chosen.' }),
    imageSource: (images, spec) => blobSource(images, spec),
    // The worker owns what it loads (and disposes it when the model changes): hand out copies.
    loadWeights: async () => new Map([...pretrained].map(([k, t]) => [k, t.clone()])),
    ...patch,
  };
}

const { pixels, labels } = syntheticImages(10, 2, SIZE);
const images = pixels.map((p, i) => ({ id: `img${i}`, label: labels[i], blob: pixelBlob(p) }));

function request(
  patch: Partial<TrainSettings> = {},
  graph: ModelGraph = convGraph(2, SIZE),
  id = 'm1',
): TrainRequest {
  return {
    model: { id, graph, weights: { kind: 'buffers', manifest: [], buffers: {} } },
    images,
    labels: ['warm', 'cool'],
    settings: { ...DEFAULT_SETTINGS, epochs: 3, batchSize: 4, ...patch },
  };
}

describe('the worker API', () => {
  it('trains, reports, reuses its cache, continues from trained weights and frees all memory', async () => {
    const start = tf.memory().numTensors;
    const api = createTrainingApi(deps());
    const events: TrainEvent[] = [];
    const first = await api.train(request(), (e) => events.push(e));
    expect(first.status).toBe('finished');
    expect(first.backend).toBe('cpu');
    expect(first.cutLayers).toEqual(['bn_a']);
    expect(first.history).toHaveLength(3);
    expect(first.validation).toHaveLength(4);
    expect(first.confusion.flat().reduce((a, b) => a + b, 0)).toBe(4);
    expect(first.perClass).toHaveLength(2);
    expect(first.valAccuracy).not.toBeNull();
    expect(first.timing.totalMs).toBeGreaterThanOrEqual(first.timing.trainMs);
    expect(events[0]).toEqual({ type: 'backend', backend: 'cpu', reason: 'CPU: as chosen.' });
    expect(events.some((e) => e.type === 'cache' && !e.reused && e.done === 20)).toBe(true);
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(3 * 4);
    const retained = tf.memory().numTensors;

    const again: TrainEvent[] = [];
    const second = await api.train(request(), (e) => again.push(e));
    expect(again.some((e) => e.type === 'cache' && e.reused)).toBe(true);
    expect(second.timing.cacheMs).toBe(0);
    // It continued from the trained weights rather than starting over.
    expect(second.history[0].loss).toBeLessThan(first.history[0].loss);
    expect(tf.memory().numTensors).toBe(retained);

    const predictions = await api.predict(request().model, images[0].blob, ['warm', 'cool'], {
      preprocessing: '0..1',
      resize: 'center-crop',
    });
    expect(predictions.map((p) => p.label).sort()).toEqual(['cool', 'warm']);
    expect(predictions[0].probability).toBeGreaterThanOrEqual(predictions[1].probability);
    expect(predictions[0].probability + predictions[1].probability).toBeCloseTo(1, 5);
    expect(tf.memory().numTensors).toBe(retained);

    api.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('is reproducible: the same seed on a fresh model gives the same run', async () => {
    const api = createTrainingApi(deps());
    const a = await api.train(
      request(
        { augmentation: { ...DEFAULT_SETTINGS.augmentation, enabled: true, views: 2 } },
        undefined,
        'a',
      ),
      () => {},
    );
    // A new model id drops the trained weights, so this starts from the pretrained ones again.
    const b = await api.train(
      request(
        { augmentation: { ...DEFAULT_SETTINGS.augmentation, enabled: true, views: 2 } },
        undefined,
        'b',
      ),
      () => {},
    );
    expect(b.history).toEqual(a.history);
    expect(b.validation).toEqual(a.validation);
    api.dispose();
  });

  it('runs the frozen layers live when the cache would exceed its budget, and says so', async () => {
    const api = createTrainingApi(deps({ cacheBudgetBytes: 1000 }));
    const events: TrainEvent[] = [];
    const result = await api.train(request({ epochs: 1 }), (e) => events.push(e));
    expect(result.status).toBe('finished');
    expect(events.some((e) => e.type === 'status' && /cache budget/.test(e.text))).toBe(true);
    expect(events.some((e) => e.type === 'cache')).toBe(false);
    api.dispose();
  });

  it('stops after the current batch when asked', async () => {
    const api = createTrainingApi(deps());
    const result = await api.train(request(), (e) => {
      if (e.type === 'batch') api.stop();
    });
    expect(result.status).toBe('stopped');
    expect(result.history).toHaveLength(0);
    expect(result.validation).toHaveLength(4);
    api.dispose();
  });

  it('refuses what cannot be trained, saying what to do', async () => {
    const api = createTrainingApi(deps());
    const one = await api.train(
      { ...request(), labels: ['only'], images: images.map((i) => ({ ...i, label: 0 })) },
      () => {},
    );
    expect(one).toMatchObject({ status: 'failed', message: expect.stringMatching(/at least 2 classes/) });
    const empty = await api.train({ ...request(), labels: ['warm', 'cool', 'odd'] }, () => {});
    expect(empty.message).toMatch(/"odd" has no images/);
    const three = updateConfig(convGraph(2, SIZE), 'out', { units: 3 });
    if (!three.ok) throw new Error(three.error);
    const mismatch = await api.train(request({}, three.graph), () => {});
    expect(mismatch.message).toBe(
      'The output layer "out" has 3 units but the dataset has 2 classes: use Match classes.',
    );
    api.dispose();
  });

  it('checkpoints the weights after every epoch, and a fresh worker continues from a checkpoint exactly', async () => {
    const start = tf.memory().numTensors;
    const opts = { preprocessing: '0..1', resize: 'center-crop' } as const;
    const classes = ['warm', 'cool'];
    const trained = createTrainingApi(deps());
    const checkpoints: TrainedWeights[] = [];
    const result = await trained.train(request({ epochs: 3 }), (e) => {
      if (e.type === 'checkpoint') checkpoints.push(e.weights);
    });
    expect(result.status).toBe('finished');
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    expect(checkpoints.every((c) => c.modelId === 'm1')).toBe(true);
    expect(result.weights?.epoch).toBe(3);
    // The last epoch's checkpoint is the run's final weights (folded out of standardised coordinates).
    const last = new Float32Array(checkpoints[2].data);
    const final = new Float32Array(result.weights!.data);
    expect(checkpoints[2].entries).toEqual(result.weights!.entries);
    expect(Math.max(...last.map((v, i) => Math.abs(v - final[i])))).toBeLessThan(1e-5);
    // Each epoch changed the weights.
    expect(new Float32Array(checkpoints[0].data)).not.toEqual(last);
    const expected = await trained.predict(request().model, images[0].blob, classes, opts);
    trained.dispose();

    const predictWith = async (weights: TrainedWeights | null) => {
      const api = createTrainingApi(deps());
      await api.setTrainedWeights('m1', weights);
      const p = await api.predict(request().model, images[0].blob, classes, opts);
      api.dispose();
      return p.find((x) => x.label === 'warm')!.probability;
    };
    const warm = expected.find((x) => x.label === 'warm')!.probability;
    expect(Math.abs((await predictWith(result.weights!)) - warm)).toBeLessThan(1e-6);
    const base = await predictWith(null);
    const afterOne = await predictWith(checkpoints[0]);
    expect(Math.abs(base - warm)).toBeGreaterThan(1e-4);
    expect(Math.abs(afterOne - warm)).toBeGreaterThan(1e-6);
    expect(Math.abs(afterOne - base)).toBeGreaterThan(1e-6);
    expect(tf.memory().numTensors).toBe(start);
  });
});
