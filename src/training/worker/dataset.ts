import { createRng, shuffleInPlace } from './random';

/**
 * Dataset checks and the seeded, stratified train/validation split. Pure: indices and labels
 * only, so the same rules hold in the worker and in tests.
 */

/** A problem with the request, worded for the user (what is wrong and what to do). */
export class TrainingInputError extends Error {
  override name = 'TrainingInputError';
}

/** Throws a TrainingInputError when the labels cannot be trained on. */
export function checkDataset(labels: readonly number[], classNames: readonly string[]): void {
  if (classNames.length < 2) {
    throw new TrainingInputError(
      `Training needs at least 2 classes but the dataset has ${classNames.length}: add another class with images.`,
    );
  }
  const counts = classCounts(labels, classNames.length);
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= classNames.length) {
      throw new TrainingInputError(
        `An image has class index ${label}, but there are only ${classNames.length} classes: re-assign its class.`,
      );
    }
  }
  const empty = classNames.filter((_, c) => counts[c] === 0);
  if (empty.length) {
    throw new TrainingInputError(
      `The class${empty.length > 1 ? 'es' : ''} ${empty.map((n) => `"${n}"`).join(', ')} ${empty.length > 1 ? 'have' : 'has'} no images: add images to ${empty.length > 1 ? 'them' : 'it'} or delete ${empty.length > 1 ? 'them' : 'it'}.`,
    );
  }
}

/** Images per class. */
export function classCounts(labels: readonly number[], numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) if (l >= 0 && l < numClasses) counts[l]++;
  return counts;
}

export interface DataSplit {
  train: number[];
  val: number[];
}

/**
 * Holds out `fraction` of each class for validation, at least one image of every class that
 * has two or more (so each class is measured) and never a class's last training image.
 */
export function stratifiedSplit(labels: readonly number[], fraction: number, seed: number): DataSplit {
  const rng = createRng(seed ^ 0x51f1);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  });
  const train: number[] = [];
  const val: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = shuffleInPlace(byClass.get(c)!.slice(), rng);
    let nVal = fraction > 0 ? Math.round(idx.length * fraction) : 0;
    if (fraction > 0 && idx.length >= 2) nVal = Math.min(Math.max(nVal, 1), idx.length - 1);
    if (idx.length < 2) nVal = 0;
    val.push(...idx.slice(0, nVal));
    train.push(...idx.slice(nVal));
  }
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return { train, val };
}

/** Keras-style "balanced" weights n / (k · n_class), from the training images. */
export function balancedClassWeights(
  labels: readonly number[],
  indices: readonly number[],
  numClasses: number,
): number[] {
  const counts = classCounts(
    indices.map((i) => labels[i]),
    numClasses,
  );
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? indices.length / (present * c) : 0));
}
