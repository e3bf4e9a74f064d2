/**
 * Shapes shared by image intake, the decode worker, the dataset database and the dataset store.
 * Everything that crosses to the worker is structured-clone safe (plain data, Files and Blobs).
 */

/** One file offered to the dataset, with the class it goes to (null: the selected class). */
export interface IntakeEntry {
  /** Class named by the file's folder; null for loose files, which go to the selected class. */
  className: string | null;
  file: File;
  /** Where the file came from ("flowers/roses/a.jpg"), for messages; the file name when loose. */
  path: string;
}

/** What a file looks like from its name alone. */
export type NameKind = 'image' | 'unsupported' | 'zip' | 'ignored' | 'other';

/** Image formats we decode; the browser's createImageBitmap handles all of them. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp';

/** Formats recognised by their bytes but refused, with a hint to convert them. */
export type RefusedFormat = 'heic' | 'avif' | 'tiff';

/** One file for the decode worker; `key` ties the result back to its entry. */
export interface DecodeInput {
  key: number;
  file: File;
}

/** A file the worker decoded and normalised (longest side at most 320 px). */
export interface DecodedImage {
  key: number;
  ok: true;
  /** SHA-256 of the original bytes, hex. */
  hash: string;
  /** The normalised image (JPEG, or PNG when the original had transparency). */
  blob: Blob;
  /** A small JPEG (longest side 64 px) for the dataset panel. */
  thumb: Blob;
  /** Size of the original image as displayed (after EXIF orientation). */
  width: number;
  height: number;
}

/** A file the worker could not use, and why. */
export interface DecodeFailure {
  key: number;
  ok: false;
  reason: 'unsupported' | 'unreadable' | 'too-large';
  /** Short technical detail for the console; the user-facing text is built from `reason`. */
  detail: string;
}

export type DecodeResult = DecodedImage | DecodeFailure;

/** Files found in a zip of class folders, with their paths inside the zip. */
export interface UnzippedFile {
  path: string;
  data: Uint8Array;
}

/** Limits that keep a hostile or mistaken zip from exhausting memory. */
export interface ZipLimits {
  /** Largest zip file read at all, in bytes. */
  maxZipBytes: number;
  /** Largest sum of the declared uncompressed sizes of the extracted entries, in bytes. */
  maxTotalBytes: number;
  /** Most entries extracted. */
  maxEntries: number;
  /** Largest uncompressed/compressed ratio allowed for an entry over 1 MB. */
  maxRatio: number;
}

/** A class in stored order, with its images in order. */
export interface StoredClass {
  name: string;
  imageIds: string[];
}

/** The dataset's table of contents, stored under one key and rewritten on each change. */
export interface DatasetIndex {
  version: 1;
  classes: StoredClass[];
}

/** What is stored per image besides its normalised blob. */
export interface ImageMeta {
  id: string;
  /** The original file name. */
  name: string;
  hash: string;
  width: number;
  height: number;
  thumb: Blob;
}

/** Why a file inside a zip was not extracted. */
export type ZipSkipKind = 'unsupported' | 'zip' | 'other' | 'unreadable';

/** The images of a zip as Files with their paths inside it, what was left out, or why it was refused. */
export interface UnzipResult {
  files: { path: string; file: File }[];
  skipped: { path: string; kind: ZipSkipKind }[];
  /** The user-facing reason the zip was not opened at all; null when it was. */
  error: string | null;
}

/** The decode worker's one API (exposed with comlink; the page imports only this type). */
export interface DecodeWorkerApi {
  /** Decodes, hashes and normalises the files, each independently: one bad file fails alone. */
  decode(inputs: DecodeInput[]): Promise<DecodeResult[]>;
  /** Opens a zip of class folders, within the zip-bomb limits. */
  unzip(file: File): Promise<UnzipResult>;
}
