import { describe, expect, it } from 'vitest';
import {
  classifyName,
  extensionOf,
  jpegOrientation,
  looksTruncated,
  readImageSize,
  sniffFormat,
} from './formats';

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const u32be = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const u16be = (n: number) => [(n >>> 8) & 255, n & 255];

/** A structurally valid PNG (CRCs are not checked by the code under test). */
function png(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: number[]) => [
    ...u32be(data.length),
    ...bytes(type),
    ...data,
    0,
    0,
    0,
    0,
  ];
  return bytes(
    [0x89],
    'PNG\r\n\x1a\n',
    chunk('IHDR', [...u32be(width), ...u32be(height), 8, 2, 0, 0, 0]),
    chunk('IDAT', [1, 2, 3, 4]),
    chunk('IEND', []),
  );
}

/** A JPEG's structure: SOI, optional EXIF orientation, SOF0, SOS, entropy data, EOI. */
function jpeg(opts: {
  width: number;
  height: number;
  orientation?: number;
  eoi?: boolean;
  littleEndian?: boolean;
}) {
  const parts: number[][] = [[0xff, 0xd8]];
  if (opts.orientation) {
    const le = opts.littleEndian;
    const w16 = (n: number) => (le ? [n & 255, n >>> 8] : u16be(n));
    const w32 = (n: number) => (le ? [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24] : u32be(n));
    const tiff = [
      ...bytes(le ? 'II' : 'MM'),
      ...w16(42),
      ...w32(8),
      ...w16(1),
      ...w16(0x0112),
      ...w16(3),
      ...w32(1),
      ...w16(opts.orientation),
      0,
      0,
      ...w32(0),
    ];
    const body = [...bytes('Exif\0\0'), ...tiff];
    parts.push([0xff, 0xe1, ...u16be(body.length + 2), ...body]);
  }
  parts.push([0xff, 0xc0, ...u16be(11), 8, ...u16be(opts.height), ...u16be(opts.width), 1, 1, 0x11, 0]);
  parts.push([0xff, 0xda, ...u16be(8), 1, 1, 0, 0, 0x3f, 0]);
  // Entropy data with a stuffed 0xFF00 and a restart marker, which do not end the scan.
  parts.push([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]);
  if (opts.eoi !== false) parts.push([0xff, 0xd9]);
  return new Uint8Array(parts.flat());
}

describe('classifyName', () => {
  it('accepts the decodable image extensions in any case', () => {
    for (const n of ['a.jpg', 'a.JPEG', 'x/y/b.png', 'c.gif', 'd.bmp', 'e.webp', 'f.jfif'])
      expect(classifyName(n)).toBe('image');
  });
  it('refuses HEIC, HEIF and TIFF (and other formats browsers cannot decode)', () => {
    for (const n of ['IMG_1.HEIC', 'a.heif', 'scan.tif', 'scan.tiff', 'raw.dng'])
      expect(classifyName(n)).toBe('unsupported');
  });
  it('ignores system files and hidden folders, lists other files', () => {
    expect(classifyName('.DS_Store')).toBe('ignored');
    expect(classifyName('roses/Thumbs.db')).toBe('ignored');
    expect(classifyName('__MACOSX/roses/._a.jpg')).toBe('ignored');
    expect(classifyName('.git/x.png')).toBe('ignored');
    expect(classifyName('notes.txt')).toBe('other');
    expect(classifyName('README')).toBe('other');
    expect(classifyName('flowers.zip')).toBe('zip');
  });
  it('reads extensions from the file name, not the folders', () => {
    expect(extensionOf('a.b/c')).toBe('');
    expect(extensionOf('x/photo.final.JPG')).toBe('jpg');
  });
});

