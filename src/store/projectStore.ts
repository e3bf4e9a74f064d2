import { create } from 'zustand';
import { analyzeGraph } from '../core/analysis';
import { emptyHistory } from '../core/history';
import { createIdbDb, DEFAULT_DATASET_DB, isQuotaError, type DatasetDb } from '../data/db';
import { createAutosaver } from '../project/autosave';
import {
  createIdbProjectDb,
  createMemoryProjectDb,
  deleteDatabase,
  type ProjectDb,
  type ProjectParts,
} from '../project/projectDb';
import { ProjectFileError, readProjectFile, writeProjectFile } from '../project/projectFile';
import type { ProjectContent, ProjectEditor, ProjectMeta, ProjectTraining } from '../project/types';
import { trainingClient } from '../training/client/trainingClient';
import { DEFAULT_SETTINGS, withDefaultSettings, type TrainedWeights } from '../training/shared/types';
import { useDataset } from './datasetStore';
import { useEditor } from './editorStore';
import { isTraining, useTraining } from './trainingStore';

/**
 * Projects: the open project (graph with its history, images, trained weights, training
 * settings and curves) is saved to IndexedDB within a second of each change, trained weights
 * right after each epoch, and restored on reload. The Projects menu lists, opens, renames,
 * duplicates and deletes saved projects, and moves one to another machine as a file.
 */

export interface ProjectsState {
  list: ProjectMeta[];
  currentId: string | null;
  /** False when projects live in memory only (no IndexedDB). */
  persistent: boolean;
  usage: { used: number; quota: number } | null;
  /** What a project operation is doing, for the menu. */
  busy: string | null;

  /**
   * Restores the last open project (or makes the first one); `openDefault` opens a model for an
   * empty project. Tests pass their own project database.
   */
  start(openDefault: () => Promise<unknown>, projectDb?: ProjectDb): Promise<void>;
  newProject(): Promise<void>;
  open(id: string): Promise<void>;
  rename(id: string, name: string): Promise<boolean>;
  duplicate(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** The open project as a project file (.zip bytes) with its file name. */
  saveFile(): Promise<{ fileName: string; data: Uint8Array } | null>;
  /** Opens a project file as a new project; a bad file leaves everything as it was. */
  openFile(file: File): Promise<boolean>;
  refreshUsage(): Promise<void>;
  /** Saves pending changes now. */
  flush(): Promise<void>;
}

export const AUTOSAVE_MS = 500;

let db: ProjectDb = createIdbProjectDb();
let openDefault: () => Promise<unknown> = async () => {};
let starting: Promise<void> | null = null;
/** True while a project is being put on screen: its own changes are not saved back. */
let restoring = false;
let askedPersist = false;
let weightsChain: Promise<void> = Promise.resolve();
const sizes = new Map<string, { dataset: number; weights: number; model: number }>();

const alert = (kind: 'error' | 'warning' | 'info', message: string) =>
  useEditor.getState().pushAlert(kind, message);

const newId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

function uniqueName(wanted: string, list: ProjectMeta[], except?: string): string {
  const taken = new Set(list.filter((p) => p.id !== except).map((p) => p.name));
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.has(`${wanted} (${i})`)) return `${wanted} (${i})`;
}

function nextProjectName(list: ProjectMeta[]): string {
  for (let i = list.length + 1; ; i++) {
    const name = `Project ${i}`;
    if (!list.some((p) => p.name === name)) return name;
  }
}

function editorPart(): ProjectEditor {
  const { model, graph, history } = useEditor.getState();
  return { model, graph, history };
}

function trainingPart(): ProjectTraining {
  const t = useTraining.getState();
  const running = t.status === 'preparing' || t.status === 'training';
  const finished = t.history.length;
  return {
    settings: t.settings,
    // A run cannot survive a reload: it is saved as what a reload will find.
    status: running ? 'stopped' : (t.status as ProjectTraining['status']),
    statusText: running
      ? finished
        ? `Training was interrupted during epoch ${finished + 1}; the weights of epoch ${finished}/${t.epochs} were kept.`
        : 'Training was interrupted before its first epoch ended; no trained weights were kept from it.'
      : t.statusText,
    epoch: running ? finished : t.epoch,
    epochs: t.epochs,
    history: t.history,
    batchLoss: t.batchLoss,
    result: t.result,
    resultLabels: t.resultLabels,
    interrupted: running,
  };
}

