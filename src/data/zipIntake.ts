import { unzipSync } from 'fflate';
import { classifyName } from './formats';
import type { UnzippedFile, ZipLimits, ZipSkipKind } from './types';

/**
 * Reading a .zip of class folders. The declared sizes are checked before anything is inflated,
 * and fflate inflates each entry into a buffer of exactly its declared size, so a zip that lies
 * about its sizes cannot grow past the limit either.
 */

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxZipBytes: 1024 * 1024 * 1024,
  maxTotalBytes: 1536 * 1024 * 1024,
  maxEntries: 50_000,
  maxRatio: 200,
};

/** A zip we will not open, with the message for the user. */
export class ZipRefusedError extends Error {
  override name = 'ZipRefusedError';
}

/** What came out of a zip: its images, and the other files by path and kind. */
export interface UnzipOutcome {
  files: UnzippedFile[];
  skipped: { path: string; kind: ZipSkipKind }[];
}

const mb = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`;

/** Refuses a zip file by its size alone, before its bytes are read; null when it may be read. */
export function zipSizeProblem(
  name: string,
  size: number,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): string | null {
  if (size <= limits.maxZipBytes) return null;
  return `${name} is ${mb(size)}; zips over ${mb(limits.maxZipBytes)} are not opened here. Unzip it and add the folder with "Add image folder" instead.`;
}

/** The image files of a zip of class folders; throws ZipRefusedError for a broken or oversized zip. */
export function unzipDataset(
  bytes: Uint8Array,
  name: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): UnzipOutcome {
  const sizeProblem = zipSizeProblem(name, bytes.length, limits);
  if (sizeProblem) throw new ZipRefusedError(sizeProblem);
  const skipped: UnzipOutcome['skipped'] = [];
  const wanted = new Set<string>();
  let total = 0;
  let bomb: string | null = null;
  try {
    // First pass: headers only (the filter says no to everything).
    unzipSync(bytes, {
      filter(f) {
        if (f.name.endsWith('/')) return false;
        const kind = classifyName(f.name);
        if (kind === 'ignored') return false;
        if (kind !== 'image') {
          skipped.push({ path: f.name, kind });
          return false;
        }
        if (f.compression !== 0 && f.compression !== 8) {
          skipped.push({ path: f.name, kind: 'unreadable' });
          return false;
        }
        total += f.originalSize;
        if (f.originalSize > 1024 * 1024 && f.originalSize > f.size * limits.maxRatio)
          bomb ??= `${f.name} would unpack ${Math.round(f.originalSize / Math.max(1, f.size))} times larger than it is stored`;
        wanted.add(f.name);
        return false;
      },
    });
  } catch (e) {
    throw new ZipRefusedError(
      `${name} could not be opened as a zip (${(e as Error).message}): check that it downloaded completely, or unzip it and add the folder instead.`,
    );
  }
  if (wanted.size > limits.maxEntries)
    bomb ??= `it holds ${wanted.size} images, more than the ${limits.maxEntries} allowed at once`;
  if (total > limits.maxTotalBytes)
    bomb ??= `it would unpack to ${mb(total)}, more than the ${mb(limits.maxTotalBytes)} allowed`;
  if (bomb)
    throw new ZipRefusedError(
      `${name} was not opened: ${bomb}. It may be a zip bomb; if you trust it, unzip it yourself and add the folder with "Add image folder".`,
    );
  let out: Record<string, Uint8Array>;
  try {
    out = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (e) {
    throw new ZipRefusedError(
      `${name} is damaged (${(e as Error).message}): download or create it again, or unzip it and add the folder instead.`,
    );
  }
  const files = Object.entries(out).map(([path, data]) => ({ path, data }));
  return { files, skipped };
}
