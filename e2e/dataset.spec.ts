import { expect, test, type Locator } from '@playwright/test';
import { zipSync } from 'fflate';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FLOWERS, hasFlowers, trackErrors } from './fixtures';

/** The parts of scripts/synthetic-images.mjs used here (plain ESM without type declarations). */
interface Synthetic {
  twoClassSet(
    seed: number,
    nPerClass: number,
    size?: number,
  ): { labels: string[]; images: { label: number; pixels: Uint8Array; width: number; height: number }[] };
  encodePNG(pixels: Uint8Array, width: number, height: number): Uint8Array;
}

const synthetic = (): Promise<Synthetic> =>
  import(pathToFileURL(resolve('scripts/synthetic-images.mjs')).href) as Promise<Synthetic>;

/** Writes `<tmp>/shapes/<class>/img_<i>.png` for the two-class set and returns the folder. */
async function makeClassFolders(perClass: number, seed: number): Promise<{ root: string; labels: string[] }> {
  const { twoClassSet, encodePNG } = await synthetic();
  const root = join(mkdtempSync(join(tmpdir(), 'retrain-dataset-')), 'shapes');
  const set = twoClassSet(seed, perClass);
  for (const label of set.labels) mkdirSync(join(root, label), { recursive: true });
  set.images.forEach((img, i) =>
    writeFileSync(
      join(root, set.labels[img.label], `img_${i}.png`),
      encodePNG(img.pixels, img.width, img.height),
    ),
  );
  return { root, labels: set.labels };
}

const countText = (dataset: Locator, name: string, n: number) =>
  dataset.getByText(`${name}: ${n} images`, { exact: true });

async function expectCounts(dataset: Locator, counts: Record<string, number>) {
  for (const [name, n] of Object.entries(counts)) await expect(countText(dataset, name, n)).toBeVisible();
}

