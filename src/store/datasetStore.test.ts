import { describe, expect, it, vi } from 'vitest';
import { createMemoryDb, type DatasetDb } from '../data/db';
import type { Decoder } from '../data/decodeClient';
import { classForFolderPath } from '../data/intake';
import type { DecodeResult, IntakeEntry } from '../data/types';
import { createDatasetStore, type DatasetDeps } from './datasetStore';

/**
 * The dataset store against an in-memory database and a fake decoder that reads the file's
 * text: "img:<hash>" decodes to an image with that hash, "heic" is an unsupported format,
 * anything else is unreadable.
 */

function fakeDecoder(unzipped: { path: string; text: string }[] = []): Decoder {
  return {
    async decode(inputs, onChunk, signal) {
      for (let i = 0; i < inputs.length; i += 2) {
        if (signal?.aborted) return;
        const results = await Promise.all(
          inputs.slice(i, i + 2).map(async ({ key, file }): Promise<DecodeResult> => {
            const text = await file.text();
            if (text.startsWith('img:'))
              return {
                key,
                ok: true,
                hash: text.slice(4),
                blob: new Blob([text]),
                thumb: new Blob(['t']),
                width: 10,
                height: 8,
              };
            if (text === 'heic') return { key, ok: false, reason: 'unsupported', detail: 'heic' };
            return { key, ok: false, reason: 'unreadable', detail: 'not an image' };
          }),
        );
        await onChunk(results);
      }
    },
    async unzip() {
      return {
        files: unzipped.map((f) => ({ path: f.path, file: new File([f.text], f.path.split('/').pop()!) })),
        skipped: [{ path: 'roses/readme.md', kind: 'other' }],
        error: null,
      };
    },
  };
}

/** An entry as a chosen folder gives it. */
const entry = (path: string, text: string): IntakeEntry => ({
  className: classForFolderPath(path),
  file: new File([text], path.split('/').pop()!),
  path,
});
const loose = (name: string, text: string): IntakeEntry => ({
  className: null,
  file: new File([text], name),
  path: name,
});

function setup(overrides: Partial<DatasetDeps> = {}) {
  const alerts: { kind: string; message: string; action?: { label: string; run: () => void } }[] = [];
  let n = 0;
  const db = overrides.db ?? createMemoryDb();
  const store = createDatasetStore({
    db,
    decoder: fakeDecoder(),
    alert: (kind, message, action) => alerts.push({ kind, message, action }),
    objectUrl: () => `blob:thumb/${++n}`,
    revokeUrl: () => undefined,
    restoreMs: 60_000,
    ...overrides,
  });
  const counts = () => store.getState().classes.map((c) => `${c.name}: ${c.imageIds.length} images`);
  return { store, db, alerts, counts, urlsMade: () => n };
}

const flowers = [
  entry('flowers/tulips/t10.jpg', 'img:t10'),
  entry('flowers/tulips/t2.jpg', 'img:t2'),
  entry('flowers/roses/r1.jpg', 'img:r1'),
  entry('flowers/roses/deep/r2.jpg', 'img:r2'),
  entry('flowers/roses/r3.jpg', 'img:r3'),
];

