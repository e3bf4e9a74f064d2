import { create } from 'zustand';
import { analyzeGraph } from '../core/analysis';
import { updateConfig } from '../core/graph';
import { trainingClient } from '../training/client/trainingClient';
import {
  DEFAULT_SETTINGS,
  type BackendName,
  type EpochLog,
  type TrainEvent,
  type TrainedWeights,
  type TrainResult,
  type TrainSettings,
} from '../training/shared/types';
import { useDataset } from './datasetStore';
import { useEditor } from './editorStore';

/**
 * Training state on the page: settings, live progress and the last result. The worker does the
 * work; this store turns its events into what the panels show.
 */

export type TrainingStatus = 'idle' | 'preparing' | 'training' | 'finished' | 'stopped' | 'failed';

export interface TrainingState {
  settings: TrainSettings;
  status: TrainingStatus;
  statusText: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  history: EpochLog[];
  /** Smoothed per-batch loss, one point per batch across the run. */
  batchLoss: number[];
  imagesPerSecond: number | null;
  etaSeconds: number | null;
  backend: BackendName | null;
  backendReason: string;
  cache: { done: number; total: number; reused: boolean; storage: 'memory' | 'indexeddb' } | null;
  result: TrainResult | null;
  /** Class names the last result refers to, in output order. */
  resultLabels: string[];
  /** The trained weights: the last finished epoch's checkpoint, then the run's final weights. */
  weights: TrainedWeights | null;

  setSettings(patch: Partial<TrainSettings>): void;
  start(): Promise<void>;
  stop(): void;
}

let controller: AbortController | null = null;

/** True while a run is being prepared or trained: edits wait until it ends. */
export function isTraining(): boolean {
  const s = useTraining.getState().status;
  return s === 'preparing' || s === 'training';
}

/** The output layer's unit count when it is a Dense layer, else null. */
function outputUnits(): { name: string; units: number } | null {
  const { graph } = useEditor.getState();
  const out = graph?.layers.find((l) => l.name === graph.outputs[0]);
  if (!out || out.className !== 'Dense' || typeof out.config.units !== 'number') return null;
  return { name: out.name, units: out.config.units };
}

/** Makes the output Dense layer's units equal the class count (one undoable edit). */
export function matchClasses(classCount: number): void {
  const editor = useEditor.getState();
  const out = outputUnits();
  if (!editor.graph || !out) return;
  const r = updateConfig(editor.graph, out.name, { units: classCount });
  if (r.ok) editor.commit('Match classes', r.graph);
}

/** The largest learning rate a run accepts; fine-tuning uses 1e-5 to 1e-1. */
export const MAX_LEARNING_RATE = 10;

/** Checks that can fail before the worker is involved; returns a user-facing problem or null. */
function precheck(labels: string[], counts: number[]): { message: string; fix?: () => void } | null {
  const { graph, model } = useEditor.getState();
  if (!graph || !model) return { message: 'No model is open: open a model first (Open model).' };
  const problems = analyzeGraph(graph).problems;
  if (problems.length) return { message: `The model cannot be trained yet: ${problems[0].message}` };
  if (labels.length < 2) {
    return {
      message: `The dataset has ${labels.length === 0 ? 'no classes' : 'only one class'}: training needs at least two. Add an image folder with one subfolder per class (Dataset panel).`,
    };
  }
  const empty = labels.filter((_, i) => counts[i] === 0);
  if (empty.length) {
    return {
      message: `The class "${empty[0]}" has no images: add images to it or delete it in the Dataset panel.`,
    };
  }
  // A step that large wrecks the weights without ever turning the loss NaN (ReLUs die, the loss
  // stays finite), so it is refused before the run rather than noticed after it.
  const lr = useTraining.getState().settings.learningRate;
  if (!Number.isFinite(lr) || lr <= 0 || lr > MAX_LEARNING_RATE) {
    return {
      message: `Learning rate ${lr} is ${lr > 0 ? 'far too high' : 'not a positive number'}: training would wreck the weights. Set Learning rate in the Training panel to a value above 0 and at most ${MAX_LEARNING_RATE} (0.001 is a good start).`,
    };
  }
  const budget = useTraining.getState().settings.cacheMemoryMiB;
  if (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0) {
    return {
      message: `Cache memory budget ${String(budget)} MiB is not a positive number: set Cache memory budget (MiB) in the Training panel (More settings) to a number above 0 (${DEFAULT_SETTINGS.cacheMemoryMiB} is the default; a lower value keeps less in memory and stores the rest in the browser's storage).`,
    };
  }
  const out = outputUnits();
  if (out && out.units !== labels.length) {
    return {
      message: `The output layer "${out.name}" has ${out.units} units but the dataset has ${labels.length} classes: the output needs one unit per class.`,
      fix: () => matchClasses(labels.length),
    };
  }
  return null;
}

/** Progress fields as they are before a run's first event. */
function freshProgress(epochs: number) {
  return {
    epoch: 0,
    epochs,
    batch: 0,
    batches: 0,
    history: [] as EpochLog[],
    batchLoss: [] as number[],
    imagesPerSecond: null,
    etaSeconds: null,
    cache: null,
  };
}

