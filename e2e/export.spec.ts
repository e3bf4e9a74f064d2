import { expect, test, type Download } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { join } from 'node:path';
import { twoClassSet } from '../scripts/synthetic-images.mjs';
import {
  downloadFrom,
  graphState,
  maxDiff,
  openBuiltin,
  openEditorEachTest,
  readDownload,
  setTraining,
  testImage,
  tinyCnnWithNewHead,
  trainAndWait,
} from './fixtures';

const PER_CLASS = 20;
const SEED = 11;

test.describe('export', () => {
  openEditorEachTest();

  test('a trained Tiny CNN exports a zip that an outside TF.js client runs the same, and re-opens as it was', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const { dir, labels } = await tinyCnnWithNewHead(page, PER_CLASS, 64, SEED);
    const inspector = page.getByRole('region', { name: 'Inspector' });
    await inspector.getByLabel('Name', { exact: true }).fill('shapes_head');
    await inspector.getByLabel('Name', { exact: true }).press('Enter');
    await expect(page.getByTestId('rf__node-shapes_head')).toBeAttached();
    // The canvas has panned to the new head: conv1 is outside the viewport, so no pointer click.
    await page.getByRole('button', { name: 'Freeze conv1', exact: true }).dispatchEvent('click');
    await expect(page.getByRole('button', { name: 'Freeze conv1', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await setTraining(page, { epochs: 3, batchSize: 8, learningRate: 0.003 });
    await trainAndWait(page);
    // Output order as the page shows it: the confusion matrix's predicted-class columns.
    const outputOrder = (await page.locator('table.confusion thead th').allTextContents()).slice(1);
    expect([...outputOrder].sort()).toEqual([...labels].sort());
    const before = await graphState(page);
    expect(before).toMatchObject({ conv1: 'true', conv2: 'false', shapes_head: 'false' });
    expect(before).not.toHaveProperty('dense_2');

    // The image Test image classifies, and its raw pixels regenerated in Node (64×64: no resize).
    const set = twoClassSet(SEED, PER_CLASS, 64);
    const index = set.images.findIndex((img) => img.label === 0);
    const imageName = `img_${index}.png`;
    const shown = await testImage(page, join(dir, labels[0], imageName));

    const download = await downloadFrom(page, 'Export model');
    expect(download.suggestedFilename()).toBe('Tiny CNN.zip');
    const zipBytes = await readDownload(download);
    const files = unzipSync(new Uint8Array(zipBytes));
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'metadata.json', 'model.json', 'weights.bin']);
    const metadata = JSON.parse(strFromU8(files['metadata.json'])) as {
      labels: string[];
      inputShape: number[];
      resize: string;
      bakedPreprocessing: string;
      metrics: { epochs: number } | null;
    };
    expect(metadata.labels).toEqual(outputOrder);
    expect(metadata.inputShape).toEqual([64, 64, 3]);
    expect(['stretch', 'center-crop']).toContain(metadata.resize);
    expect(metadata.bakedPreprocessing).toBe('0..1');
    expect(metadata.metrics?.epochs).toBe(3);

    // An independent client: @tensorflow/tfjs in Node, fed RGB 0..255 as the contract says.
    await tf.setBackend('cpu');
    const json = JSON.parse(strFromU8(files['model.json'])) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: files['weights.bin'].slice().buffer,
      }),
    );
    expect(model.layers[1].getClassName()).toBe('Rescaling');
    const img = set.images[index];
    const x = tf.tensor4d(Float32Array.from(img.pixels), [1, img.height, img.width, 3]);
    const out = model.predict(x) as tf.Tensor;
    const probs = out.dataSync();
    const outside = new Map(metadata.labels.map((l, i) => [l, probs[i]] as const));
    tf.dispose([x, out]);
    model.dispose();
    console.log(`page: ${JSON.stringify([...shown])}, outside client: ${JSON.stringify([...outside])}`);
    expect(maxDiff(shown, outside)).toBeLessThanOrEqual(1e-5);

    // Re-open the export: the same graph (new head, freeze states) and the same predictions.
    await openBuiltin(page, 'MobileNet V2', 'feature_vector');
    await expect(page.getByTestId('rf__node-shapes_head')).toHaveCount(0);
    await page.getByRole('button', { name: 'Open model' }).click();
    await page.getByLabel('Model files').setInputFiles({
      name: download.suggestedFilename(),
      mimeType: 'application/zip',
      buffer: zipBytes,
    });
    await expect(page.getByTestId('rf__node-shapes_head')).toBeAttached();
    await expect(page.getByTestId('rf__node-retrain_rescaling')).toHaveCount(0);
    expect(await graphState(page)).toEqual(before);
    const again = await testImage(page, join(dir, labels[0], imageName));
    expect(maxDiff(shown, again)).toBeLessThanOrEqual(1e-5);
  });

  test('an untouched MobileNet V2 exports before any training, in both forms', async ({ page }) => {
    test.setTimeout(240_000);
    const format = page.getByLabel('Format');
    await expect(format).toHaveValue('tfjs');
    await format.selectOption({ label: 'Keras (.keras)' });
    // Keras export works before any training too (e2e/keras.spec.ts checks its contents).
    const keras = await downloadFrom(page, 'Export model');
    expect(keras.suggestedFilename()).toBe('MobileNet V2.keras');
    await format.selectOption({ label: 'TF.js (.zip)' });

    const download = await downloadFrom(page, 'Export model');
    expect(download.suggestedFilename()).toBe('MobileNet V2.zip');
    const files = unzipSync(new Uint8Array(await readDownload(download)));
    const metadata = JSON.parse(strFromU8(files['metadata.json'])) as {
      labels: string[];
      inputShape: number[];
      training: unknown;
    };
    expect(metadata.inputShape).toEqual([224, 224, 3]);
    expect(metadata.labels).toHaveLength(5);
    expect(metadata.training).toBeNull();
    const json = JSON.parse(strFromU8(files['model.json'])) as tf.io.ModelJSON & {
      retrain: { bakedRescaling?: string };
    };
    const specs = json.weightsManifest[0].weights;
    const bytes = specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    expect(files['weights.bin'].byteLength).toBe(bytes);
    expect(json.retrain.bakedRescaling).toBe('retrain_rescaling');

    const plain: Download[] = [];
    page.on('download', (d) => plain.push(d));
    await page.getByRole('button', { name: 'Download model.json + weights.bin', exact: true }).click();
    await expect.poll(() => plain.length, { timeout: 120_000 }).toBe(2);
    expect(plain.map((d) => d.suggestedFilename()).sort()).toEqual(['model.json', 'weights.bin']);
    const plainJson = await readDownload(plain.find((d) => d.suggestedFilename() === 'model.json')!);
    expect(JSON.parse(plainJson.toString('utf8')).weightsManifest[0].paths).toEqual(['weights.bin']);
  });
});