describe('adding files', () => {
  it('groups images into classes, in natural path order', async () => {
    const { store, counts } = setup();
    const report = await store.getState().addFiles(flowers);
    expect(report.added).toBe(5);
    expect(counts()).toEqual(['roses: 3 images', 'tulips: 2 images']);
    const tulips = store.getState().classes[1].imageIds.map((id) => store.getState().images[id].name);
    expect(tulips).toEqual(['t2.jpg', 't10.jpg']);
    expect(store.getState().progress).toBeNull();
  });

  it('skips unreadable, unsupported, non-image and duplicate files and lists them in one alert', async () => {
    const { store, alerts, counts } = setup();
    await store.getState().addFiles(flowers);
    const report = await store
      .getState()
      .addFiles([
        entry('flowers/roses/broken.jpg', ''),
        entry('flowers/roses/fake.png', 'hello'),
        entry('flowers/roses/notes.txt', 'hello'),
        entry('flowers/roses/.DS_Store', 'x'),
        entry('flowers/roses/IMG_1.HEIC', 'heic'),
        entry('flowers/roses/renamed.jpg', 'heic'),
        entry('flowers/roses/r1-copy.jpg', 'img:r1'),
        entry('flowers/tulips/r1.jpg', 'img:r1'),
      ]);
    expect(counts()).toEqual(['roses: 3 images', 'tulips: 3 images']);
    expect(report.unreadable).toEqual(['flowers/roses/broken.jpg', 'flowers/roses/fake.png']);
    expect(report.duplicates).toEqual(['flowers/roses/r1-copy.jpg']);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].kind).toBe('warning');
    for (const name of ['broken.jpg', 'fake.png', 'IMG_1.HEIC', 'renamed.jpg', 'notes.txt', 'r1-copy.jpg'])
      expect(alerts[0].message).toContain(name);
    expect(alerts[0].message).not.toContain('DS_Store');
  });

  it('puts loose files into the selected class, or a new class_1 when none is selected', async () => {
    const { store, alerts, counts } = setup();
    await store.getState().addFiles([loose('a.png', 'img:a')]);
    expect(counts()).toEqual(['class_1: 1 images']);
    expect(store.getState().selectedClass).toBe('class_1');
    expect(alerts.at(-1)?.message).toMatch(/new class "class_1"/);
    await store.getState().addFiles(flowers);
    store.getState().selectClass('tulips');
    await store.getState().addFiles([loose('b.png', 'img:b')]);
    expect(counts()).toEqual(['class_1: 1 images', 'roses: 3 images', 'tulips: 3 images']);
  });

  it('adds the images of a zip of class folders', async () => {
    const decoder = fakeDecoder([
      { path: 'roses/z1.jpg', text: 'img:z1' },
      { path: 'daisies/z2.jpg', text: 'img:z2' },
    ]);
    const { store, counts, alerts } = setup({ decoder });
    await store.getState().addFiles([loose('more.zip', 'zip bytes')]);
    expect(counts()).toEqual(['daisies: 1 images', 'roses: 1 images']);
    expect(alerts[0].message).toContain('more.zip/roses/readme.md');
  });

  it('moves to memory when storage is full, keeps every image, and says so', async () => {
    const db = createMemoryDb();
    let puts = 0;
    const full: DatasetDb = {
      ...db,
      persistent: true,
      putImages: async (items) => {
        if (++puts > 1) throw new DOMException('full', 'QuotaExceededError');
        return db.putImages(items);
      },
    };
    const { store, alerts, counts } = setup({ db: full });
    expect(store.getState().persistent).toBe(true);
    const report = await store.getState().addFiles(flowers);
    expect(report.added).toBe(5);
    expect(report.notSaved).toBe(0);
    expect(counts()).toEqual(['roses: 3 images', 'tulips: 2 images']);
    expect(alerts.map((a) => a.message).join('\n')).toMatch(
      /Storage is full: from now on the dataset is kept in memory only/,
    );
    expect(store.getState().persistent).toBe(false);
    expect(store.getState().progress).toBeNull();
    // The images refused by storage are still readable for training.
    const train = await store.getState().getTrainImages(['roses', 'tulips']);
    expect(train.length).toBe(5);
  });
});

describe('persistence', () => {
  it('restores classes, counts and order from the database', async () => {
    const { store, db } = setup();
    await store.getState().addFiles(flowers);
    store.getState().renameClass('roses', 'red roses');
    await vi.waitFor(async () => expect((await db.getIndex())?.classes[0].name).toBe('red roses'));
    const again = setup({ db });
    await again.store.getState().load();
    expect(again.counts()).toEqual(['red roses: 3 images', 'tulips: 2 images']);
    // Thumbnail URLs are made when shown, not for every image on load.
    expect(again.urlsMade()).toBe(0);
    const img = Object.values(again.store.getState().images)[0];
    expect(img.thumbUrl).toMatch(/^blob:/);
    expect(img.thumbUrl).toBe(img.thumbUrl);
    expect(await img.thumb.text()).toBe('t');
  });

  it('works in memory and warns once when IndexedDB is unavailable', async () => {
    const broken: DatasetDb = {
      ...createMemoryDb(),
      persistent: true,
      getIndex: () => Promise.reject(new DOMException('no', 'InvalidStateError')),
    };
    const { store, alerts, counts } = setup({ db: broken });
    await store.getState().load();
    await store.getState().addFiles(flowers);
    expect(counts()).toEqual(['roses: 3 images', 'tulips: 2 images']);
    expect(store.getState().persistent).toBe(false);
    expect(alerts.filter((a) => /kept in memory/.test(a.message))).toHaveLength(1);
  });

  it('erases stored images the index does not know of', async () => {
    const db = createMemoryDb();
    await db.putImages([
      {
        meta: { id: 'orphan', name: 'o.jpg', hash: 'o', width: 1, height: 1, thumb: new Blob() },
        blob: new Blob(),
      },
    ]);
    const { store } = setup({ db });
    await store.getState().load();
    expect(await db.storedImageIds()).toEqual([]);
  });

  it('gives training the stored blobs with class indices in the requested order', async () => {
    const { store } = setup();
    await store.getState().addFiles(flowers);
    const images = await store.getState().getTrainImages(['tulips', 'roses']);
    expect(images.map((i) => i.label)).toEqual([0, 0, 1, 1, 1]);
    expect(await images[0].blob.text()).toBe('img:t2');
    expect(store.getState().classNames()).toEqual(['roses', 'tulips']);
  });
});

