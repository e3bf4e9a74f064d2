/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { jpegOrientation, looksTruncated, readImageSize, sniffFormat } from './formats';
import type { DecodeInput, DecodeResult, DecodeWorkerApi, ImageFormat, UnzipResult } from './types';
import { unzipDataset, ZipRefusedError, zipSizeProblem } from './zipIntake';

/**
 * Decoding off the main thread: reading, hashing, decoding and re-encoding thousands of photos
 * would otherwise freeze the page. Each image is brought down to at most 320 px on its longest
 * side (more than any backbone's input) so the stored dataset stays small.
 */

const MAX_SIDE = 320;
const THUMB_SIDE = 64;
// Past this the browser may fail to allocate the decoded bitmap; nobody trains on such images.
const MAX_PIXELS = 150_000_000;
// Images decoded at once: enough to keep the browser's decoder threads busy.
const CONCURRENCY = 4;

const MIME: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
};

function fit(width: number, height: number, side: number): { width: number; height: number } {
  const scale = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  if (crypto.subtle) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  // Without a secure context there is no crypto.subtle; duplicates still need a fingerprint.
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
    h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995);
  }
  return `fnv-${bytes.length}-${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

/**
 * Decodes at the target size when the header tells the size, so a 6000×6000 photo is never held
 * at full size. Browsers differ on whether the resize applies before or after EXIF rotation, so
 * the result's shape is checked and the other order tried; a full decode is the last resort.
 */
async function decodeScaled(
  blob: Blob,
  shown: { width: number; height: number } | null,
): Promise<ImageBitmap> {
  if (shown) {
    const t = fit(shown.width, shown.height, MAX_SIDE);
    if (t.width < shown.width || t.height < shown.height) {
      for (const [rw, rh] of [
        [t.width, t.height],
        [t.height, t.width],
      ]) {
        const bmp = await createImageBitmap(blob, {
          imageOrientation: 'from-image',
          resizeWidth: rw,
          resizeHeight: rh,
          resizeQuality: 'high',
        });
        if (Math.abs(bmp.width - (bmp.height * shown.width) / shown.height) <= 1.5) return bmp;
        bmp.close();
      }
    }
  }
  return createImageBitmap(blob, { imageOrientation: 'from-image' });
}

function hasTransparency(ctx: OffscreenCanvasRenderingContext2D, width: number, height: number): boolean {
  const data = ctx.getImageData(0, 0, width, height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return true;
  return false;
}

/** Draws the bitmap at most MAX_SIDE px, flattened on white; encodes it and its thumbnail. */
async function normalise(bitmap: ImageBitmap, mayHaveAlpha: boolean): Promise<{ blob: Blob; thumb: Blob }> {
  const t = fit(bitmap.width, bitmap.height, MAX_SIDE);
  const canvas = new OffscreenCanvas(t.width, t.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: mayHaveAlpha })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, t.width, t.height);
  const alpha = mayHaveAlpha && hasTransparency(ctx, t.width, t.height);
  // Models take RGB: transparent pixels become white rather than whatever black the decoder picks.
  ctx.globalCompositeOperation = 'destination-over';
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, t.width, t.height);
  // PNG keeps the sharp edges that images with transparency (logos, cut-outs) usually have.
  const blob = await canvas.convertToBlob(
    alpha ? { type: 'image/png' } : { type: 'image/jpeg', quality: 0.9 },
  );
  const s = fit(t.width, t.height, THUMB_SIDE);
  const small = new OffscreenCanvas(s.width, s.height);
  const sctx = small.getContext('2d')!;
  sctx.imageSmoothingQuality = 'high';
  sctx.drawImage(canvas, 0, 0, s.width, s.height);
  const thumb = await small.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
  return { blob, thumb };
}

async function decodeOne({ key, file }: DecodeInput): Promise<DecodeResult> {
  const fail = (reason: 'unsupported' | 'unreadable' | 'too-large', detail: string): DecodeResult => ({
    key,
    ok: false,
    reason,
    detail,
  });
  if (file.size === 0) return fail('unreadable', 'the file is empty');
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    return fail('unreadable', `the file could not be read (${(e as Error).message})`);
  }
  const format = sniffFormat(bytes);
  if (format === null) return fail('unreadable', 'the bytes are not JPEG, PNG, WebP, BMP or GIF');
  if (format === 'heic' || format === 'avif' || format === 'tiff') return fail('unsupported', format);
  if (looksTruncated(bytes, format)) return fail('unreadable', 'the file is cut off');
  const header = readImageSize(bytes, format);
  const rotated = format === 'jpeg' && jpegOrientation(bytes) >= 5;
  const shown = header && (rotated ? { width: header.height, height: header.width } : header);
  if (shown && shown.width * shown.height > MAX_PIXELS)
    return fail('too-large', `${shown.width}×${shown.height} pixels`);
  const hash = await sha256Hex(bytes);
  let bitmap: ImageBitmap;
  try {
    bitmap = await decodeScaled(new Blob([bytes], { type: MIME[format] }), shown);
  } catch (e) {
    return fail('unreadable', `the image could not be decoded (${(e as Error).message})`);
  }
  try {
    const size = shown ?? { width: bitmap.width, height: bitmap.height };
    const normalised = await normalise(bitmap, format !== 'jpeg');
    // A JPEG small enough to keep is kept as it came: re-encoding it would add a second round
    // of compression loss, and Test image classifies the original file.
    const small = size.width <= MAX_SIDE && size.height <= MAX_SIDE;
    const blob = format === 'jpeg' && small ? new Blob([bytes], { type: 'image/jpeg' }) : normalised.blob;
    return { key, ok: true, hash, blob, thumb: normalised.thumb, width: size.width, height: size.height };
  } catch (e) {
    return fail('unreadable', `the image could not be re-encoded (${(e as Error).message})`);
  } finally {
    bitmap.close();
  }
}

const api: DecodeWorkerApi = {
  async decode(inputs) {
    const results: DecodeResult[] = new Array(inputs.length);
    let next = 0;
    const lane = async () => {
      while (next < inputs.length) {
        const i = next++;
        results[i] = await decodeOne(inputs[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, inputs.length) }, lane));
    return results;
  },

  async unzip(file): Promise<UnzipResult> {
    const tooBig = zipSizeProblem(file.name, file.size);
    if (tooBig) return { files: [], skipped: [], error: tooBig };
    try {
      const { files, skipped } = unzipDataset(new Uint8Array(await file.arrayBuffer()), file.name);
      return {
        files: files.map(({ path, data }) => ({
          path,
          file: new File([data as Uint8Array<ArrayBuffer>], path.slice(path.lastIndexOf('/') + 1)),
        })),
        skipped,
        error: null,
      };
    } catch (e) {
      if (e instanceof ZipRefusedError) return { files: [], skipped: [], error: e.message };
      return {
        files: [],
        skipped: [],
        error: `${file.name} could not be opened (${(e as Error).message}): unzip it and add the folder instead.`,
      };
    }
  },
};

Comlink.expose(api);
