import { describe, expect, it } from 'vitest';
import { readDroppedItems, takeDroppedItems } from './entries';

/**
 * The entries API as Chromium gives it for a drop, faked: folders answer readEntries in batches
 * of at most 100 and then with an empty batch.
 */

type Tree = { [name: string]: Tree | string };

function fakeEntry(name: string, node: Tree | string, parent = ''): FileSystemEntry {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    return {
      name,
      fullPath,
      isFile: true,
      isDirectory: false,
      file: (ok: (f: File) => void, fail: (e: Error) => void) =>
        node === 'UNREADABLE' ? fail(new Error('denied')) : ok(new File([node], name)),
    } as unknown as FileSystemEntry;
  }
  const children = Object.entries(node).map(([n, child]) => fakeEntry(n, child, fullPath));
  return {
    name,
    fullPath,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (batch: FileSystemEntry[]) => void) => {
          const batch = children.slice(at, at + 100);
          at += batch.length;
          setTimeout(() => ok(batch));
        },
      };
    },
  } as unknown as FileSystemEntry;
}

function fakeDataTransfer(items: { entry?: FileSystemEntry; file?: File }[]): DataTransfer {
  return {
    items: items.map((i) => ({
      kind: 'file',
      webkitGetAsEntry: () => i.entry ?? null,
      getAsFile: () => i.file ?? null,
    })),
    files: items.flatMap((i) => (i.file ? [i.file] : [])),
  } as unknown as DataTransfer;
}

describe('reading a drop', () => {
  it('walks dropped folders: subfolders are classes, loose images a class named after the folder', async () => {
    const many: Tree = {};
    for (let i = 0; i < 250; i++) many[`d${i}.jpg`] = 'x';
    const flowers = fakeEntry('flowers', {
      roses: { 'a.jpg': 'x', deeper: { 'b.jpg': 'x' } },
      daisies: many,
      'loose.png': 'x',
      'locked.jpg': 'UNREADABLE',
    });
    const items = takeDroppedItems(
      fakeDataTransfer([{ entry: flowers }, { file: new File(['y'], 'single.png') }]),
    );
    const { entries, failed } = await readDroppedItems(items);
    const byClass = new Map<string | null, number>();
    for (const e of entries) byClass.set(e.className, (byClass.get(e.className) ?? 0) + 1);
    expect(Object.fromEntries(byClass)).toEqual({ roses: 2, daisies: 250, flowers: 1, null: 1 });
    expect(entries.find((e) => e.file.name === 'b.jpg')?.path).toBe('flowers/roses/deeper/b.jpg');
    expect(failed).toEqual(['flowers/locked.jpg']);
  });

  it('gives loose dropped files no class, and falls back to files without the entries API', async () => {
    const file = new File(['z'], 'photo.jpg');
    const items = takeDroppedItems(fakeDataTransfer([{ entry: fakeEntry('photo.jpg', 'z') }]));
    expect((await readDroppedItems(items)).entries[0]).toMatchObject({ className: null, path: 'photo.jpg' });
    const plain = takeDroppedItems({ items: [], files: [file] } as unknown as DataTransfer);
    expect((await readDroppedItems(plain)).entries).toEqual([{ className: null, file, path: 'photo.jpg' }]);
  });
});
