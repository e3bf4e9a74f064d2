import type { Preprocessing } from '../../export/modelFiles';
import type { AugmentationSettings, ResizeMode } from '../shared/types';
import type { ImageSource } from './cache';
import { createRng, hashString, type Rng } from './random';

/**
 * Images in the worker: Blob → ImageBitmap (EXIF orientation applied) → OffscreenCanvas at the
 * model's input size → RGB floats, with optional seeded augmentation. Pure helpers are exported
 * for tests; decoding itself needs a browser.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of a w×h source that fills the target: centred crop at the target aspect, or all of it. */
export function sourceRect(srcW: number, srcH: number, dstW: number, dstH: number, mode: ResizeMode): Rect {
  if (mode === 'stretch') return { x: 0, y: 0, width: srcW, height: srcH };
  const scale = Math.min(srcW / dstW, srcH / dstH);
  const width = dstW * scale;
  const height = dstH * scale;
  return { x: (srcW - width) / 2, y: (srcH - height) / 2, width, height };
}

/** One augmented view's random draw. */
export interface ViewTransform {
  flip: boolean;
  /** Radians. */
  rotation: number;
  /** ≥ 1: how much to zoom in. */
  zoom: number;
  /** Multiplier on the pixel values. */
  brightness: number;
  /** Zoom-window offset as a fraction of the free margin, each in [-1, 1]. */
  shiftX: number;
  shiftY: number;
}

export const IDENTITY_VIEW: ViewTransform = {
  flip: false,
  rotation: 0,
  zoom: 1,
  brightness: 1,
  shiftX: 0,
  shiftY: 0,
};

/** Draws a view's transform from the augmentation settings. */
export function sampleTransform(rng: Rng, settings: AugmentationSettings): ViewTransform {
  const between = (max: number) => (rng() * 2 - 1) * max;
  return {
    flip: settings.flip && rng() < 0.5,
    rotation: (between(Math.max(0, settings.rotation)) * Math.PI) / 180,
    zoom: 1 + rng() * Math.max(0, settings.zoom),
    brightness: 1 + between(Math.max(0, settings.brightness)),
    shiftX: between(1),
    shiftY: between(1),
  };
}

/** The transform of view `view` of image `id`: the same for every run with the same seed. */
export function viewTransform(
  id: string,
  view: number,
  seed: number,
  settings: AugmentationSettings | null,
): ViewTransform {
  if (view === 0 || !settings) return IDENTITY_VIEW;
  return sampleTransform(createRng(hashString(`${id}#${view}`, seed >>> 0)), settings);
}

/** RGBA bytes → RGB floats with the model's preprocessing and a brightness factor. */
export function toFloatRGB(
  rgba: Uint8ClampedArray | Uint8Array,
  preprocessing: Preprocessing,
  brightness = 1,
): Float32Array {
  const n = rgba.length / 4;
  const out = new Float32Array(n * 3);
  const [scale, offset] =
    preprocessing === '0..1' ? [1 / 255, 0] : preprocessing === '-1..1' ? [1 / 127.5, -1] : [1, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      let v = rgba[i * 4 + c];
      if (brightness !== 1) v = Math.min(255, Math.max(0, v * brightness));
      out[i * 3 + c] = v * scale + offset;
    }
  }
  return out;
}

export interface ImageSpec {
  height: number;
  width: number;
  preprocessing: Preprocessing;
  resize: ResizeMode;
}

/** Draws one view of the bitmap onto the context (which is spec.width × spec.height). */
function drawView(
  ctx: OffscreenCanvasRenderingContext2D,
  bitmap: ImageBitmap,
  spec: ImageSpec,
  t: ViewTransform,
): void {
  const { width: w, height: h } = spec;
  const src = sourceRect(bitmap.width, bitmap.height, w, h, spec.resize);
  // The source window (zoom and shift only) is drawn larger than the canvas, by enough that
  // its rotated copy still covers every corner: no empty corners in rotated views.
  const cover = t.rotation
    ? Math.abs(Math.cos(t.rotation)) + Math.abs(Math.sin(t.rotation)) * Math.max(w / h, h / w)
    : 1;
  const sw = src.width / t.zoom;
  const sh = src.height / t.zoom;
  const sx = src.x + ((src.width - sw) / 2) * (1 + t.shiftX);
  const sy = src.y + ((src.height - sh) / 2) * (1 + t.shiftY);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.translate(w / 2, h / 2);
  if (t.rotation) ctx.rotate(t.rotation);
  if (t.flip) ctx.scale(-1, 1);
  ctx.imageSmoothingEnabled = true;
  // Bilinear (with mipmaps when shrinking), as Keras and tf.image.resizeBilinear resize: what a
  // client of the exported model most likely does, so the page and the export agree.
  ctx.imageSmoothingQuality = 'medium';
  ctx.drawImage(bitmap, sx, sy, sw, sh, (-w * cover) / 2, (-h * cover) / 2, w * cover, h * cover);
}

/** A user-facing message for an image that cannot be decoded. */
export function undecodableMessage(name: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return `The image "${name}" could not be decoded (${reason}): it may be corrupt or in a format the browser cannot read. Remove it or replace it with a JPEG, PNG or WebP file.`;
}

/** Decodes a blob into preprocessed views (view transforms in order); closes the bitmap at once. */
export async function decodeViews(
  blob: Blob,
  spec: ImageSpec,
  transforms: readonly ViewTransform[],
): Promise<Float32Array[]> {
  const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  try {
    const canvas = new OffscreenCanvas(spec.width, spec.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser has no 2D OffscreenCanvas in workers');
    return transforms.map((t) => {
      drawView(ctx, bitmap, spec, t);
      const { data } = ctx.getImageData(0, 0, spec.width, spec.height);
      return toFloatRGB(data, spec.preprocessing, t.brightness);
    });
  } finally {
    bitmap.close();
  }
}

/** An image list the cache and the live path can read from, decoding in the browser. */
export function blobImageSource(
  images: readonly { id: string; blob: Blob }[],
  spec: ImageSpec,
  augmentation: AugmentationSettings | null,
  seed: number,
): ImageSource {
  return {
    count: images.length,
    height: spec.height,
    width: spec.width,
    async load(index, views) {
      const { id, blob } = images[index];
      try {
        return await decodeViews(
          blob,
          spec,
          views.map((v) => viewTransform(id, v, seed, augmentation)),
        );
      } catch (e) {
        throw new Error(undecodableMessage(id, e), { cause: e });
      }
    },
  };
}
