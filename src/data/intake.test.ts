import { describe, expect, it } from 'vitest';
import {
  classesForZipPaths,
  classForFolderPath,
  classNameProblem,
  emptyReport,
  entriesFromFolderFiles,
  entriesFromLooseFiles,
  intakeMessage,
  nextClassName,
} from './intake';

/** A File as a directory picker gives it: with its path relative to the chosen folder's parent. */
function pickedFile(relativePath: string): File {
  const file = new File(['x'], relativePath.split('/').pop()!);
  Object.defineProperty(file, 'webkitRelativePath', { value: relativePath });
  return file;
}

describe('grouping a chosen folder into classes', () => {
  it('makes each subfolder a class', () => {
    expect(classForFolderPath('flowers/roses/a.jpg')).toBe('roses');
    expect(classForFolderPath('flowers/tulips/b.png')).toBe('tulips');
  });
  it('puts images directly in the folder into a class named after the folder', () => {
    expect(classForFolderPath('dandelion/img1.jpg')).toBe('dandelion');
  });
  it('uses the first-level subfolder for images nested deeper', () => {
    expect(classForFolderPath('flowers/roses/closeups/2024/a.jpg')).toBe('roses');
  });
  it('gives no class to a path without a folder, and ignores stray separators', () => {
    expect(classForFolderPath('a.jpg')).toBeNull();
    expect(classForFolderPath('/flowers//roses/./a.jpg')).toBe('roses');
    expect(classForFolderPath('flowers\\roses\\a.jpg')).toBe('roses');
  });
  it('builds entries from the files of a directory picker', () => {
    const entries = entriesFromFolderFiles([
      pickedFile('flowers/roses/a.jpg'),
      pickedFile('flowers/tulips/deep/b.jpg'),
      pickedFile('flowers/c.jpg'),
    ]);
    expect(entries.map((e) => [e.className, e.path])).toEqual([
      ['roses', 'flowers/roses/a.jpg'],
      ['tulips', 'flowers/tulips/deep/b.jpg'],
      ['flowers', 'flowers/c.jpg'],
    ]);
  });
  it('leaves loose files without a class (they go to the selected one)', () => {
    const [entry] = entriesFromLooseFiles([new File(['x'], 'a.png')]);
    expect(entry).toMatchObject({ className: null, path: 'a.png' });
  });
});

describe('grouping a zip into classes', () => {
  it('reads top-level folders as classes and loose files as a class named after the zip', () => {
    expect(classesForZipPaths(['roses/a.jpg', 'tulips/b.jpg', 'c.jpg'], 'flowers.zip')).toEqual([
      'roses',
      'tulips',
      'flowers',
    ]);
  });
  it('sees through the single folder a zipped folder is wrapped in', () => {
    expect(
      classesForZipPaths(['flowers/roses/a.jpg', 'flowers/tulips/x/b.jpg', 'flowers/c.jpg'], 'archive.zip'),
    ).toEqual(['roses', 'tulips', 'flowers']);
    expect(classesForZipPaths(['dandelion/a.jpg', 'dandelion/b.jpg'], 'd.zip')).toEqual([
      'dandelion',
      'dandelion',
    ]);
  });
});

describe('class names', () => {
  it('finds the first free class_N name', () => {
    expect(nextClassName([])).toBe('class_1');
    expect(nextClassName(['class_1', 'class_3'])).toBe('class_2');
  });
  it('refuses empty and duplicate names but allows keeping the current one', () => {
    expect(classNameProblem('  ', ['a'])).toMatch(/cannot be empty/);
    expect(classNameProblem('a', ['a', 'b'], 'b')).toMatch(/already a class named "a"/);
    expect(classNameProblem('b', ['a', 'b'], 'b')).toBeNull();
    expect(classNameProblem('<img src=x onerror=alert(1)> 🌼 שלום', ['a'])).toBeNull();
  });
});

describe('intakeMessage', () => {
  it('is silent when everything went in', () => {
    expect(intakeMessage({ ...emptyReport(), added: 3 })).toBeNull();
  });
  it('names unreadable and unsupported files and says what to do, as a warning', () => {
    const m = intakeMessage({
      ...emptyReport(),
      unreadable: ['broken.jpg', 'fake.png'],
      unsupported: ['IMG_1.HEIC'],
    });
    expect(m?.kind).toBe('warning');
    expect(m?.text).toContain('broken.jpg, fake.png');
    expect(m?.text).toContain('IMG_1.HEIC');
    expect(m?.text).toContain('unsupported format: convert to JPEG or PNG');
  });
  it('only informs about duplicates and non-images', () => {
    const m = intakeMessage({ ...emptyReport(), duplicates: ['a.jpg'], notImages: ['notes.txt'] });
    expect(m?.kind).toBe('info');
    expect(m?.text).toMatch(/1 file already in their class.*a\.jpg.*notes\.txt/);
  });
  it('shortens long lists', () => {
    const names = Array.from({ length: 40 }, (_, i) => `f${i}.jpg`);
    const m = intakeMessage({ ...emptyReport(), unreadable: names });
    expect(m?.text).toContain('f14.jpg …and 25 more');
    expect(m?.text).not.toContain('f15.jpg');
  });
  it('asks for huge images to be scaled down', () => {
    const m = intakeMessage({ ...emptyReport(), tooLarge: ['pano.jpg (40000×9000 pixels)'] });
    expect(m).toMatchObject({ kind: 'warning', text: expect.stringMatching(/pano\.jpg.*Scale them down/) });
  });
  it('says storage is full and that saved images are kept', () => {
    expect(intakeMessage({ ...emptyReport(), notSaved: 7 })?.text).toMatch(/Storage is full: 7 files.*kept/);
  });
});
