/**
 * Saves what changed at most `delayMs` after the first change since the last save. Unlike a
 * plain debounce, later changes do not push the save back: training changes the curves every
 * batch, and the project must still be saved within the delay. Saves never overlap; changes
 * made during a save are saved after it.
 */

export interface Autosaver<K extends string> {
  /** Notes that a part changed; it is saved within the delay. */
  mark(part: K): void;
  /** Saves the changed parts now (and waits for a save in progress); resolves when stored. */
  flush(): Promise<void>;
  /** Forgets unsaved changes (the project was closed or replaced). */
  cancel(): void;
}

export interface AutosaverOptions<K extends string> {
  delayMs: number;
  save(parts: ReadonlySet<K>): Promise<void>;
  /** A failed save; its parts are marked again only when they change again. */
  onError(e: unknown): void;
}

export function createAutosaver<K extends string>(options: AutosaverOptions<K>): Autosaver<K> {
  let dirty = new Set<K>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let saving: Promise<void> | null = null;

  const run = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (saving) return saving.then(run);
    if (!dirty.size) return Promise.resolve();
    const parts = dirty;
    dirty = new Set();
    saving = options
      .save(parts)
      .catch((e: unknown) => options.onError(e))
      .finally(() => {
        saving = null;
        if (dirty.size && !timer) timer = setTimeout(() => void run(), options.delayMs);
      });
    return saving;
  };

  return {
    mark(part) {
      dirty.add(part);
      if (!timer && !saving) timer = setTimeout(() => void run(), options.delayMs);
    },
    flush: run,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      dirty = new Set();
    },
  };
}