describe('sniffFormat', () => {
  it('recognises formats by their bytes whatever the name', () => {
    expect(sniffFormat(png(2, 3))).toBe('png');
    expect(sniffFormat(jpeg({ width: 4, height: 5 }))).toBe('jpeg');
    expect(sniffFormat(bytes('GIF89a', [1, 0, 1, 0, 0, 0]))).toBe('gif');
    expect(sniffFormat(bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 '))).toBe('webp');
    expect(sniffFormat(bytes('BM', new Array(30).fill(0)))).toBe('bmp');
    expect(sniffFormat(bytes([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0]))).toBe('heic');
    expect(sniffFormat(bytes([0, 0, 0, 24], 'ftypmif1', [0, 0, 0, 0]))).toBe('heic');
    expect(sniffFormat(bytes([0, 0, 0, 24], 'ftypavif', [0, 0, 0, 0]))).toBe('avif');
    expect(sniffFormat(bytes('II*\0', new Array(12).fill(0)))).toBe('tiff');
  });
  it('gives null for text, empty and tiny files', () => {
    expect(sniffFormat(bytes('this is not an image at all'))).toBeNull();
    expect(sniffFormat(new Uint8Array(0))).toBeNull();
    expect(sniffFormat(bytes([0xff, 0xd8]))).toBeNull();
  });
});

describe('readImageSize and jpegOrientation', () => {
  it('reads PNG, JPEG, GIF and BMP headers', () => {
    expect(readImageSize(png(640, 480), 'png')).toEqual({ width: 640, height: 480 });
    expect(readImageSize(jpeg({ width: 6000, height: 4000 }), 'jpeg')).toEqual({ width: 6000, height: 4000 });
    expect(readImageSize(bytes('GIF89a', [0x40, 1, 0xf0, 0]), 'gif')).toEqual({ width: 320, height: 240 });
    const bmp = new Uint8Array(54);
    bmp.set(bytes('BM'));
    new DataView(bmp.buffer).setUint32(14, 40, true);
    new DataView(bmp.buffer).setInt32(18, 33, true);
    new DataView(bmp.buffer).setInt32(22, -17, true);
    expect(readImageSize(bmp, 'bmp')).toEqual({ width: 33, height: 17 });
  });
  it('reads the EXIF orientation in both byte orders, 1 when absent', () => {
    expect(jpegOrientation(jpeg({ width: 8, height: 4, orientation: 6 }))).toBe(6);
    expect(jpegOrientation(jpeg({ width: 8, height: 4, orientation: 8, littleEndian: true }))).toBe(8);
    expect(jpegOrientation(jpeg({ width: 8, height: 4 }))).toBe(1);
    expect(readImageSize(jpeg({ width: 8, height: 4, orientation: 6 }), 'jpeg')).toEqual({
      width: 8,
      height: 4,
    });
  });
});

describe('looksTruncated', () => {
  it('passes complete files', () => {
    expect(looksTruncated(png(2, 2), 'png')).toBe(false);
    expect(looksTruncated(jpeg({ width: 2, height: 2 }), 'jpeg')).toBe(false);
    expect(looksTruncated(jpeg({ width: 2, height: 2, orientation: 3 }), 'jpeg')).toBe(false);
  });
  it('catches a JPEG or PNG that stops early', () => {
    expect(looksTruncated(jpeg({ width: 2, height: 2, eoi: false }), 'jpeg')).toBe(true);
    const full = jpeg({ width: 2, height: 2 });
    expect(looksTruncated(full.subarray(0, 12), 'jpeg')).toBe(true);
    const p = png(2, 2);
    expect(looksTruncated(p.subarray(0, p.length - 12), 'png')).toBe(true);
  });
  it('walks the extra scans of a progressive JPEG', () => {
    const base = jpeg({ width: 2, height: 2, eoi: false });
    const second = [0xff, 0xc4, ...u16be(4), 0, 0, 0xff, 0xda, ...u16be(8), 1, 1, 0, 0, 0x3f, 0, 0x77, 0x88];
    const progressive = new Uint8Array([...base, ...second, 0xff, 0xd9]);
    expect(looksTruncated(progressive, 'jpeg')).toBe(false);
    expect(looksTruncated(new Uint8Array([...base, ...second]), 'jpeg')).toBe(true);
  });
});