describe('editing classes', () => {
  it('renames a class and refuses duplicate or empty names', async () => {
    const { store, alerts, counts } = setup();
    await store.getState().addFiles(flowers);
    store.getState().selectClass('roses');
    expect(store.getState().renameClass('roses', '  <b>rosa</b> 🌹  ')).toBe(true);
    expect(counts()[0]).toBe('<b>rosa</b> 🌹: 3 images');
    expect(store.getState().selectedClass).toBe('<b>rosa</b> 🌹');
    const id = store.getState().classes[0].imageIds[0];
    expect(store.getState().images[id].className).toBe('<b>rosa</b> 🌹');
    expect(store.getState().renameClass('tulips', '<b>rosa</b> 🌹')).toBe(false);
    expect(store.getState().renameClass('tulips', '   ')).toBe(false);
    expect(alerts.map((a) => a.message)).toEqual([
      expect.stringMatching(/already a class named/),
      expect.stringMatching(/cannot be empty/),
    ]);
    expect(counts()[1]).toBe('tulips: 2 images');
  });

  it('merges one class into another without copying duplicates', async () => {
    const { store, counts, db } = setup();
    await store.getState().addFiles([...flowers, entry('flowers/tulips/r1-again.jpg', 'img:r1')]);
    expect(store.getState().mergeClasses('roses', 'tulips')).toBe(true);
    expect(counts()).toEqual(['tulips: 5 images']);
    await vi.waitFor(async () => expect(await db.storedImageIds()).toHaveLength(5));
    expect(Object.values(store.getState().images).every((i) => i.className === 'tulips')).toBe(true);
  });

  it('deletes a class and can restore it until its images are erased', async () => {
    vi.useFakeTimers();
    try {
      const { store, alerts, counts, db } = setup();
      await store.getState().addFiles(flowers);
      store.getState().deleteClass('roses');
      expect(counts()).toEqual(['tulips: 2 images']);
      expect(alerts[0].action?.label).toBe('Restore class roses');
      alerts[0].action!.run();
      expect(counts()).toEqual(['tulips: 2 images', 'roses: 3 images']);
      store.getState().deleteClass('roses');
      await vi.advanceTimersByTimeAsync(60_000);
      expect(await db.storedImageIds()).toHaveLength(2);
      alerts[1].action!.run();
      expect(counts()).toEqual(['tulips: 2 images']);
      expect(alerts[2].message).toMatch(/can no longer be restored/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('moves and removes images, refusing to move one into a class that has it', async () => {
    const { store, counts, alerts, db } = setup();
    await store.getState().addFiles([...flowers, entry('flowers/tulips/r1-again.jpg', 'img:r1')]);
    const idOf = (name: string) => Object.values(store.getState().images).find((i) => i.name === name)!.id;
    const [r1, r2] = [idOf('r1.jpg'), idOf('r2.jpg')];
    expect(store.getState().moveImage(r1, 'tulips')).toBe(false);
    expect(alerts[0].message).toMatch(/r1\.jpg is already in "tulips"/);
    expect(store.getState().moveImage(r2, 'tulips')).toBe(true);
    expect(counts()).toEqual(['roses: 2 images', 'tulips: 4 images']);
    expect(store.getState().images[r2].className).toBe('tulips');
    store.getState().removeImage(r1);
    expect(counts()).toEqual(['roses: 1 images', 'tulips: 4 images']);
    await vi.waitFor(async () => expect(await db.storedImageIds()).not.toContain(r1));
  });

  it('creates empty classes and clears everything', async () => {
    const { store, counts, db, alerts } = setup();
    expect(store.getState().createClass()).toBe('class_1');
    expect(store.getState().createClass('class_1')).toBeNull();
    alerts.length = 0;
    await store.getState().addFiles(flowers);
    expect(counts()).toEqual(['class_1: 0 images', 'roses: 3 images', 'tulips: 2 images']);
    store.getState().deleteClass('class_1');
    alerts[0].action!.run();
    expect(counts()).toEqual(['roses: 3 images', 'tulips: 2 images', 'class_1: 0 images']);
    await store.getState().clear();
    expect(counts()).toEqual([]);
    expect(await db.storedImageIds()).toEqual([]);
    expect(await db.getIndex()).toBeUndefined();
  });
});