/** What a reload finds of a run it interrupted: the text names the checkpoint actually kept. */
function interruptedText(training: ProjectTraining, weights: TrainedWeights | null): string {
  if (!training.interrupted) return training.statusText;
  const epoch = weights && training.history.length ? weights.epoch : 0;
  return epoch
    ? `Training was interrupted during epoch ${epoch + 1}; the weights of epoch ${epoch}/${training.epochs} were kept.`
    : training.statusText;
}

function defaultTraining(): ProjectTraining {
  return {
    settings: { ...DEFAULT_SETTINGS },
    status: 'idle',
    statusText: '',
    epoch: 0,
    epochs: DEFAULT_SETTINGS.epochs,
    history: [],
    batchLoss: [],
    result: null,
    resultLabels: [],
  };
}

function modelBytes(): number {
  const w = useEditor.getState().model?.weights;
  return w?.kind === 'buffers' ? Object.values(w.buffers).reduce((a, b) => a + b.byteLength, 0) : 0;
}

/** Stored bytes per image (blob + thumbnail), measured once: images do not change once stored. */
const imageBytes = new Map<string, number>();

/**
 * The dataset's stored size. Only images not measured before are read from IndexedDB (reading
 * all 5,000 blobs on every save held the main thread for over half a second); thumbnails are
 * in memory already.
 */
async function datasetBytes(dataset: DatasetDb, ids: string[]): Promise<number> {
  const images = useDataset.getState().images;
  const unknown = ids.filter((id) => !imageBytes.has(id));
  for (let i = 0; i < unknown.length; i += 200) {
    const chunk = unknown.slice(i, i + 200);
    const blobs = await dataset.getBlobs(chunk);
    chunk.forEach((id, k) => {
      const blob = blobs[k];
      if (blob) imageBytes.set(id, blob.size + (images[id]?.thumb.size ?? 0));
    });
  }
  return ids.reduce((a, id) => a + (imageBytes.get(id) ?? 0), 0);
}

function saveFailed(e: unknown): void {
  const name = useProjects.getState().list.find((p) => p.id === useProjects.getState().currentId)?.name;
  if (isQuotaError(e)) {
    alert(
      'error',
      `Storage is full: the latest changes to project "${name ?? ''}" could not be saved (what was saved before is kept). Delete projects you no longer need (Projects menu) or images, or use Save project file; the next change is saved again.`,
    );
  } else {
    alert(
      'warning',
      `Project "${name ?? ''}" could not be saved (${(e as Error)?.message ?? String(e)}); your work stays on screen. Use Save project file (Projects menu) to keep a copy.`,
    );
  }
}

type Part = 'editor' | 'training' | 'meta';

const autosaver = createAutosaver<Part>({
  delayMs: AUTOSAVE_MS,
  onError: saveFailed,
  async save(parts) {
    const id = useProjects.getState().currentId;
    if (!id) return;
    const write: ProjectParts = {};
    if (parts.has('editor')) write.editor = editorPart();
    if (parts.has('training')) write.training = trainingPart();
    if (!askedPersist && db.persistent && typeof navigator !== 'undefined') {
      // Asked once, on the first save: the browser then does not evict projects under pressure.
      askedPersist = true;
      void navigator.storage?.persist?.().catch(() => false);
    }
    await db.write(id, write);
    const size = sizes.get(id) ?? { dataset: 0, weights: 0, model: 0 };
    if (parts.has('editor')) size.model = modelBytes();
    if (parts.has('meta')) {
      const ids = useDataset.getState().classes.flatMap((c) => c.imageIds);
      size.dataset = await datasetBytes(useDataset.getState().currentDb(), ids).catch(() => size.dataset);
    }
    sizes.set(id, size);
    await touch(id, size.dataset + size.weights + size.model);
  },
});

const LIST_REFRESH_MS = 10_000;

/**
 * Records a project's save time and size in the list. While training saves every half second,
 * the list (and the menu showing it) changes at most every LIST_REFRESH_MS: the main thread
 * stays free for the page.
 */
async function touch(id: string, size?: number): Promise<void> {
  const old = useProjects.getState().list.find((p) => p.id === id);
  if (!old) return;
  const now = Date.now();
  if ((size === undefined || size === old.size) && now - old.updated < LIST_REFRESH_MS) return;
  const list = useProjects
    .getState()
    .list.map((p) => (p.id === id ? { ...p, updated: now, size: size ?? p.size } : p));
  useProjects.setState({ list });
  await db.setList(list);
}

