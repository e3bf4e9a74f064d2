import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { classesForZipPaths } from './intake';
import { DEFAULT_ZIP_LIMITS, unzipDataset, ZipRefusedError, zipSizeProblem } from './zipIntake';

const img = (seed: number) => new Uint8Array(200).map((_, i) => (i * 31 + seed * 7) & 255);

describe('unzipDataset', () => {
  it('extracts the images of class folders and lists the rest', () => {
    const zip = zipSync({
      'roses/a.jpg': img(1),
      'roses/b.png': img(2),
      'tulips/deep/c.jpg': img(3),
      'loose.webp': img(4),
      'roses/notes.txt': strToU8('hello'),
      'tulips/IMG_9.HEIC': img(5),
      '__MACOSX/roses/._a.jpg': img(6),
      'tulips/.DS_Store': img(7),
    });
    const { files, skipped } = unzipDataset(zip, 'flowers.zip');
    const paths = files.map((f) => f.path).sort();
    expect(paths).toEqual(['loose.webp', 'roses/a.jpg', 'roses/b.png', 'tulips/deep/c.jpg']);
    expect(files.find((f) => f.path === 'roses/a.jpg')?.data).toEqual(img(1));
    expect(skipped).toEqual(
      expect.arrayContaining([
        { path: 'roses/notes.txt', kind: 'other' },
        { path: 'tulips/IMG_9.HEIC', kind: 'unsupported' },
      ]),
    );
    expect(skipped).toHaveLength(2);
    expect(classesForZipPaths(paths, 'flowers.zip')).toEqual(['flowers', 'roses', 'roses', 'tulips']);
  });

  it('refuses a zip that would inflate far beyond its size (zip bomb)', () => {
    // 8 MB of zeros deflate to a few kilobytes: a ratio no real image has.
    const zip = zipSync({ 'a/bomb.png': new Uint8Array(8 * 1024 * 1024) }, { level: 9 });
    expect(zip.length).toBeLessThan(100_000);
    expect(() => unzipDataset(zip, 'evil.zip')).toThrow(ZipRefusedError);
    expect(() => unzipDataset(zip, 'evil.zip')).toThrow(/evil\.zip was not opened: .*zip bomb/);
  });

  it('refuses a zip whose total unpacked size or entry count is over the limits', () => {
    const zip = zipSync({ 'a/1.jpg': img(1), 'a/2.jpg': img(2), 'a/3.jpg': img(3) }, { level: 0 });
    expect(() => unzipDataset(zip, 'big.zip', { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 500 })).toThrow(
      /unpack to/,
    );
    expect(() => unzipDataset(zip, 'many.zip', { ...DEFAULT_ZIP_LIMITS, maxEntries: 2 })).toThrow(
      /holds 3 images/,
    );
    expect(unzipDataset(zip, 'ok.zip', { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: 600 }).files).toHaveLength(3);
  });

  it('refuses a zip file too large to read, before reading it', () => {
    expect(zipSizeProblem('huge.zip', 5 * 1024 ** 3)).toMatch(/huge\.zip is 5120 MB/);
    expect(zipSizeProblem('small.zip', 1000)).toBeNull();
  });

  it('cannot be made to allocate more than declared by lying about sizes', () => {
    const zip = zipSync({ 'a/x.png': new Uint8Array(64 * 1024).fill(1) });
    // Rewrite the declared uncompressed size (central directory) to 100 bytes.
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    for (let i = zip.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x02014b50) {
        view.setUint32(i + 24, 100, true);
        break;
      }
    }
    const { files } = unzipDataset(zip, 'liar.zip');
    expect(files[0].data.length).toBeLessThanOrEqual(100);
  });

  it('explains a file that is not a zip', () => {
    expect(() => unzipDataset(strToU8('not a zip at all, just text'), 'fake.zip')).toThrow(
      /fake\.zip could not be opened as a zip/,
    );
  });
});
