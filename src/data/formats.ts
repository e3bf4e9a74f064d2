import type { ImageFormat, NameKind, RefusedFormat } from './types';

/**
 * Recognising image files by name and by bytes. The name decides whether a file is offered to
 * the decoder at all; the bytes decide what it really is (a PNG named .jpg decodes fine, a HEIC
 * named .jpg is refused with a useful message instead of a decoder error).
 */

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'jfif', 'png', 'gif', 'bmp', 'dib', 'webp']);
const REFUSED_EXTENSIONS = new Set([
  'heic',
  'heif',
  'avif',
  'tif',
  'tiff',
  'jxl',
  'svg',
  'ico',
  'psd',
  'raw',
  'cr2',
  'cr3',
  'nef',
  'arw',
  'dng',
  'orf',
  'rw2',
]);
// Files that operating systems leave in folders; nobody wants to hear about them.
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db']);

/** The lower-case extension of a file name, without the dot ('' when there is none). */
export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** What a file is from its name (or path): an image to decode, a refused format, a zip, noise, or other. */
export function classifyName(name: string): NameKind {
  const parts = name.split('/');
  const base = parts[parts.length - 1];
  if (!base || base.startsWith('.') || SYSTEM_FILES.has(base.toLowerCase())) return 'ignored';
  if (parts.some((p) => p === '__MACOSX' || (p.startsWith('.') && p.length > 1 && p !== '..')))
    return 'ignored';
  const ext = extensionOf(base);
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (REFUSED_EXTENSIONS.has(ext)) return 'unsupported';
  if (ext === 'zip') return 'zip';
  return 'other';
}

const ascii = (b: Uint8Array, at: number, len: number): string =>
  String.fromCharCode(...b.subarray(at, at + len));

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** The real format of a file from its first bytes; null when it is no image we know. */
export function sniffFormat(b: Uint8Array): ImageFormat | RefusedFormat | null {
  if (b.length < 12) return null;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x89 && ascii(b, 1, 3) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a) return 'png';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (b[0] === 0x42 && b[1] === 0x4d && b.length >= 26) return 'bmp';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (HEIC_BRANDS.has(brand)) return 'heic';
    if (brand === 'avif' || brand === 'avis') return 'avif';
    return null;
  }
  if (ascii(b, 0, 4) === 'II*\0' || ascii(b, 0, 4) === 'MM\0*') return 'tiff';
  return null;
}

const be16 = (b: Uint8Array, i: number): number => (b[i] << 8) | b[i + 1];
const le16 = (b: Uint8Array, i: number): number => b[i] | (b[i + 1] << 8);
const be32 = (b: Uint8Array, i: number): number =>
  ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const le32 = (b: Uint8Array, i: number): number =>
  ((b[i + 3] << 24) | (b[i + 2] << 16) | (b[i + 1] << 8) | b[i]) >>> 0;

/**
 * Calls `visit(marker, start, length)` for each JPEG segment up to the image data; stops when it
 * returns true. Returns where it stopped (at a scan or the end marker), -1 when the bytes ran
 * out, -2 when they are not JPEG segments at all.
 */
function walkJpegSegments(
  b: Uint8Array,
  visit: (marker: number, at: number, len: number) => boolean,
): number {
  let i = 2;
  while (i + 2 <= b.length) {
    if (b[i] !== 0xff) return -2;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd9) return i;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (i + 4 > b.length) return -1;
    const len = be16(b, i + 2);
    if (visit(marker, i, len) || marker === 0xda) return i;
    i += 2 + len;
  }
  return -1;
}

/** Width and height stored in the image header (before EXIF orientation); null when unknown. */
export function readImageSize(b: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  let width = 0;
  let height = 0;
  if (format === 'png' && b.length >= 24 && ascii(b, 12, 4) === 'IHDR') {
    width = be32(b, 16);
    height = be32(b, 20);
  } else if (format === 'gif' && b.length >= 10) {
    width = le16(b, 6);
    height = le16(b, 8);
  } else if (format === 'bmp' && b.length >= 26) {
    const headerSize = le32(b, 14);
    if (headerSize === 12) {
      width = le16(b, 18);
      height = le16(b, 20);
    } else {
      width = Math.abs(le32(b, 18) | 0);
      height = Math.abs(le32(b, 22) | 0);
    }
  } else if (format === 'webp' && b.length >= 30) {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8 ') {
      width = le16(b, 26) & 0x3fff;
      height = le16(b, 28) & 0x3fff;
    } else if (chunk === 'VP8L') {
      const bits = le32(b, 21);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
    } else if (chunk === 'VP8X') {
      width = (b[24] | (b[25] << 8) | (b[26] << 16)) + 1;
      height = (b[27] | (b[28] << 8) | (b[29] << 16)) + 1;
    }
  } else if (format === 'jpeg') {
    walkJpegSegments(b, (marker, at) => {
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame && at + 9 <= b.length) {
        height = be16(b, at + 5);
        width = be16(b, at + 7);
        return true;
      }
      return false;
    });
  }
  return width > 0 && height > 0 ? { width, height } : null;
}

/** The EXIF orientation of a JPEG (1..8; 1 when absent). Orientations 5..8 swap width and height. */
export function jpegOrientation(b: Uint8Array): number {
  let orientation = 1;
  walkJpegSegments(b, (marker, at, len) => {
    if (marker !== 0xe1 || len < 16 || ascii(b, at + 4, 6) !== 'Exif\0\0') return false;
    const tiff = at + 10;
    const end = Math.min(b.length, at + 2 + len);
    const little = ascii(b, tiff, 2) === 'II';
    const u16 = (i: number) => (little ? le16(b, i) : be16(b, i));
    const u32 = (i: number) => (little ? le32(b, i) : be32(b, i));
    const ifd = tiff + u32(tiff + 4);
    if (ifd + 2 > end) return true;
    const count = u16(ifd);
    for (let k = 0; k < count; k++) {
      const entry = ifd + 2 + k * 12;
      if (entry + 12 > end) break;
      if (u16(entry) === 0x0112) {
        const v = u16(entry + 8);
        if (v >= 1 && v <= 8) orientation = v;
        break;
      }
    }
    return true;
  });
  return orientation;
}

/**
 * Whether the file stops before its image data ends. Browsers show a cut-off JPEG or PNG with
 * a grey or missing bottom instead of failing, which would quietly put a broken image into the
 * training set. Only a clear "ran out of bytes" counts: odd but complete files pass.
 */
export function looksTruncated(b: Uint8Array, format: ImageFormat): boolean {
  if (format === 'png') {
    let i = 8;
    while (i + 8 <= b.length) {
      const len = be32(b, i);
      if (ascii(b, i + 4, 4) === 'IEND') return false;
      i += 12 + len;
    }
    return true;
  }
  if (format !== 'jpeg') return false;
  let at = walkJpegSegments(b, () => false);
  while (at >= 0) {
    if (b[at + 1] === 0xd9) return false;
    // Entropy-coded data: only a byte 0xFF followed by a real marker ends it.
    let next = -1;
    for (let j = at + 2 + be16(b, at + 2); j + 1 < b.length; j++) {
      if (b[j] !== 0xff) continue;
      const m = b[j + 1];
      if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) continue;
      next = j;
      break;
    }
    if (next < 0) return true;
    // Progressive JPEGs have more tables and scans after this one: walk them like the header.
    const rest = walkJpegSegments(b.subarray(next - 2), () => false);
    at = rest < 0 ? rest : next - 2 + rest;
  }
  return at === -1;
}