/**
 * Stores a checkpoint at once, with the curves and status it goes with: a reload right after an
 * epoch must find that epoch's weights.
 */
function saveWeights(weights: TrainedWeights | null): void {
  const id = useProjects.getState().currentId;
  if (!id) return;
  const training = trainingPart();
  weightsChain = weightsChain
    .then(async () => {
      await db.write(id, { weights, training });
      const size = sizes.get(id) ?? { dataset: 0, weights: 0, model: 0 };
      size.weights = weights?.data.byteLength ?? 0;
      sizes.set(id, size);
    })
    .catch(saveFailed);
}

function watchStores(): void {
  useEditor.subscribe((s, p) => {
    if (restoring) return;
    if (s.graph !== p.graph || s.history !== p.history || s.model !== p.model) autosaver.mark('editor');
  });
  useTraining.subscribe((s, p) => {
    if (restoring) return;
    if (s.weights !== p.weights) saveWeights(s.weights);
    // While a run trains, each epoch's checkpoint stores the curves with the weights: saving
    // again for every batch's loss only costs main-thread time (structured clones) mid-run.
    const batchOnly = s.status === 'training' && s.batchLoss !== p.batchLoss;
    if (
      s.settings !== p.settings ||
      s.history !== p.history ||
      (s.batchLoss !== p.batchLoss && !batchOnly) ||
      s.result !== p.result ||
      s.status !== p.status ||
      s.statusText !== p.statusText
    )
      autosaver.mark('training');
  });
  useDataset.subscribe((s, p) => {
    if (!restoring && s.classes !== p.classes) autosaver.mark('meta');
  });
}

/** Puts a project on screen: graph and history, training state, trained weights, images. */
async function show(meta: ProjectMeta, parts: ProjectParts, first: boolean): Promise<void> {
  restoring = true;
  let empty = false;
  try {
    autosaver.cancel();
    const editor = parts.editor;
    const training = parts.training ?? defaultTraining();
    const weights = parts.weights ?? null;
    const { interrupted: _i, ...saved } = training;
    useTraining.setState({
      ...saved,
      // Projects saved before a setting existed get its default.
      settings: withDefaultSettings(saved.settings),
      statusText: interruptedText(training, weights),
      batch: 0,
      batches: 0,
      imagesPerSecond: null,
      etaSeconds: null,
      cache: null,
      backend: null,
      backendReason: '',
      weights,
    });
    useProjects.setState({ currentId: meta.id });
    // A full disk must not keep the project from opening: the failure is reported, work goes on.
    await db.setCurrent(meta.id).catch(saveFailed);
    await useDataset.getState().switchDb(createIdbDb(meta.datasetDb));
    if (editor?.graph && editor.model) {
      useEditor.setState({
        model: editor.model,
        graph: editor.graph,
        analysis: analyzeGraph(editor.graph),
        history: editor.history ?? emptyHistory(),
        selection: [],
        selectedEdges: [],
        collapsed: [],
      });
    } else empty = true;
    const model = useEditor.getState().model;
    // A fresh page's worker has no trained weights: tell it only when there are some.
    if (model && (weights || !first)) {
      await trainingClient
        .setTrainedWeights(model.id, weights && weights.modelId === model.id ? weights : null)
        .catch((e: unknown) =>
          alert(
            'warning',
            `The trained weights of project "${meta.name}" could not be restored (${(e as Error).message}); the model starts from its base weights.`,
          ),
        );
    }
  } finally {
    restoring = false;
  }
  if (empty) {
    if (!first || !useEditor.getState().graph) {
      useEditor.setState({
        graph: null,
        analysis: null,
        model: null,
        history: emptyHistory(),
        selection: [],
      });
      await openDefault();
    }
    autosaver.mark('editor');
    autosaver.mark('training');
    autosaver.mark('meta');
  }
}

function refuseWhileTraining(what: string): boolean {
  if (!isTraining()) return false;
  alert('warning', `Training is running: ${what} when it has ended, or press Stop first.`);
  return true;
}

async function addProject(name: string): Promise<ProjectMeta> {
  const id = newId();
  const list = useProjects.getState().list;
  const meta: ProjectMeta = {
    id,
    name: uniqueName(name, list),
    created: Date.now(),
    updated: Date.now(),
    size: 0,
    datasetDb: db.persistent ? `retrain-dataset-${id}` : `memory-${id}`,
  };
  const next = [...list, meta];
  useProjects.setState({ list: next });
  await db.setList(next);
  return meta;
}

