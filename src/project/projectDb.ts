import { createStore, delMany, get, getMany, set, type UseStore } from 'idb-keyval';
import type { ProjectEditor, ProjectMeta, ProjectTraining } from './types';
import type { TrainedWeights } from '../training/shared/types';

/**
 * Where projects live: the IndexedDB database "retrain-projects" (the list, the open project,
 * and per project its graph with history, its training state and its trained weights), or a Map
 * when IndexedDB is unavailable. Each project's images live in their own dataset database.
 */

export type ProjectPart = 'editor' | 'training' | 'weights';

export interface ProjectParts {
  editor?: ProjectEditor;
  training?: ProjectTraining;
  weights?: TrainedWeights | null;
}

export interface ProjectDb {
  readonly persistent: boolean;
  list(): Promise<ProjectMeta[]>;
  setList(list: ProjectMeta[]): Promise<void>;
  current(): Promise<string | undefined>;
  setCurrent(id: string): Promise<void>;
  read(id: string): Promise<ProjectParts>;
  /** Writes the given parts in one transaction. */
  write(id: string, parts: ProjectParts): Promise<void>;
  remove(id: string): Promise<void>;
}

const key = (part: ProjectPart, id: string) => `${part}:${id}`;
const PARTS: ProjectPart[] = ['editor', 'training', 'weights'];

export function createIdbProjectDb(name = 'retrain-projects'): ProjectDb {
  let store: UseStore | null = null;
  const s = (): UseStore => (store ??= createStore(name, 'projects'));
  return {
    persistent: true,
    list: async () => (await get<ProjectMeta[]>('list', s())) ?? [],
    setList: (list) => set('list', list, s()),
    current: () => get<string>('current', s()),
    setCurrent: (id) => set('current', id, s()),
    async read(id) {
      const [editor, training, weights] = await getMany(
        PARTS.map((p) => key(p, id)),
        s(),
      );
      return { editor, training, weights } as ProjectParts;
    },
    write: (id, parts) =>
      s()('readwrite', (st) => {
        for (const p of PARTS) if (p in parts) st.put(parts[p] ?? null, key(p, id));
        return new Promise<void>((resolve, reject) => {
          st.transaction.oncomplete = () => resolve();
          st.transaction.onabort = st.transaction.onerror = () => reject(st.transaction.error);
        });
      }),
    remove: (id) =>
      delMany(
        PARTS.map((p) => key(p, id)),
        s(),
      ),
  };
}

export function createMemoryProjectDb(): ProjectDb {
  let list: ProjectMeta[] = [];
  let current: string | undefined;
  const parts = new Map<string, ProjectParts>();
  return {
    persistent: false,
    list: async () => list.slice(),
    setList: async (l) => {
      list = l.slice();
    },
    current: async () => current,
    setCurrent: async (id) => {
      current = id;
    },
    read: async (id) => ({ ...parts.get(id) }),
    write: async (id, p) => {
      parts.set(id, { ...parts.get(id), ...p });
    },
    remove: async (id) => {
      parts.delete(id);
    },
  };
}

/** Deletes an IndexedDB database (a project's images); resolves even when blocked. */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    if (typeof indexedDB === 'undefined') return resolve();
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}
