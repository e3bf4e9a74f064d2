import { expect, test } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { strFromU8, unzipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  downloadFrom,
  FLOWERS,
  hasFlowers,
  longTasks,
  makeTwoClassFolder,
  openEditorEachTest,
  readDownload,
  replaceHead,
  setTraining,
  tinyCnnWithNewHead,
  trainAndWait,
  waitForText,
  watchLongTasks,
} from './fixtures';

test.describe('training in the worker', () => {
  openEditorEachTest();

  test('Tiny CNN reaches validation accuracy ≥ 0.9 on a generated two-class set, with UI under 50 ms per task', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    // Train the whole network (nothing frozen) with a new two-class head.
    const { dir, labels } = await tinyCnnWithNewHead(page, 40);
    await setTraining(page, { epochs: 15, batchSize: 16, learningRate: 0.003 });
    // Long tasks are counted from the press on Train to the end of the run: reading the images,
    // starting the worker, every epoch and the results.
    const panel = page.getByRole('region', { name: 'Training' });
    await watchLongTasks(page);
    await panel.getByRole('button', { name: 'Train', exact: true }).click();
    // Checked once a second: Playwright's locator polling would be measured too.
    await waitForText(page, 'Training finished', 300_000);
    await expect(panel.getByText('Training finished')).toBeVisible();
    const acc = Number(await page.getByTestId('val-accuracy').textContent());
    console.log(`Tiny CNN val accuracy: ${acc}`);
    expect(acc).toBeGreaterThanOrEqual(0.9);
    await expect(page.getByText(/^Epoch 15\/15$/)).toBeVisible();
    const { tasks, frames } = await longTasks(page);
    const longest = Math.max(0, ...tasks.map(([, d]) => d));
    console.log(`longest main-thread task during training: ${longest.toFixed(0)} ms`);
    if (frames.length) console.log(`frames over 50 ms:\n${frames.join('\n')}`);
    expect(longest).toBeLessThan(50);
    // The model classifies a new image.
    await page.getByLabel('Test image').setInputFiles(join(dir, labels[0], 'img_0.png'));
    await expect(page.getByLabel('Predictions').getByText(labels[0])).toBeVisible();
  });

  test('Stop ends a run and keeps the weights', async ({ page }) => {
    await tinyCnnWithNewHead(page, 20);
    await setTraining(page, { epochs: 500, batchSize: 4 });
    const panel = page.getByRole('region', { name: 'Training' });
    await panel.getByRole('button', { name: 'Train', exact: true }).click();
    await expect(page.getByText(/^Epoch [1-9]\d*\/500$/)).toBeVisible({ timeout: 60_000 });
    // Edits wait while a run trains a snapshot of the graph.
    await page.getByTestId('rf__node-dense_1').click();
    await page.keyboard.press('Delete');
    await expect(page.getByRole('alert').filter({ hasText: /training is running/ })).toBeVisible();
    await expect(page.getByTestId('rf__node-dense_1')).toBeAttached();
    await expect(page.getByRole('button', { name: 'Undo', exact: true })).toBeDisabled();
    await panel.getByRole('button', { name: 'Stop' }).click();
    await panel
      .getByRole('button', { name: 'Stop' })
      .click({ force: true })
      .catch(() => undefined);
    await expect(panel.getByText('Training stopped')).toBeVisible({ timeout: 60_000 });
  });

  for (const backend of ['webgl', 'webgpu']) {
    test(`a tiny training run works on ${backend}`, async ({ page }) => {
      await tinyCnnWithNewHead(page, 8);
      await setTraining(page, { epochs: 2, batchSize: 8, backend });
      await trainAndWait(page, 180_000);
      await expect(page.getByTestId('backend-in-use')).toContainText(backend);
    });
  }

  test('MobileNet V2 with a new head trains on WASM', async ({ page }) => {
    test.setTimeout(300_000);
    const { dir } = makeTwoClassFolder(10, 96);
    await page.getByLabel('Add image folder').setInputFiles(dir);
    await expect(page.getByText('red_blobs: 10 images')).toBeVisible({ timeout: 60_000 });
    await replaceHead(page, 'dense', 'feature_vector', 2);
    // The built-in opens with its base frozen: only the new head trains.
    await expect(page.getByRole('button', { name: 'Freeze feature_vector', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await setTraining(page, { epochs: 3, backend: 'wasm' });
    await trainAndWait(page, 240_000);
    await expect(page.getByTestId('backend-in-use')).toContainText('wasm');
  });

  test('flowers-dt: MobileNet V2 with a new head reaches ≥ 0.75 on the val split', async ({ page }) => {
    test.skip(!hasFlowers, `../shared/datasets/flowers-dt is absent (looked in ${FLOWERS})`);
    test.setTimeout(600_000);
    await page.getByLabel('Add image folder').setInputFiles(join(FLOWERS, 'train'));
    await expect(page.getByText('dandelion: 80 images')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByText('tulips: 80 images')).toBeVisible({ timeout: 120_000 });
    // The default built-in: its output layer replaced by a new one for the two classes.
    await replaceHead(page, 'dense', 'feature_vector', 2);
    await trainAndWait(page, 480_000);
    // Score the trained model on the held-out val split through Test image, as a user would.
    const val = ['dandelion', 'tulips'].flatMap((cls) =>
      readdirSync(join(FLOWERS, 'val', cls)).map((f) => ({ cls, path: join(FLOWERS, 'val', cls, f), f })),
    );
    const shown: string[] = [];
    for (const { path, f } of val) {
      await page.getByLabel('Test image').setInputFiles(path);
      const top = page.getByLabel('Predictions').locator('li').first().locator('.pred-label');
      await expect(page.getByLabel('Predictions').getByRole('img')).toHaveAttribute('alt', f);
      shown.push((await top.textContent()) ?? '');
    }
    const acc = val.filter((v, i) => shown[i] === v.cls).length / val.length;
    console.log(
      `flowers-dt val accuracy (MobileNet V2, new head, default settings): ${acc.toFixed(3)} on ${val.length} images`,
    );
    expect(acc).toBeGreaterThanOrEqual(0.75);

    // An independent evaluation of the export: TF.js in Node runs the downloaded model on the
    // same photos, decoded by jpeg-js and resized bilinearly, fed RGB 0..255 as the export says.
    const files = unzipSync(new Uint8Array(await readDownload(await downloadFrom(page, 'Export model'))));
    const metadata = JSON.parse(strFromU8(files['metadata.json'])) as {
      labels: string[];
      inputShape: number[];
    };
    const json = JSON.parse(strFromU8(files['model.json'])) as tf.io.ModelJSON;
    if (!(await tf.setBackend('wasm'))) await tf.setBackend('cpu');
    const exported = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: files['weights.bin'].slice().buffer,
      }),
    );
    const [h, w] = metadata.inputShape;
    const outside = val.map(({ path }) => {
      const img = jpeg.decode(readFileSync(path), { useTArray: true, formatAsRGBA: true });
      const probs = tf.tidy(() => {
        const rgba = tf.tensor3d(img.data, [img.height, img.width, 4], 'int32');
        const rgb = tf.slice(rgba, [0, 0, 0], [-1, -1, 3]).toFloat();
        const x = tf.image.resizeBilinear(rgb, [h, w], false, true).expandDims(0);
        return (exported.predict(x) as tf.Tensor).dataSync();
      });
      return metadata.labels[probs.indexOf(Math.max(...probs))];
    });
    exported.dispose();
    const outsideAcc = val.filter((v, i) => outside[i] === v.cls).length / val.length;
    const agree = outside.filter((l, i) => l === shown[i]).length / val.length;
    console.log(
      `exported model in Node (jpeg-js decode): val accuracy ${outsideAcc.toFixed(3)}; same top class as the page on ${(agree * 100).toFixed(0)}% of the photos`,
    );
    expect(outsideAcc).toBeGreaterThanOrEqual(0.75);
    expect(Math.abs(outsideAcc - acc)).toBeLessThanOrEqual(0.05);
    expect(agree).toBeGreaterThanOrEqual(0.9);
  });
});