test('a folder of class folders becomes the dataset, survives a reload, and classes can be edited', async ({
  page,
}) => {
  const errors = trackErrors(page);
  const { root } = await makeClassFolders(12, 1);
  await page.goto('/');
  const dataset = page.getByRole('region', { name: 'Dataset' });

  await dataset.getByLabel('Add image folder').setInputFiles(root);
  await expectCounts(dataset, { red_blobs: 12, blue_stripes: 12 });
  await expect(dataset.getByRole('img', { name: 'img_0.png' })).toBeVisible();
  await expect(dataset.getByRole('progressbar', { name: 'Image intake' })).toHaveCount(0);

  // Unreadable files are listed by name; notes.txt is not an image; the counts do not move.
  const bad = join(mkdtempSync(join(tmpdir(), 'retrain-bad-')), 'more');
  mkdirSync(join(bad, 'red_blobs'), { recursive: true });
  writeFileSync(join(bad, 'red_blobs', 'broken.jpg'), '');
  writeFileSync(join(bad, 'red_blobs', 'notes.txt'), 'collected on Tuesday');
  writeFileSync(join(bad, 'red_blobs', 'fake.png'), 'this is text, not a PNG');
  await dataset.getByLabel('Add image folder').setInputFiles(bad);
  const problem = page.getByRole('alert').filter({ hasText: 'broken.jpg' });
  await expect(problem).toContainText('fake.png');
  await expect(problem).toContainText('save them again as JPEG or PNG');
  await expectCounts(dataset, { red_blobs: 12, blue_stripes: 12 });

  // The same folder again: every image is a duplicate of one already in its class.
  await dataset.getByLabel('Add image folder').setInputFiles(root);
  await expect(page.getByRole('status').filter({ hasText: 'already in their class' })).toBeVisible();
  await expectCounts(dataset, { red_blobs: 12, blue_stripes: 12 });

  // IndexedDB keeps the dataset across a reload.
  await page.reload();
  await expectCounts(dataset, { red_blobs: 12, blue_stripes: 12 });
  await expect(dataset.getByRole('img', { name: 'img_12.png' })).toBeVisible();

  // "Add images" adds to the selected class.
  const { root: other } = await makeClassFolders(1, 99);
  await dataset.getByRole('button', { name: 'Select class blue_stripes' }).click();
  await expect(dataset.getByRole('button', { name: 'Select class blue_stripes' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await dataset.getByLabel('Add images').setInputFiles(join(other, 'red_blobs', 'img_0.png'));
  await expectCounts(dataset, { red_blobs: 12, blue_stripes: 13 });

  // Rename: a duplicate name is refused with an alert, a new one is taken.
  await dataset.getByRole('button', { name: 'Rename class red_blobs' }).click();
  await dataset.getByLabel('New name for red_blobs').fill('blue_stripes');
  await dataset.getByLabel('New name for red_blobs').press('Enter');
  await expect(
    page.getByRole('alert').filter({ hasText: 'already a class named "blue_stripes"' }),
  ).toBeVisible();
  await dataset.getByLabel('New name for red_blobs').fill('warm <b>blobs</b> 🌼');
  await dataset.getByLabel('New name for red_blobs').press('Enter');
  await expectCounts(dataset, { 'warm <b>blobs</b> 🌼': 12 });
  await expect(countText(dataset, 'red_blobs', 12)).toHaveCount(0);

  // Delete, and the edits are still there after a reload.
  await dataset.getByRole('button', { name: 'Delete class blue_stripes' }).click();
  await expect(countText(dataset, 'blue_stripes', 13)).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Restore class blue_stripes' })).toBeVisible();
  await page.reload();
  await expectCounts(dataset, { 'warm <b>blobs</b> 🌼': 12 });
  await expect(dataset.getByText(/blue_stripes: \d+ images/)).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('images dropped on the page go to the selected class; images can be moved and removed', async ({
  page,
}) => {
  const errors = trackErrors(page);
  await page.goto('/');
  const dataset = page.getByRole('region', { name: 'Dataset' });
  await dataset.getByRole('button', { name: 'New class' }).click();
  await expectCounts(dataset, { class_1: 0 });
  await dataset.getByRole('button', { name: 'New class' }).click();
  await expect(dataset.getByRole('button', { name: 'Select class class_2' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );

  // A drop of three drawn images (one with transparency) and a text file, anywhere on the page.
  await page.evaluate(async () => {
    const dt = new DataTransfer();
    for (const [i, color] of ['#c33', '#3c3', 'transparent'].entries()) {
      const canvas = new OffscreenCanvas(900, 600);
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = color;
      ctx.fillRect(0, 0, 900, 600 - i * 100);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      dt.items.add(new File([blob], `drawn_${i}.png`, { type: 'image/png' }));
    }
    dt.items.add(new File(['just words'], 'readme.txt', { type: 'text/plain' }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expectCounts(dataset, { class_1: 0, class_2: 3 });
  await expect(page.getByRole('status').filter({ hasText: 'readme.txt' })).toBeVisible();

  await dataset.getByLabel('Move drawn_1.png to class').selectOption('class_1');
  await expectCounts(dataset, { class_1: 1, class_2: 2 });
  await dataset.getByRole('button', { name: 'Remove drawn_0.png' }).click();
  await expectCounts(dataset, { class_1: 1, class_2: 1 });
  await dataset.getByLabel('Merge class_1 into…').selectOption('class_2');
  await expectCounts(dataset, { class_2: 2 });
  await expect(dataset.getByText(/^class_1: /)).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a .zip of class folders is read like a folder; a zip bomb is refused', async ({ page }) => {
  const errors = trackErrors(page);
  const { twoClassSet, encodePNG } = await synthetic();
  const set = twoClassSet(3, 5);
  const files: Record<string, Uint8Array> = {};
  set.images.forEach((img, i) => {
    files[`shapes/${set.labels[img.label]}/img_${i}.png`] = encodePNG(img.pixels, img.width, img.height);
  });
  files['shapes/red_blobs/scan.tiff'] = new Uint8Array(16);
  const dir = mkdtempSync(join(tmpdir(), 'retrain-zip-'));
  writeFileSync(join(dir, 'shapes.zip'), zipSync(files));
  writeFileSync(
    join(dir, 'bomb.zip'),
    zipSync({ 'a/huge.png': new Uint8Array(64 * 1024 * 1024) }, { level: 9 }),
  );

  await page.goto('/');
  const dataset = page.getByRole('region', { name: 'Dataset' });
  await dataset.getByLabel('Add images').setInputFiles(join(dir, 'shapes.zip'));
  await expectCounts(dataset, { red_blobs: 5, blue_stripes: 5 });
  await expect(
    page.getByRole('alert').filter({ hasText: 'shapes.zip/shapes/red_blobs/scan.tiff' }),
  ).toContainText('unsupported format: convert to JPEG or PNG');

  await dataset.getByLabel('Add images').setInputFiles(join(dir, 'bomb.zip'));
  await expect(page.getByRole('alert').filter({ hasText: 'bomb.zip was not opened' })).toContainText(
    'zip bomb',
  );
  await expectCounts(dataset, { red_blobs: 5, blue_stripes: 5 });
  await expect(dataset.getByText(/^class_1: /)).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a JPEG that needs no downscaling is stored byte for byte (no second compression)', async ({ page }) => {
  test.skip(!hasFlowers, `../shared/datasets/flowers-dt is absent (looked in ${FLOWERS})`);
  const dir = join(FLOWERS, 'train', 'tulips');
  const name = readdirSync(dir).filter((f) => f.endsWith('.jpg'))[0];
  const file = join(dir, name);
  const folder = join(mkdtempSync(join(tmpdir(), 'retrain-jpeg-')), 'tulips');
  mkdirSync(folder);
  writeFileSync(join(folder, name), readFileSync(file));
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await page.getByLabel('Add image folder').setInputFiles(folder);
  await expect(page.getByText(/^tulips: 1 images?$/)).toBeVisible({ timeout: 60_000 });
  const stored = await page.evaluate(
    () =>
      new Promise<number[][]>((resolve, reject) => {
        const open = indexedDB.open('retrain-dataset');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('dataset', 'readonly');
          const all = tx.objectStore('dataset').getAll();
          all.onsuccess = async () => {
            const blobs = (all.result as unknown[]).filter((v): v is Blob => v instanceof Blob);
            resolve(await Promise.all(blobs.map(async (b) => [...new Uint8Array(await b.arrayBuffer())])));
          };
        };
      }),
  );
  const original = [...readFileSync(file)];
  expect(
    stored.some((bytes) => bytes.length === original.length && bytes.every((v, i) => v === original[i])),
  ).toBe(true);
});
