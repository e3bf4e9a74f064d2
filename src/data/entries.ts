import { classForFolderPath } from './intake';
import type { IntakeEntry } from './types';

/**
 * Reading a drop: DataTransfer.files lists a dropped folder as one useless pseudo-file, so
 * folders are walked through the entries API. The entries must be taken while the drop event
 * is being dispatched (the DataTransfer is emptied afterwards), hence the synchronous first step.
 */

/** A drop's top-level items, taken synchronously while the drop event is being handled. */
export interface DroppedItems {
  entries: FileSystemEntry[];
  /** Files the browser gave without an entry (no entries API). */
  files: File[];
}

/** Takes the dropped items now, before the drop event returns. */
export function takeDroppedItems(dt: DataTransfer): DroppedItems {
  const entries: FileSystemEntry[] = [];
  const files: File[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) files.push(file);
    }
  }
  if (!entries.length && !files.length) files.push(...Array.from(dt.files ?? []));
  return { entries, files };
}

const fileOf = (entry: FileSystemFileEntry): Promise<File> =>
  new Promise((resolve, reject) => entry.file(resolve, reject));

/** All children of a folder: readEntries answers in batches (100 in Chromium) until an empty one. */
async function childrenOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (!batch.length) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: IntakeEntry[], failed: string[]): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '') || entry.name;
  if (entry.isFile) {
    try {
      const file = await fileOf(entry as FileSystemFileEntry);
      out.push({ className: classForFolderPath(path), file, path });
    } catch {
      failed.push(path);
    }
  } else if (entry.isDirectory) {
    let children: FileSystemEntry[];
    try {
      children = await childrenOf(entry as FileSystemDirectoryEntry);
    } catch {
      failed.push(`${path}/`);
      return;
    }
    await Promise.all(children.map((c) => walk(c, out, failed)));
  }
}

/**
 * Intake entries for a drop: each dropped folder is read like a chosen folder (its subfolders
 * are classes, its loose images a class named after it); loose dropped files get no class.
 * `failed` lists paths the browser would not let us read.
 */
export async function readDroppedItems(
  items: DroppedItems,
): Promise<{ entries: IntakeEntry[]; failed: string[] }> {
  const entries: IntakeEntry[] = [];
  const failed: string[] = [];
  for (const entry of items.entries) await walk(entry, entries, failed);
  for (const file of items.files) entries.push({ className: null, file, path: file.name });
  return { entries, failed };
}
