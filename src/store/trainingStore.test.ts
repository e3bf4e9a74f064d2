import { beforeEach, describe, expect, it, vi } from 'vitest';
import { chainGraph } from '../core/testGraphs';
import type { TrainEvent, TrainResult } from '../training/shared/types';

// The fake worker resolves the run, then delivers an epoch event late, as a second MessagePort can.
const fake = vi.hoisted(() => ({ train: vi.fn() }));
vi.mock('../training/client/trainingClient', () => ({ trainingClient: { train: fake.train } }));

const { useTraining } = await import('./trainingStore');
const { useEditor } = await import('./editorStore');
const { useDataset } = await import('./datasetStore');

const result: TrainResult = {
  status: 'finished',
  backend: 'cpu',
  history: [],
  valAccuracy: 1,
  confusion: [],
  validation: [],
  perClass: [],
  timing: { cacheMs: 0, trainMs: 0, totalMs: 0 },
  cutLayers: [],
};

describe('training store', () => {
  beforeEach(() => {
    useEditor.getState().loadModel({
      id: 'test',
      title: 'chain',
      graph: chainGraph(),
      preprocessing: '0..1',
      inputSize: [8, 8],
      weights: { kind: 'buffers', manifest: [], buffers: {} },
    });
    useDataset.setState({
      classes: [
        { name: 'a', imageIds: ['1'] },
        { name: 'b', imageIds: ['2'] },
      ],
      classNames: () => ['a', 'b'],
      getTrainImages: async () => [],
    } as unknown as Partial<ReturnType<typeof useDataset.getState>>);
  });

  it('keeps "finished" when an epoch event arrives after the result', async () => {
    let late: (() => void) | null = null;
    fake.train.mockImplementation(async (_req: unknown, onEvent: (e: TrainEvent) => void) => {
      const epoch: TrainEvent = {
        type: 'epoch',
        epoch: 2,
        epochs: 2,
        loss: 0.1,
        accuracy: 1,
        valLoss: null,
        valAccuracy: null,
        imagesPerSecond: 1,
        etaSeconds: 0,
      };
      late = () => onEvent(epoch);
      return result;
    });
    await useTraining.getState().start();
    expect(useTraining.getState().status).toBe('finished');
    late!();
    expect(useTraining.getState().status).toBe('finished');
  });
  it('refuses an absurd learning rate before the worker is asked, and names the setting', async () => {
    fake.train.mockClear();
    useEditor.setState({ alerts: [] });
    const before = useEditor.getState().graph;
    useTraining.getState().setSettings({ learningRate: 1e6 });
    await useTraining.getState().start();
    expect(fake.train).not.toHaveBeenCalled();
    expect(useEditor.getState().alerts.map((a) => a.message)).toEqual([
      expect.stringMatching(
        /^Learning rate 1000000 is far too high: .*Set Learning rate in the Training panel/,
      ),
    ]);
    expect(useEditor.getState().graph).toBe(before);
    useTraining.getState().setSettings({ learningRate: 0.001 });
  });

  it('refuses a cache memory budget that is not a positive number, naming the setting', async () => {
    for (const bad of [0, -1, Number.NaN]) {
      fake.train.mockClear();
      useEditor.setState({ alerts: [] });
      useTraining.getState().setSettings({ cacheMemoryMiB: bad });
      await useTraining.getState().start();
      expect(fake.train).not.toHaveBeenCalled();
      expect(useEditor.getState().alerts.map((a) => a.message)).toEqual([
        expect.stringMatching(
          /^Cache memory budget .* MiB is not a positive number: set Cache memory budget \(MiB\) in the Training panel/,
        ),
      ]);
    }
    useTraining.getState().setSettings({ cacheMemoryMiB: 1024 });
  });
});
