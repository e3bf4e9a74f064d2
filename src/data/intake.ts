import type { IntakeEntry } from './types';

/**
 * Turning what the user gave (a chosen folder, loose files, a dropped folder, a zip) into
 * {className, file} entries, and the one message that tells them what was left out.
 * Pure: no DOM beyond File, no store.
 */

/** The non-empty segments of a relative path ("a//b/./c.jpg" → ["a", "b", "c.jpg"]). */
export function pathSegments(path: string): string[] {
  return path.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
}

/**
 * The class of a file inside a chosen or dropped folder, whose path starts with that folder:
 * a file in a subfolder (at any depth) belongs to the first-level subfolder; a file directly in
 * the folder belongs to a class named after the folder; a path with no folder gives null.
 */
export function classForFolderPath(path: string): string | null {
  const segs = pathSegments(path);
  if (segs.length >= 3) return segs[1];
  if (segs.length === 2) return segs[0];
  return null;
}

/** Entries for files from a directory picker (`webkitdirectory`), grouped by their relative paths. */
export function entriesFromFolderFiles(files: readonly File[]): IntakeEntry[] {
  return files.map((file) => {
    const path = file.webkitRelativePath || file.name;
    return { className: classForFolderPath(path), file, path };
  });
}

/** Entries for loose files: they go to the class selected when they are added. */
export function entriesFromLooseFiles(files: readonly File[]): IntakeEntry[] {
  return files.map((file) => ({ className: null, file, path: file.name }));
}

/** A file name without its folders and last extension ("x/flowers.zip" → "flowers"). */
export function baseName(name: string): string {
  const base = pathSegments(name).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * Classes for the files of a zip. A zip made by compressing one folder wraps everything in that
 * folder, so it is read like the folder itself; otherwise the zip stands for the folder, its
 * top-level folders are the classes and loose files go to a class named after the zip.
 */
export function classesForZipPaths(paths: readonly string[], zipName: string): string[] {
  const segs = paths.map(pathSegments);
  const first = segs[0]?.[0];
  const wrapped = segs.length > 0 && segs.every((s) => s.length >= 2 && s[0] === first);
  const root = baseName(zipName) || 'images';
  return segs.map((s) => classForFolderPath((wrapped ? s : [root, ...s]).join('/')) ?? root);
}

/** The first free name "class_1", "class_2", ... for a class made for loose images. */
export function nextClassName(existing: readonly string[]): string {
  const taken = new Set(existing);
  for (let i = 1; ; i++) if (!taken.has(`class_${i}`)) return `class_${i}`;
}

/** Why a class name cannot be used, or null when it can. `current` is the class being renamed. */
export function classNameProblem(name: string, existing: readonly string[], current?: string): string | null {
  if (!name.trim()) return 'A class name cannot be empty: type a name.';
  if (name.trim() !== current && existing.includes(name.trim()))
    return `There is already a class named "${name.trim()}": choose another name, or merge the classes instead.`;
  return null;
}

/** What one intake left out, by file (paths as the user knows them). */
export interface IntakeReport {
  added: number;
  /** Image files that could not be decoded (empty, cut off, not really an image). */
  unreadable: string[];
  /** HEIC, TIFF and other formats the browser cannot decode. */
  unsupported: string[];
  /** Images too large to decode safely (over 150 megapixels). */
  tooLarge: string[];
  /** Files that are not images (notes.txt...). System files are not even listed. */
  notImages: string[];
  /** Images already in their class (same bytes). */
  duplicates: string[];
  /** Images decoded but not stored because storage was full. */
  notSaved: number;
  /** Zips that could not be opened, each with its reason. */
  zipProblems: string[];
}

/** An empty report. */
export function emptyReport(): IntakeReport {
  return {
    added: 0,
    unreadable: [],
    unsupported: [],
    tooLarge: [],
    notImages: [],
    duplicates: [],
    notSaved: 0,
    zipProblems: [],
  };
}

const MAX_LISTED = 15;

function list(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} …and ${names.length - MAX_LISTED} more` : shown;
}

const files = (n: number): string => (n === 1 ? '1 file' : `${n} files`);

/**
 * The one message for an intake: a warning when images were lost (unreadable, unsupported,
 * storage full, bad zip), plain information when only duplicates or non-images were skipped,
 * null when there is nothing to say.
 */
export function intakeMessage(r: IntakeReport): { kind: 'warning' | 'info'; text: string } | null {
  const parts: string[] = [];
  if (r.unreadable.length)
    parts.push(
      `Skipped ${files(r.unreadable.length)} that could not be read as images: ${list(r.unreadable)}. ` +
        'They are empty, cut off or not really images: open them in an image viewer, save them again as JPEG or PNG, and add them again.',
    );
  if (r.unsupported.length)
    parts.push(
      `Skipped ${files(r.unsupported.length)} (unsupported format: convert to JPEG or PNG, then add them again): ${list(r.unsupported)}.`,
    );
  if (r.tooLarge.length)
    parts.push(
      `Skipped ${files(r.tooLarge.length)} too large to decode (over 150 megapixels): ${list(r.tooLarge)}. ` +
        'Scale them down (4000 pixels on the long side is plenty) and add them again.',
    );
  for (const z of r.zipProblems) parts.push(z);
  if (r.notSaved)
    parts.push(
      `Storage is full: ${files(r.notSaved)} could not be saved and were not added; the images saved before are kept. ` +
        'Delete classes you no longer need or free disk space, then add the rest again.',
    );
  const warn = parts.length > 0;
  if (r.duplicates.length)
    parts.push(
      `Skipped ${files(r.duplicates.length)} already in their class (same image): ${list(r.duplicates)}.`,
    );
  if (r.notImages.length)
    parts.push(
      `Skipped ${files(r.notImages.length)} that ${r.notImages.length === 1 ? 'is' : 'are'} not images: ${list(r.notImages)}.`,
    );
  if (!parts.length) return null;
  return { kind: warn ? 'warning' : 'info', text: parts.join(' ') };
}