export const useTraining = create<TrainingState>()((set, get) => ({
  settings: { ...DEFAULT_SETTINGS },
  status: 'idle',
  statusText: '',
  ...freshProgress(DEFAULT_SETTINGS.epochs),
  backend: null,
  backendReason: '',
  result: null,
  resultLabels: [],
  weights: null,

  setSettings(patch) {
    set({ settings: { ...get().settings, ...patch } });
  },

  async start() {
    const editor = useEditor.getState();
    if (isTraining()) {
      editor.pushAlert('info', 'Training is already running: wait for it to finish or press Stop.');
      return;
    }
    const dataset = useDataset.getState();
    const labels = dataset.classNames();
    const counts = labels.map((name) => dataset.classes.find((c) => c.name === name)?.imageIds.length ?? 0);
    const problem = precheck(labels, counts);
    if (problem) {
      editor.pushAlert(
        'error',
        problem.message,
        problem.fix ? { label: 'Match classes', run: problem.fix } : undefined,
      );
      return;
    }
    const { graph, model } = editor;
    const settings = get().settings;
    controller = new AbortController();
    set({
      status: 'preparing',
      statusText: 'Reading images…',
      ...freshProgress(settings.epochs),
    });
    let smoothed: number | null = null;
    // Events come through their own message port, so the last ones can arrive after the result:
    // once the run has ended they must not turn the status back to "training".
    let ended = false;
    const onEvent = (e: TrainEvent) => {
      if (ended) return;
      switch (e.type) {
        case 'status':
          set({ statusText: e.text });
          break;
        case 'backend':
          set({ backend: e.backend, backendReason: e.reason });
          // The backend the user picked did not start: say so once, where alerts are read.
          if (settings.backend !== 'auto' && e.backend !== settings.backend)
            editor.pushAlert(
              'warning',
              `Backend ${settings.backend} was not used: this run trains on ${e.backend} (${e.reason}). To avoid this message, set Backend to "auto" or to ${e.backend}.`,
            );
          break;
        case 'cache':
          set({
            cache: { done: e.done, total: e.total, reused: e.reused, storage: e.storage },
            imagesPerSecond: e.imagesPerSecond,
            statusText: e.reused ? 'Reusing cached features' : `Caching frozen features ${e.done}/${e.total}`,
          });
          break;
        case 'batch':
          smoothed = smoothed === null || !Number.isFinite(smoothed) ? e.loss : 0.9 * smoothed + 0.1 * e.loss;
          set({
            status: 'training',
            batch: e.batch,
            batches: e.batches,
            epoch: e.epoch,
            batchLoss: [...get().batchLoss, smoothed],
            imagesPerSecond: e.imagesPerSecond,
          });
          break;
        case 'checkpoint':
          set({ weights: e.weights });
          break;
        case 'epoch':
          set({
            status: 'training',
            epoch: e.epoch,
            epochs: e.epochs,
            history: [
              ...get().history,
              {
                epoch: e.epoch,
                loss: e.loss,
                accuracy: e.accuracy,
                valLoss: e.valLoss,
                valAccuracy: e.valAccuracy,
              },
            ],
            imagesPerSecond: e.imagesPerSecond,
            etaSeconds: e.etaSeconds,
            statusText: `Epoch ${e.epoch}/${e.epochs}`,
          });
          break;
      }
    };
    try {
      const images = await dataset.getTrainImages(labels);
      const result = await trainingClient.train(
        { model: { id: model!.id, graph: graph!, weights: model!.weights }, images, labels, settings },
        onEvent,
        controller.signal,
      );
      ended = true;
      const { weights, ...rest } = result;
      set({
        status: result.status,
        result: rest,
        ...(weights ? { weights } : {}),
        resultLabels: labels,
        statusText: result.message ?? '',
        backend: result.backend,
      });
      if (result.status === 'failed')
        editor.pushAlert('error', `Training failed: ${result.message ?? 'unknown error'}`);
      else if (result.message) editor.pushAlert('warning', result.message);
    } catch (e) {
      ended = true;
      const message = (e as Error)?.message ?? String(e);
      set({ status: 'failed', statusText: message });
      useEditor
        .getState()
        .pushAlert(
          'error',
          `Training failed: ${message} The model, the dataset and the weights trained so far are kept.`,
        );
    } finally {
      controller = null;
    }
  },

  stop() {
    if (!controller) return;
    set({ statusText: 'Stopping after the current batch…' });
    controller.abort();
  },
}));

/**
 * Training runs in a worker, so it goes on while the tab is in the background (or resumes where
 * it was when the browser froze the tab); on return the user is told how far it got.
 */
if (typeof document !== 'undefined') {
  let hiddenAtEpoch: number | null = null;
  document.addEventListener('visibilitychange', () => {
    const s = useTraining.getState();
    if (document.visibilityState === 'hidden') {
      hiddenAtEpoch = isTraining() ? s.epoch : null;
      return;
    }
    if (hiddenAtEpoch === null) return;
    const since = hiddenAtEpoch;
    hiddenAtEpoch = null;
    const where = isTraining()
      ? `it is now at epoch ${s.epoch}/${s.epochs}`
      : `it ended meanwhile (${s.status === 'finished' ? 'Training finished' : `Training ${s.status}`})`;
    useEditor
      .getState()
      .pushAlert(
        'info',
        `Training went on while this tab was in the background (from epoch ${since}/${s.epochs}): ${where}.`,
      );
  });
}
