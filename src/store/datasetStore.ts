import { create, type StoreApi, type UseBoundStore } from 'zustand';
import {
  addImages,
  deleteClassIn,
  mergeClassesIn,
  moveImageIn,
  removeImagesIn,
  renameClassIn,
  snapshotFromIndex,
  type DatasetSnapshot,
} from '../data/datasetEdits';
import { imageMaker, type DatasetImage } from '../data/datasetImage';
import { createIdbDb, createMemoryDb, isQuotaError, withMemoryFallback, type DatasetDb } from '../data/db';
import { createWorkerDecoder, type Decoder } from '../data/decodeClient';
import { readDroppedItems, takeDroppedItems } from '../data/entries';
import {
  classNameProblem,
  emptyReport,
  intakeMessage,
  nextClassName,
  type IntakeReport,
} from '../data/intake';
import { runIntake, type NewImage } from '../data/intakeRun';
import type { DatasetIndex, IntakeEntry, StoredClass } from '../data/types';
import type { TrainImage } from '../training/shared/types';
import { useEditor, type AlertItem } from './editorStore';

/**
 * The dataset: classes in order with their images, kept in IndexedDB and restored on start.
 * Memory holds the index and the small thumbnails; normalised images stay in the database until
 * training asks for them. Every change rewrites the stored index, in order.
 */

/** A class and its images in order. */
export type DatasetClass = StoredClass;

export type { DatasetImage };

export interface DatasetState {
  classes: DatasetClass[];
  images: Record<string, DatasetImage>;
  selectedClass: string | null;
  /** Files handled of those found, while an intake runs; total 0 while files are still being found. */
  progress: { done: number; total: number } | null;
  /** False when the dataset lives in memory only (no IndexedDB). */
  persistent: boolean;

  /** Adds files (entries without a class go to the selected class, or to a new one); resolves when stored. */
  addFiles(entries: IntakeEntry[]): Promise<IntakeReport>;
  /** Adds an empty class (named "class_N" when no name is given) and selects it; null when refused. */
  createClass(name?: string): string | null;
  renameClass(from: string, to: string): boolean;
  /** Moves every image of `from` into `into` (skipping images `into` already has) and removes `from`. */
  mergeClasses(from: string, into: string): boolean;
  /** Removes a class; an alert offers to restore it for a minute. */
  deleteClass(name: string): void;
  removeImage(id: string): void;
  moveImage(id: string, toClass: string): boolean;
  selectClass(name: string | null): void;
  /** Restores the dataset from IndexedDB (once; later calls share the first). */
  load(): Promise<void>;
  /** Removes every class and image, stored ones included. */
  clear(): Promise<void>;
  /** Switches to another database (another project's images) and loads it. */
  switchDb(next: DatasetDb): Promise<void>;
  /** The current database (to copy or save a project's images). */
  currentDb(): DatasetDb;
  /** The stored images of the given classes, labelled by their position in `labels`. */
  getTrainImages(labels: string[]): Promise<TrainImage[]>;
  classNames(): string[];
}

/** What the store uses from the outside world; tests replace any of it. */
export interface DatasetDeps {
  db: DatasetDb;
  decoder: Decoder;
  alert(kind: AlertItem['kind'], message: string, action?: AlertItem['action']): void;
  objectUrl(blob: Blob): string;
  revokeUrl(url: string): void;
  newId(): string;
  /** How long a deleted class can be restored before its images are erased. */
  restoreMs: number;
}

