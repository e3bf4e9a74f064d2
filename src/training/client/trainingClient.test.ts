import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import type { TrainingWorkerApi } from '../shared/api';
import {
  DEFAULT_SETTINGS,
  type TrainedWeights,
  type TrainEvent,
  type TrainRequest,
  type TrainResult,
} from '../shared/types';
import { createTrainingClient, type WorkerLike } from './trainingClient';

/** A worker stand-in: a MessageChannel with a fake API on the far end, and a way to "crash" it. */
class FakeWorker extends EventTarget implements WorkerLike {
  readonly port: MessagePort;
  terminated = false;

  constructor(api: TrainingWorkerApi) {
    super();
    const { port1, port2 } = new MessageChannel();
    Comlink.expose(api, port1);
    this.port = port2;
    port2.addEventListener('message', (e) =>
      this.dispatchEvent(new MessageEvent('message', { data: e.data })),
    );
    port2.start();
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer);
  }

  crash(message: string): void {
    const event = new Event('error') as Event & { message: string };
    event.message = message;
    this.dispatchEvent(event);
  }

  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
}

const result: TrainResult = {
  status: 'finished',
  backend: 'cpu',
  history: [],
  valAccuracy: null,
  confusion: [],
  validation: [],
  perClass: [],
  timing: { cacheMs: 0, trainMs: 0, totalMs: 0 },
  cutLayers: [],
};

function fakeApi(overrides: Partial<TrainingWorkerApi> = {}): TrainingWorkerApi & { stops: number } {
  const api = {
    stops: 0,
    init: async () => ({ backend: 'cpu' as const, reason: 'CPU: test.' }),
    train: async (_r: TrainRequest, onEvent: (e: TrainEvent) => void) => {
      await onEvent({ type: 'status', text: 'hello' });
      return result;
    },
    stop() {
      api.stops++;
    },
    predict: async () => [],
    exportModel: async () => ({
      modelJson: '{}',
      weights: new Uint8Array([1, 2, 3]).buffer,
      rescalingLayer: null,
    }),
    setTrainedWeights: async () => {},
    memory: () => ({ numTensors: 1, numBytes: 4 }),
    ...overrides,
  };
  return api;
}

const request: TrainRequest = {
  model: {
    id: 'm',
    graph: { name: 'g', layers: [], inputs: [], outputs: [] },
    weights: { kind: 'buffers', manifest: [], buffers: {} },
  },
  images: [],
  labels: [],
  settings: DEFAULT_SETTINGS,
};

describe('trainingClient', () => {
  it('forwards calls and streams events', async () => {
    const client = createTrainingClient(() => new FakeWorker(fakeApi()));
    const events: TrainEvent[] = [];
    expect(await client.train(request, (e) => events.push(e))).toEqual(result);
    expect(events).toEqual([{ type: 'status', text: 'hello' }]);
    expect(await client.memory()).toEqual({ numTensors: 1, numBytes: 4 });
    client.terminate();
  });

  it('forwards exportModel and hands back the weights', async () => {
    const client = createTrainingClient(() => new FakeWorker(fakeApi()));
    const exported = await client.exportModel(request.model, {
      preprocessing: '0..1',
      title: 'm',
      labels: ['a', 'b'],
    });
    expect(exported.modelJson).toBe('{}');
    expect([...new Uint8Array(exported.weights)]).toEqual([1, 2, 3]);
    client.terminate();
  });

  it('turns an abort into stop()', async () => {
    const api = fakeApi({
      train: () => new Promise<TrainResult>((resolve) => setTimeout(() => resolve(result), 50)),
    });
    const client = createTrainingClient(() => new FakeWorker(api));
    const controller = new AbortController();
    const running = client.train(request, () => {}, controller.signal);
    controller.abort();
    await running;
    expect(api.stops).toBe(1);
    client.terminate();
  });

  it('rejects the call in flight when the worker crashes, and starts a new worker for the next call', async () => {
    const workers: FakeWorker[] = [];
    const client = createTrainingClient(() => {
      const w = new FakeWorker(fakeApi({ train: () => new Promise<TrainResult>(() => {}) }));
      workers.push(w);
      return w;
    });
    const running = client.train(request, () => {});
    await new Promise((r) => setTimeout(r, 10));
    workers[0].crash('Out of memory');
    await expect(running).rejects.toThrow(/training worker crashed \(Out of memory\).*restart/);
    expect(workers[0].terminated).toBe(true);
    expect(await client.init('auto', false)).toEqual({ backend: 'cpu', reason: 'CPU: test.' });
    expect(workers).toHaveLength(2);
    client.terminate();
  });

  it('hands a restarted worker the last checkpoint it saw', async () => {
    const restored: (TrainedWeights | null)[] = [];
    const checkpoint: TrainedWeights = {
      modelId: 'm',
      epoch: 2,
      entries: [{ name: 'd/bias', shape: [2], dtype: 'float32' }],
      data: new Float32Array([1, 2]).buffer,
    };
    const workers: FakeWorker[] = [];
    const client = createTrainingClient(() => {
      const w = new FakeWorker(
        fakeApi({
          train: async (_r: TrainRequest, onEvent: (e: TrainEvent) => void) => {
            await onEvent({ type: 'checkpoint', weights: checkpoint });
            return new Promise<TrainResult>(() => {});
          },
          setTrainedWeights: async (_id: string, w: TrainedWeights | null) => {
            restored.push(w);
          },
        }),
      );
      workers.push(w);
      return w;
    });
    const running = client.train(request, () => {});
    await new Promise((r) => setTimeout(r, 10));
    expect(restored).toEqual([]);
    workers[0].crash('Out of memory');
    await expect(running).rejects.toThrow(/crashed/);
    await client.init('auto', false);
    expect(restored).toHaveLength(1);
    expect(restored[0]?.epoch).toBe(2);
    expect([...new Float32Array(restored[0]!.data)]).toEqual([1, 2]);
    client.terminate();
  });
});