async function copyImages(from: DatasetDb, to: DatasetDb): Promise<void> {
  const index = await from.getIndex();
  const ids = index?.classes.flatMap((c) => c.imageIds) ?? [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const [metas, blobs] = await Promise.all([from.getMetas(chunk), from.getBlobs(chunk)]);
    const items = chunk.flatMap((_, k) => {
      const meta = metas[k];
      const blob = blobs[k];
      return meta && blob ? [{ meta, blob }] : [];
    });
    await to.putImages(items);
  }
  await to.setIndex(index ?? { version: 1, classes: [] });
}

export const useProjects = create<ProjectsState>()((set, get) => ({
  list: [],
  currentId: null,
  persistent: true,
  usage: null,
  busy: null,

  start(open, projectDb) {
    openDefault = open;
    if (projectDb && !starting) db = projectDb;
    starting ??= (async () => {
      let list: ProjectMeta[];
      let current: string | undefined;
      try {
        list = await db.list();
        current = await db.current();
      } catch {
        db = createMemoryProjectDb();
        list = [];
        alert(
          'warning',
          'Projects cannot be stored in this browser window (storage is unavailable, as in a private window): your work is kept in memory only and is lost when the page is closed or reloaded. Use Save project file (Projects menu) to keep it, or a normal window.',
        );
      }
      set({ list, persistent: db.persistent });
      watchStores();
      // Best effort: a page being closed gets its last half second of changes written.
      if (typeof window !== 'undefined') window.addEventListener('pagehide', () => void get().flush());
      let meta = list.find((p) => p.id === current) ?? list[0];
      if (!meta) {
        // The first project takes over the images stored before projects existed.
        const first: ProjectMeta = {
          id: newId(),
          name: 'Project 1',
          created: Date.now(),
          updated: Date.now(),
          size: 0,
          datasetDb: DEFAULT_DATASET_DB,
        };
        list = [first];
        set({ list, currentId: first.id });
        await db.setList(list).catch(saveFailed);
        meta = first;
      }
      await show(meta, await db.read(meta.id).catch(() => ({})), true);
    })();
    return starting;
  },

  async newProject() {
    if (refuseWhileTraining('start a new project')) return;
    await get().flush();
    set({ busy: 'Creating a project…' });
    try {
      const meta = await addProject(nextProjectName(get().list));
      await show(meta, {}, false);
    } finally {
      set({ busy: null });
    }
  },

  async open(id) {
    if (id === get().currentId) return;
    if (refuseWhileTraining('open another project')) return;
    const meta = get().list.find((p) => p.id === id);
    if (!meta) return;
    await get().flush();
    set({ busy: `Opening ${meta.name}…` });
    try {
      await show(meta, await db.read(id), false);
    } catch (e) {
      alert('error', `Could not open project "${meta.name}": ${(e as Error).message}`);
    } finally {
      set({ busy: null });
    }
  },

  async rename(id, name) {
    const wanted = name.trim();
    const list = get().list;
    if (!wanted) {
      alert('warning', 'A project needs a name: type one, then press Enter.');
      return false;
    }
    if (list.some((p) => p.id !== id && p.name === wanted)) {
      alert('warning', `There is already a project named "${wanted}": choose another name.`);
      return false;
    }
    const next = list.map((p) => (p.id === id ? { ...p, name: wanted } : p));
    set({ list: next });
    await db.setList(next).catch(saveFailed);
    return true;
  },

  async duplicate(id) {
    const meta = get().list.find((p) => p.id === id);
    if (!meta) return;
    if (id === get().currentId) await get().flush();
    set({ busy: `Duplicating ${meta.name}…` });
    try {
      const parts = await db.read(id);
      const copy = await addProject(`${meta.name} (copy)`);
      const from = id === get().currentId ? useDataset.getState().currentDb() : createIdbDb(meta.datasetDb);
      await copyImages(from, createIdbDb(copy.datasetDb));
      await db.write(copy.id, parts);
      const next = get().list.map((p) => (p.id === copy.id ? { ...p, size: meta.size } : p));
      set({ list: next });
      await db.setList(next);
    } catch (e) {
      alert(
        'error',
        isQuotaError(e)
          ? `Storage is full: project "${meta.name}" could not be duplicated. Delete projects or images you no longer need.`
          : `Could not duplicate project "${meta.name}": ${(e as Error).message}`,
      );
    } finally {
      set({ busy: null });
    }
  },

  async remove(id) {
    const meta = get().list.find((p) => p.id === id);
    if (!meta) return;
    const current = id === get().currentId;
    if (current && refuseWhileTraining('delete the open project')) return;
    const rest = get().list.filter((p) => p.id !== id);
    if (current) {
      autosaver.cancel();
      await weightsChain;
      const other = [...rest].sort((a, b) => b.updated - a.updated)[0];
      set({ list: rest });
      if (other) await show(other, await db.read(other.id), false);
      else await show(await addProject(nextProjectName(rest)), {}, false);
    }
    const list = get().list.filter((p) => p.id !== id);
    set({ list });
    await db.setList(list).catch(saveFailed);
    await db.remove(id).catch(() => undefined);
    if (db.persistent) {
      await createIdbDb(meta.datasetDb)
        .clear()
        .catch(() => undefined);
      void deleteDatabase(meta.datasetDb);
    }
    sizes.delete(id);
    void get().refreshUsage();
  },

  async saveFile() {
    const meta = get().list.find((p) => p.id === get().currentId);
    if (!meta) return null;
    set({ busy: 'Writing the project file…' });
    try {
      await get().flush();
      const dataset = useDataset.getState();
      const classes = dataset.classes.map((c) => ({ name: c.name, imageIds: [...c.imageIds] }));
      const ids = classes.flatMap((c) => c.imageIds);
      const store = dataset.currentDb();
      const [metas, blobs] = await Promise.all([store.getMetas(ids), store.getBlobs(ids)]);
      const images = ids.flatMap((_, i) => {
        const m = metas[i];
        const b = blobs[i];
        return m && b ? [{ meta: m, blob: b }] : [];
      });
      const content: ProjectContent = {
        name: meta.name,
        editor: editorPart(),
        training: trainingPart(),
        weights: useTraining.getState().weights,
        dataset: { classes, images },
      };
      const data = await writeProjectFile(content);
      const fileName = `${meta.name.replace(/[\\/:*?"<>|]+/g, '_')}.retrain.zip`;
      return { fileName, data };
    } catch (e) {
      alert('error', `Could not write the project file: ${(e as Error).message}. The project is unchanged.`);
      return null;
    } finally {
      set({ busy: null });
    }
  },

  async openFile(file) {
    if (refuseWhileTraining('open a project file')) return false;
    set({ busy: `Reading ${file.name}…` });
    try {
      let content: ProjectContent;
      try {
        content = await readProjectFile(new Uint8Array(await file.arrayBuffer()), file.name);
      } catch (e) {
        const why =
          e instanceof ProjectFileError
            ? e.message
            : `${file.name} could not be read (${(e as Error).message}).`;
        alert(
          'error',
          `Could not open the project file: ${why} Choose a .zip written by Save project file. Your current project is unchanged.`,
        );
        return false;
      }
      await get().flush();
      const meta = await addProject(content.name);
      try {
        const images = createIdbDb(meta.datasetDb);
        for (let i = 0; i < content.dataset.images.length; i += 100)
          await images.putImages(content.dataset.images.slice(i, i + 100));
        await images.setIndex({ version: 1, classes: content.dataset.classes });
        const parts: ProjectParts = {
          editor: content.editor,
          training: content.training,
          weights: content.weights,
        };
        await db.write(meta.id, parts);
        await show(meta, parts, false);
        alert('info', `Opened project "${meta.name}" from ${file.name}.`);
        return true;
      } catch (e) {
        // Nothing half-made stays behind; the project that was open is still open.
        const list = get().list.filter((p) => p.id !== meta.id);
        set({ list });
        await db.setList(list).catch(() => undefined);
        await db.remove(meta.id).catch(() => undefined);
        void deleteDatabase(meta.datasetDb);
        alert(
          'error',
          isQuotaError(e)
            ? `Storage is full: ${file.name} could not be stored. Delete projects or images you no longer need, then open it again. Your current project is unchanged.`
            : `Could not open ${file.name}: ${(e as Error).message}. Your current project is unchanged.`,
        );
        return false;
      }
    } finally {
      set({ busy: null });
    }
  },

  async refreshUsage() {
    if (typeof navigator === 'undefined') return;
    const estimate = await navigator.storage?.estimate?.().catch(() => null);
    if (estimate) set({ usage: { used: estimate.usage ?? 0, quota: estimate.quota ?? 0 } });
  },

  async flush() {
    await autosaver.flush();
    await weightsChain;
  },
}));