let idCounter = 0;
const defaultDeps = (): DatasetDeps => ({
  db: createIdbDb(),
  decoder: createWorkerDecoder(),
  alert: (kind, message, action) => useEditor.getState().pushAlert(kind, message, action),
  objectUrl: (blob) => URL.createObjectURL(blob),
  revokeUrl: (url) => URL.revokeObjectURL(url),
  newId: () =>
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${(++idCounter).toString(36)}-${Math.random().toString(36).slice(2)}`,
  restoreMs: 60_000,
});

const FLUSH_MS = 150;
/**
 * Each flush copies the image table and rewrites the index, so its cost grows with the dataset:
 * large datasets flush less often (one more millisecond per 10 images, at most a second) to keep
 * the main thread's share of an intake flat.
 */
export const flushDelay = (imageCount: number): number =>
  Math.min(1000, FLUSH_MS + Math.floor(imageCount / 10));

const images = (n: number): string => (n === 1 ? '1 image' : `${n} images`);

/** A dataset store; the app uses `useDataset`, tests make their own with an in-memory db. */
export function createDatasetStore(
  overrides: Partial<DatasetDeps> = {},
): UseBoundStore<StoreApi<DatasetState>> {
  const deps = { ...defaultDeps(), ...overrides };
  let db = deps.db;
  let loading: Promise<void> | null = null;
  let saving: Promise<void> = Promise.resolve();
  let queue: Promise<unknown> = Promise.resolve();
  let running = 0;
  let progress = { done: 0, total: 0 };
  const thumbUrls = new Map<string, string>();
  const { make, relabel } = imageMaker((id, thumb) => {
    let url = thumbUrls.get(id);
    if (!url) thumbUrls.set(id, (url = deps.objectUrl(thumb)));
    return url;
  });
  const forgetThumb = (id: string) => {
    const url = thumbUrls.get(id);
    if (url) deps.revokeUrl(url);
    thumbUrls.delete(id);
  };

  return create<DatasetState>()((set, get) => {
    /** Every dataset database moves to memory when storage is full, the project's own included. */
    const withFallback = (primary: DatasetDb): DatasetDb =>
      withMemoryFallback(primary, () => {
        set({ persistent: false });
        deps.alert(
          'warning',
          'Storage is full: from now on the dataset is kept in memory only, so new images and changes are lost when the page is closed or reloaded. Free disk space or delete classes you no longer need, then reload to save again.',
        );
      });
    db = withFallback(db);
    /** Writes the current index after the writes before it; a failure is reported, not thrown. */
    const saveIndex = (): Promise<void> => {
      const index: DatasetIndex = { version: 1, classes: get().classes };
      saving = saving
        .then(() => db.setIndex(index))
        .catch((e: unknown) => {
          deps.alert(
            'warning',
            isQuotaError(e)
              ? 'Storage is full: the latest dataset change could not be saved and will be lost on reload. Delete classes you no longer need or free disk space.'
              : `The dataset change could not be saved (${(e as Error).message}); it is kept until you reload the page.`,
          );
        });
      return saving;
    };

    /** Applies an edit's snapshot and saves the index after it. */
    const apply = (next: DatasetSnapshot, extra: Partial<DatasetState> = {}): Promise<void> => {
      set({ classes: next.classes, images: next.images, ...extra });
      return saveIndex();
    };

    /** Forgets images for good: their thumbnails now, their stored blobs once the index no longer names them. */
    const erase = (ids: string[], afterSave: Promise<void>) => {
      for (const id of ids) forgetThumb(id);
      if (ids.length) void afterSave.then(() => db.deleteImages(ids)).catch(() => undefined);
    };

    // Stored images and progress reach the state at most every flushDelay(): thousands of images
    // arrive in chunks of a few, and each state change re-renders the panel and rewrites the index.
    let pending: DatasetImage[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      const added = pending;
      pending = [];
      const extra = running ? { progress } : {};
      if (added.length) void apply(addImages(get(), added), extra);
      else set(extra);
    };
    const scheduleFlush = () => {
      flushTimer ??= setTimeout(flush, flushDelay(get().classes.reduce((n, c) => n + c.imageIds.length, 0)));
    };

    const commit = (added: NewImage[]) => {
      for (const { meta, className } of added) pending.push(make({ ...meta, className }));
      scheduleFlush();
    };

    const moveProgress = (done: number, total: number) => {
      progress = { done: progress.done + done, total: progress.total + total };
      scheduleFlush();
    };

    const intake = async (
      entries: IntakeEntry[],
      looseClass: string,
      newLoose: boolean,
    ): Promise<IntakeReport> => {
      await get().load();
      const report = await runIntake(entries, looseClass, {
        db,
        decoder: deps.decoder,
        newId: deps.newId,
        classHashes: (name) => {
          const { classes, images: all } = get();
          const ids = classes.find((c) => c.name === name)?.imageIds ?? [];
          return new Set(ids.map((id) => all[id]?.hash));
        },
        commit,
        progress: moveProgress,
      });
      flush();
      const message = intakeMessage(report);
      if (message) deps.alert(message.kind, message.text);
      if (newLoose && get().classes.some((c) => c.name === looseClass)) {
        get().selectClass(looseClass);
        deps.alert(
          'info',
          `No class was selected, so the images went to a new class "${looseClass}": rename it with "Rename class ${looseClass}", or select a class before adding images.`,
        );
      }
      return report;
    };

    return {
      classes: [],
      images: {},
      selectedClass: null,
      progress: null,
      persistent: db.persistent,

      addFiles(entries) {
        const s = get();
        const looseClass = s.selectedClass ?? nextClassName(s.classes.map((c) => c.name));
        const newLoose = s.selectedClass === null && entries.some((e) => e.className === null);
        running++;
        set({ progress: { ...progress } });
        // Never rejects: a failed intake is reported to the user and gives an empty report.
        const run = queue
          .then(() => intake(entries, looseClass, newLoose))
          .catch((e: unknown) => {
            deps.alert(
              'error',
              `Adding images stopped (${(e as Error).message}). The images added before are kept; add the rest again.`,
            );
            return emptyReport();
          })
          .finally(() => {
            if (--running === 0) {
              flush();
              progress = { done: 0, total: 0 };
              set({ progress: null });
            }
          });
        queue = run;
        return run;
      },

      createClass(name) {
        const names = get().classNames();
        const wanted = name?.trim() ?? nextClassName(names);
        const problem = classNameProblem(wanted, names);
        if (problem) {
          deps.alert('warning', problem);
          return null;
        }
        set({ classes: [...get().classes, { name: wanted, imageIds: [] }], selectedClass: wanted });
        void saveIndex();
        return wanted;
      },

      renameClass(from, to) {
        const s = get();
        const name = to.trim();
        if (name === from) return true;
        const problem = classNameProblem(name, s.classNames(), from);
        if (problem || !s.classes.some((c) => c.name === from)) {
          deps.alert('warning', problem ?? `There is no class named "${from}" to rename.`);
          return false;
        }
        void apply(renameClassIn(s, from, name, relabel), {
          selectedClass: s.selectedClass === from ? name : s.selectedClass,
        });
        return true;
      },

      mergeClasses(from, into) {
        const s = get();
        const merged = mergeClassesIn(s, from, into, relabel);
        if (!merged) return false;
        const saved = apply(merged.next, {
          selectedClass: s.selectedClass === from ? into : s.selectedClass,
        });
        erase(merged.dropped, saved);
        if (merged.dropped.length)
          deps.alert(
            'info',
            `Merged "${from}" into "${into}"; ${images(merged.dropped.length)} already in "${into}" were not copied again.`,
          );
        return true;
      },

      deleteClass(name) {
        const s = get();
        const deleted = deleteClassIn(s, name);
        if (!deleted) return;
        const kept = deleted.removedImages;
        const saved = apply(deleted.next, {
          selectedClass: s.selectedClass === name ? null : s.selectedClass,
        });
        // The images stay stored (and their thumbnails alive) while the class can be restored.
        let over = false;
        const timer = setTimeout(() => {
          over = true;
          erase(
            kept.map((img) => img.id),
            saved.then(() => saving),
          );
        }, deps.restoreMs);
        const restore = () => {
          if (over) return deps.alert('info', `Class "${name}" can no longer be restored.`);
          over = true;
          clearTimeout(timer);
          const now = get();
          const as = now.classes.some((c) => c.name === name) ? `${name} (restored)` : name;
          const withClass = { classes: [...now.classes, { name: as, imageIds: [] }], images: now.images };
          void apply(
            addImages(
              withClass,
              kept.map((img) => relabel(img, as)),
            ),
          );
        };
        deps.alert('info', `Deleted class "${name}" (${images(kept.length)}).`, {
          label: `Restore class ${name}`,
          run: restore,
        });
      },

      removeImage(id) {
        if (!(id in get().images)) return;
        erase([id], apply(removeImagesIn(get(), [id])));
      },

      moveImage(id, toClass) {
        const moved = moveImageIn(get(), id, toClass, relabel);
        if (!moved) return false;
        if ('twin' in moved) {
          const img = get().images[id];
          deps.alert(
            'warning',
            `${img.name} is already in "${toClass}" (as ${moved.twin.name}), so it was not moved. Remove it instead if you no longer want it in "${img.className}".`,
          );
          return false;
        }
        void apply(moved.next);
        return true;
      },

      selectClass(name) {
        set({ selectedClass: name !== null && get().classes.some((c) => c.name === name) ? name : null });
      },

      load() {
        loading ??= (async () => {
          let index: DatasetIndex | undefined;
          try {
            index = await db.getIndex();
          } catch {
            db = createMemoryDb();
            set({ persistent: false });
            deps.alert(
              'warning',
              'Images cannot be stored in this browser window (storage is unavailable, as in a private window): the dataset is kept in memory and is lost when the page is closed or reloaded. Use a normal window to keep it.',
            );
            return;
          }
          set({ persistent: db.persistent });
          const stored = index?.classes ?? [];
          const ids = stored.flatMap((c) => c.imageIds);
          const restored = snapshotFromIndex(stored, await db.getMetas(ids), make);
          if (restored.classes.length) set(restored);
          // Images stored but not in the index: an intake cut short, or a class deleted before a reload.
          const known = new Set(ids);
          const orphans = (await db.storedImageIds()).filter((id) => !known.has(id));
          if (orphans.length) await db.deleteImages(orphans);
        })();
        return loading;
      },

      async clear() {
        await queue;
        for (const id of [...thumbUrls.keys()]) forgetThumb(id);
        set({ classes: [], images: {}, selectedClass: null });
        await saving;
        await db.clear();
      },

      async switchDb(next) {
        await queue;
        if (flushTimer) flush();
        await saving;
        for (const id of [...thumbUrls.keys()]) forgetThumb(id);
        db = withFallback(next);
        loading = null;
        set({ classes: [], images: {}, selectedClass: null, persistent: next.persistent });
        await get().load();
      },

      currentDb: () => db,

      async getTrainImages(labels) {
        await get().load();
        const { classes } = get();
        const out: TrainImage[] = [];
        for (const [label, name] of labels.entries()) {
          const ids = classes.find((c) => c.name === name)?.imageIds ?? [];
          const blobs = await db.getBlobs(ids);
          blobs.forEach((blob, i) => {
            if (blob) out.push({ id: ids[i], label, blob });
          });
        }
        return out;
      },

      classNames() {
        return get().classes.map((c) => c.name);
      },
    };
  });
}

/** The app's dataset. */
export const useDataset = createDatasetStore();

/** Adds what was dropped on the page (images, folders of class folders, zips); call it inside the drop handler. */
export function addDroppedItems(dataTransfer: DataTransfer): Promise<void> {
  const items = takeDroppedItems(dataTransfer);
  return (async () => {
    const { entries, failed } = await readDroppedItems(items);
    if (failed.length)
      useEditor
        .getState()
        .pushAlert(
          'warning',
          `The browser would not let us read these dropped items: ${failed.slice(0, 15).join(', ')}. Add them with "Add image folder" or "Add images" instead.`,
        );
    if (entries.length) await useDataset.getState().addFiles(entries);
  })();
}
