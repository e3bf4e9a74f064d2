import { create } from 'zustand';
import { updateConfig } from '../core/graph';
import { headUnits } from '../core/head';
import { ModelFormatError } from '../core/keras';
import { ZOO_MODELS, zooEntry, type ZooEntry } from '../export/zooCatalog';
import {
  cachedZooIds,
  downloadZooFiles,
  forgetZooFiles,
  readCachedZooFiles,
  type ZooFiles,
} from '../export/zooDownload';
import { zooDescriptor } from '../export/zooModel';
import { useDataset } from './datasetStore';
import { useEditor } from './editorStore';
import { isTraining } from './trainingStore';

/**
 * The model zoo on the page: which entries are cached, the entry waiting for the user's consent,
 * and the running download (progress, cancel). Nothing is fetched before `confirm`.
 */

export interface ZooDownload {
  id: string;
  done: number;
  total: number | null;
}

export interface ZooState {
  cached: string[];
  /** Entry whose download waits for the user's Download / Cancel. */
  pending: string | null;
  downloading: ZooDownload | null;
  refreshCached(): Promise<void>;
  /** Opens a cached entry at once; asks first for one that must be downloaded. */
  pick(id: string): Promise<void>;
  confirm(): Promise<void>;
  cancel(): void;
}

let controller: AbortController | null = null;

const classCount = () => useDataset.getState().classNames().length;

function openFiles(entry: ZooEntry, files: ZooFiles): void {
  useEditor.getState().loadModel(zooDescriptor(entry, files, classCount()));
}

function reportFailure(entry: ZooEntry, e: unknown): void {
  const why =
    e instanceof ModelFormatError ? e.message : `an unexpected error: ${(e as Error).message ?? String(e)}`;
  useEditor
    .getState()
    .pushAlert('error', `Could not open ${entry.title}: ${why} The current model is unchanged.`);
}

export const useZoo = create<ZooState>()((set, get) => ({
  cached: [],
  pending: null,
  downloading: null,

  async refreshCached() {
    const ids = await cachedZooIds(ZOO_MODELS);
    set({ cached: ZOO_MODELS.filter((m) => ids.has(m.id)).map((m) => m.id) });
  },

  async pick(id) {
    const entry = zooEntry(id);
    if (!entry || get().downloading) return;
    const files = await readCachedZooFiles(entry);
    if (files) {
      const editor = useEditor.getState();
      editor.setLoading(`Opening ${entry.title}…`);
      try {
        openFiles(entry, files);
        return;
      } catch (e) {
        // A cached copy that no longer opens is dropped, so that a fresh download can replace it.
        await forgetZooFiles(entry);
        reportFailure(entry, e);
        void get().refreshCached();
        return;
      } finally {
        useEditor.getState().setLoading(null);
      }
    }
    set({ pending: id });
  },

  async confirm() {
    const id = get().pending;
    const entry = id ? zooEntry(id) : undefined;
    if (!entry) return;
    controller = new AbortController();
    const signal = controller.signal;
    set({ pending: null, downloading: { id: entry.id, done: 0, total: null } });
    try {
      const files = await downloadZooFiles(entry, {
        signal,
        onProgress: (done, total) => {
          if (!signal.aborted) set({ downloading: { id: entry.id, done, total } });
        },
      });
      if (signal.aborted) return;
      openFiles(entry, files);
    } catch (e) {
      if (signal.aborted || (e as { name?: string } | null)?.name === 'AbortError') {
        useEditor
          .getState()
          .pushAlert('info', `The download of ${entry.title} was cancelled: the current model is unchanged.`);
      } else reportFailure(entry, e);
    } finally {
      if (get().downloading?.id === entry.id) set({ downloading: null });
      controller = null;
      void get().refreshCached();
    }
  },

  cancel() {
    if (get().pending) set({ pending: null });
    controller?.abort();
  },
}));

/**
 * Keeps the app-added head's output units equal to the dataset's class count (2 while there
 * are fewer than two classes). A head the user made is left alone: Train offers Match classes.
 */
export function followClassCount(): () => void {
  return useDataset.subscribe((s, prev) => {
    if (s.classes.length === prev.classes.length && s.classes === prev.classes) return;
    const count = s.classNames().length;
    const editor = useEditor.getState();
    const { graph, model } = editor;
    if (!graph || !model?.appHead || isTraining()) return;
    if (graph.outputs.length !== 1 || graph.outputs[0] !== model.appHead) return;
    const out = graph.layers.find((l) => l.name === model.appHead);
    if (!out || out.className !== 'Dense' || out.config.units === headUnits(count)) return;
    const r = updateConfig(graph, out.name, { units: headUnits(count) });
    if (r.ok) editor.commit('Match classes', r.graph, { mergeKey: 'app-head-units' });
  });
}
