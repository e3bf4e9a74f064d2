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
import { createMemorySpill, type MemorySpill } from './spill';
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

describe('the cache over its memory budget', () => {
  // 20 images × 8·8·4 floats (the bn_a cut) = 20 KiB of activations per view; the budget is 10 KiB.
  const SMALL = 10 / 1024;
  // Augmented views make rows of one image differ: reading back the wrong view changes the run.
  const AUG = { augmentation: { ...DEFAULT_SETTINGS.augmentation, enabled: true, views: 2 } };
  const statusTexts = (events: TrainEvent[]) => events.flatMap((e) => (e.type === 'status' ? [e.text] : []));

  it('spills to the browser storage, trains exactly as from memory, reuses the spill and refills when the key changes', async () => {
    const start = tf.memory().numTensors;
    let spill: MemorySpill | null = null;
    const api = createTrainingApi(deps({ spill: () => (spill = createMemorySpill()) }));
    const events: TrainEvent[] = [];
    const spilled = await api.train(request({ ...AUG, cacheMemoryMiB: SMALL }), (e) => events.push(e));
    expect(spilled.status).toBe('finished');
    expect(statusTexts(events)).toContainEqual(
      expect.stringMatching(
        /^The frozen layers' outputs take 0\.059 MiB, more than the 0\.0098 MiB cache budget .*: they are kept in the browser's storage \(IndexedDB\) and read back for each batch\./,
      ),
    );
    const fills = events.filter((e) => e.type === 'cache');
    expect(fills.length).toBeGreaterThan(1);
    expect(fills.every((e) => e.type === 'cache' && !e.reused && e.storage === 'indexeddb')).toBe(true);
    expect(fills.at(-1)).toMatchObject({ done: 20, total: 20 });
    expect(spill!.size).toBe(60);
    const puts = spill!.puts;
    expect(puts).toBeGreaterThan(1);
    expect(spill!.gets).toBeGreaterThan(0);

    // The same run with the cache in memory gives the same numbers, bit for bit.
    const inMemory = createTrainingApi(deps({ spill: () => createMemorySpill() }));
    const memEvents: TrainEvent[] = [];
    const fromMemory = await inMemory.train(request(AUG), (e) => memEvents.push(e));
    expect(memEvents.some((e) => e.type === 'cache' && e.storage === 'memory')).toBe(true);
    expect(spilled.history).toEqual(fromMemory.history);
    expect(spilled.validation).toEqual(fromMemory.validation);
    expect(spilled.valAccuracy).toBe(fromMemory.valAccuracy);
    inMemory.dispose();

    // A second run with the same key reads the spilled rows again: no refill.
    const again: TrainEvent[] = [];
    const second = await api.train(request({ ...AUG, cacheMemoryMiB: SMALL }), (e) => again.push(e));
    expect(second.status).toBe('finished');
    expect(again.filter((e) => e.type === 'cache')).toEqual([
      { type: 'cache', done: 20, total: 20, imagesPerSecond: 0, reused: true, storage: 'indexeddb' },
    ]);
    expect(second.timing.cacheMs).toBe(0);
    expect(spill!.puts).toBe(puts);
    expect(second.history[0].loss).toBeLessThan(spilled.history[0].loss);

    // Other preprocessing is another key: the stale rows are replaced, not reused.
    const oldKey = spill!.cacheKey;
    const third: TrainEvent[] = [];
    await api.train(request({ ...AUG, cacheMemoryMiB: SMALL, preprocessing: '-1..1' }), (e) => third.push(e));
    expect(third.some((e) => e.type === 'cache' && e.reused)).toBe(false);
    expect(third.some((e) => e.type === 'cache' && e.done === 20 && e.storage === 'indexeddb')).toBe(true);
    expect(spill!.puts).toBe(2 * puts);
    expect(spill!.cacheKey).not.toBe(oldKey);
    expect(spill!.size).toBe(60);

    // A run that fits in memory frees the spilled rows of the old key.
    await api.train(request({ ...AUG, epochs: 1 }), () => {});
    expect(spill!.size).toBe(0);
    expect(spill!.cacheKey).toBeNull();

    // Lowering the budget drops the in-memory cache of the same key: it is spilled instead.
    await api.train(request({ ...AUG, epochs: 1, cacheMemoryMiB: SMALL }), () => {});
    expect(spill!.size).toBe(60);
    api.dispose();
    await Promise.resolve();
    expect(spill!.size).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('runs live when the browser storage has no room or runs out, freeing what it wrote', async () => {
    const noRoom = createMemorySpill({ roomBytes: 4096 });
    const api = createTrainingApi(deps({ spill: () => noRoom }));
    const events: TrainEvent[] = [];
    const result = await api.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), (e) => events.push(e));
    expect(result.status).toBe('finished');
    expect(statusTexts(events)).toContainEqual(
      expect.stringMatching(
        /and the browser's storage has only 0\.0039 MiB free: they are computed again for every batch instead/,
      ),
    );
    expect(events.some((e) => e.type === 'cache')).toBe(false);
    expect(noRoom.puts).toBe(0);
    api.dispose();

    const full = createMemorySpill({ quotaBytes: 8192 });
    const api2 = createTrainingApi(deps({ spill: () => full }));
    const events2: TrainEvent[] = [];
    const result2 = await api2.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), (e) => events2.push(e));
    expect(result2.status).toBe('finished');
    expect(result2.history).toHaveLength(1);
    expect(statusTexts(events2)).toContainEqual(
      expect.stringMatching(/the browser's storage ran out while storing them .*: they are computed again/),
    );
    expect(full.puts).toBeGreaterThan(0);
    expect(full.size).toBe(0);
    // Nothing is kept to reuse: the next run tries again.
    const again: TrainEvent[] = [];
    await api2.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), (e) => again.push(e));
    expect(again.some((e) => e.type === 'cache' && e.reused)).toBe(false);
    api2.dispose();
  });

  it('stops while spilling without keeping half a cache', async () => {
    const start = tf.memory().numTensors;
    const spill = createMemorySpill();
    const api = createTrainingApi(deps({ spill: () => spill }));
    const result = await api.train(request({ cacheMemoryMiB: SMALL }), (e) => {
      if (e.type === 'cache') api.stop();
    });
    expect(result.status).toBe('stopped');
    expect(result.history).toHaveLength(0);
    expect(spill.size).toBe(0);
    const events: TrainEvent[] = [];
    await api.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), (e) => events.push(e));
    expect(events.some((e) => e.type === 'cache' && e.reused)).toBe(false);
    expect(spill.size).toBe(20);
    api.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('fails the run, saying what to do, when spilled rows vanish, and refills next time', async () => {
    const spill = createMemorySpill();
    const api = createTrainingApi(deps({ spill: () => spill }));
    await api.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), () => {});
    // Another tab refilled the store with its own key.
    await spill.begin('another tab');
    const lost = await api.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), () => {});
    expect(lost.status).toBe('failed');
    expect(lost.message).toMatch(/in the browser's storage \(IndexedDB\) were replaced .*train again/);
    const events: TrainEvent[] = [];
    const next = await api.train(request({ epochs: 1, cacheMemoryMiB: SMALL }), (e) => events.push(e));
    expect(next.status).toBe('finished');
    expect(events.some((e) => e.type === 'cache' && !e.reused && e.done === 20)).toBe(true);
    api.dispose();
  });

  it('refuses a budget that is not a positive number', async () => {
    const api = createTrainingApi(deps());
    for (const bad of [0, -5, Number.NaN]) {
      const result = await api.train(request({ cacheMemoryMiB: bad }), () => {});
      expect(result).toMatchObject({
        status: 'failed',
        message: expect.stringMatching(
          /^Cache memory budget .* MiB is not a positive number: set Cache memory budget \(MiB\)/,
        ),
      });
    }
    api.dispose();
  });
});
