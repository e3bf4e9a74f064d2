import type { DatasetImage, ImageFields } from './datasetImage';
import type { ImageMeta, StoredClass } from './types';

/**
 * The dataset's edits as pure functions from one snapshot to the next. The store applies them
 * and does the side effects (saving, erasing blobs, thumbnail URLs, alerts). Snapshots are never
 * changed in place: the index being saved may still be the previous one.
 */

/** The classes in order and every image by id. */
export interface DatasetSnapshot {
  classes: StoredClass[];
  images: Record<string, DatasetImage>;
}

type Relabel = (image: DatasetImage, className: string) => DatasetImage;

/** Appends images to their classes, creating missing classes in order of first appearance. */
export function addImages(s: DatasetSnapshot, added: readonly DatasetImage[]): DatasetSnapshot {
  const images = { ...s.images };
  const classes = s.classes.slice();
  const at = new Map(classes.map((c, i) => [c.name, i]));
  const copied = new Set<number>();
  for (const img of added) {
    images[img.id] = img;
    let i = at.get(img.className);
    if (i === undefined) {
      i = classes.push({ name: img.className, imageIds: [] }) - 1;
      at.set(img.className, i);
    }
    if (!copied.has(i)) {
      classes[i] = { name: img.className, imageIds: classes[i].imageIds.slice() };
      copied.add(i);
    }
    classes[i].imageIds.push(img.id);
  }
  return { classes, images };
}

/** Gives class `from` the name `to`; its images follow. */
export function renameClassIn(
  s: DatasetSnapshot,
  from: string,
  to: string,
  relabel: Relabel,
): DatasetSnapshot {
  const images = { ...s.images };
  const classes = s.classes.map((c) => {
    if (c.name !== from) return c;
    for (const id of c.imageIds) if (images[id]) images[id] = relabel(images[id], to);
    return { name: to, imageIds: c.imageIds };
  });
  return { classes, images };
}

/**
 * Moves the images of `from` to the end of `into` and removes `from`. Images `into` already has
 * (same bytes) are left out: `dropped` lists them for erasing. Null when a class is missing.
 */
export function mergeClassesIn(
  s: DatasetSnapshot,
  from: string,
  into: string,
  relabel: Relabel,
): { next: DatasetSnapshot; dropped: string[] } | null {
  const source = s.classes.find((c) => c.name === from);
  const target = s.classes.find((c) => c.name === into);
  if (!source || !target || source === target) return null;
  const have = new Set(target.imageIds.map((id) => s.images[id]?.hash));
  const images = { ...s.images };
  const moved: string[] = [];
  const dropped: string[] = [];
  for (const id of source.imageIds) {
    const img = images[id];
    if (!img) continue;
    if (have.has(img.hash)) {
      dropped.push(id);
      delete images[id];
    } else {
      have.add(img.hash);
      moved.push(id);
      images[id] = relabel(img, into);
    }
  }
  const classes = s.classes
    .filter((c) => c !== source)
    .map((c) => (c === target ? { name: into, imageIds: [...target.imageIds, ...moved] } : c));
  return { next: { classes, images }, dropped };
}

/** Takes out a class and its images, returning them (for a later restore). Null when missing. */
export function deleteClassIn(
  s: DatasetSnapshot,
  name: string,
): { next: DatasetSnapshot; removed: StoredClass; removedImages: DatasetImage[] } | null {
  const removed = s.classes.find((c) => c.name === name);
  if (!removed) return null;
  const images = { ...s.images };
  const removedImages: DatasetImage[] = [];
  for (const id of removed.imageIds) {
    if (images[id]) removedImages.push(images[id]);
    delete images[id];
  }
  return { next: { classes: s.classes.filter((c) => c !== removed), images }, removed, removedImages };
}

/** Takes images out of their classes and the index. */
export function removeImagesIn(s: DatasetSnapshot, ids: readonly string[]): DatasetSnapshot {
  const gone = new Set(ids.filter((id) => id in s.images));
  if (!gone.size) return s;
  const images = { ...s.images };
  for (const id of gone) delete images[id];
  const classes = s.classes.map((c) =>
    c.imageIds.some((id) => gone.has(id))
      ? { name: c.name, imageIds: c.imageIds.filter((id) => !gone.has(id)) }
      : c,
  );
  return { classes, images };
}

/**
 * Moves one image to the end of class `to`. Refused, with the image already there, when `to`
 * has the same bytes; null when there is nothing to move.
 */
export function moveImageIn(
  s: DatasetSnapshot,
  id: string,
  to: string,
  relabel: Relabel,
): { next: DatasetSnapshot } | { twin: DatasetImage } | null {
  const img = s.images[id];
  const target = s.classes.find((c) => c.name === to);
  if (!img || !target || img.className === to) return null;
  const twin = target.imageIds.map((i) => s.images[i]).find((other) => other?.hash === img.hash);
  if (twin) return { twin };
  const classes = s.classes.map((c) => {
    if (c.name === img.className) return { name: c.name, imageIds: c.imageIds.filter((i) => i !== id) };
    if (c === target) return { name: c.name, imageIds: [...c.imageIds, id] };
    return c;
  });
  return { next: { classes, images: { ...s.images, [id]: relabel(img, to) } } };
}

/** The dataset described by a stored index; ids whose metadata is missing are left out. */
export function snapshotFromIndex(
  stored: readonly StoredClass[],
  metas: readonly (ImageMeta | undefined)[],
  make: (fields: ImageFields) => DatasetImage,
): DatasetSnapshot {
  const byId = new Map(metas.filter((m): m is ImageMeta => !!m).map((m) => [m.id, m]));
  const images: Record<string, DatasetImage> = {};
  const classes = stored.map((c) => ({
    name: c.name,
    imageIds: c.imageIds.filter((id) => {
      const m = byId.get(id);
      if (m) images[id] = make({ ...m, className: c.name });
      return !!m;
    }),
  }));
  return { classes, images };
}
