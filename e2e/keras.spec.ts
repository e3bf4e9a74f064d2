import { expect, test, type Page } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import h5wasm from 'h5wasm';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  downloadFrom,
  graphState,
  makeTwoClassFolder,
  maxDiff,
  openBuiltin,
  openEditorEachTest,
  readDownload,
  setTraining,
  testImage,
  tinyCnnWithNewHead,
  trainAndWait,
} from './fixtures';

const PER_CLASS = 10;

async function openFile(page: Page, name: string, buffer: Buffer) {
  await page.getByRole('button', { name: 'Open model' }).click();
  await page.getByLabel('Model files').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
}

test.describe('Keras files', () => {
  openEditorEachTest();

  test('a trained Tiny CNN exported as .keras and .h5 re-opens with the same graph and predictions', async ({
    page,
  }) => {
    test.setTimeout(360_000);
    const { dir, labels } = await tinyCnnWithNewHead(page, PER_CLASS, 64, 5);
    await page.getByRole('button', { name: 'Freeze conv1', exact: true }).dispatchEvent('click');
    await expect(page.getByRole('button', { name: 'Freeze conv1', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await setTraining(page, { epochs: 2, batchSize: 8, learningRate: 0.003 });
    await trainAndWait(page);
    const before = await graphState(page);
    expect(before).toMatchObject({ conv1: 'true', conv2: 'false' });
    const image = join(dir, labels[0], readdirSync(join(dir, labels[0]))[0]);
    const shown = await testImage(page, image);

    const format = page.getByLabel('Format');
    for (const [label, ext] of [
      ['Keras (.keras)', '.keras'],
      ['Keras legacy (.h5)', '.h5'],
    ] as const) {
      await format.selectOption({ label });
      const download = await downloadFrom(page, 'Export model');
      expect(download.suggestedFilename()).toBe(`Tiny CNN${ext}`);
      const bytes = await readDownload(download);
      // A .keras is a zip (PK), a .h5 an HDF5 file (\x89HDF).
      expect(bytes.subarray(0, 4).toString('latin1')).toBe(ext === '.keras' ? 'PK\u0003\u0004' : '\u0089HDF');

      await openBuiltin(page, 'MobileNet V2', 'feature_vector');
      await openFile(page, download.suggestedFilename(), bytes);
      await expect(page.getByTestId('rf__node-conv1')).toBeAttached();
      await expect(page.getByTestId('rf__node-retrain_rescaling')).toHaveCount(0);
      expect(await graphState(page)).toEqual(before);
      const again = await testImage(page, image);
      console.log(`${ext}: before ${JSON.stringify([...shown])}, re-opened ${JSON.stringify([...again])}`);
      expect(maxDiff(shown, again)).toBeLessThanOrEqual(1e-5);
    }

    // The training package: the .keras model, train.py, settings, manifest; images when ticked.
    await page.getByLabel('Include images').check();
    const pkg = await downloadFrom(page, 'Export training package');
    expect(pkg.suggestedFilename()).toBe('Tiny CNN training package.zip');
    const files = unzipSync(new Uint8Array(await readDownload(pkg)));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'Tiny CNN.keras',
        'train.py',
        'settings.json',
        'dataset_manifest.json',
        'README.txt',
      ]),
    );
    expect(Object.keys(files).filter((f) => f.startsWith('images/'))).toHaveLength(2 * PER_CLASS);
    const py = strFromU8(files['train.py']);
    expect(py).toContain('\nEPOCHS = 2\n');
    expect(py).toContain('\nBATCH_SIZE = 8\n');
    expect(py).toContain('\nLEARNING_RATE = 0.003\n');
    // Output order, as settings.json records it: the same classes as the dataset's folders.
    const order = (JSON.parse(strFromU8(files['settings.json'])) as { labels: string[] }).labels;
    expect([...order].sort()).toEqual([...labels].sort());
    expect(py).toContain(`\nCLASS_NAMES = ${JSON.stringify(order).replace(/,/g, ', ')}\n`);
    const manifest = JSON.parse(strFromU8(files['dataset_manifest.json'])) as {
      classes: { name: string; files: string[] }[];
    };
    expect(manifest.classes.map((c) => c.files.length)).toEqual([PER_CLASS, PER_CLASS]);
  });

  test('an .h5 with an unsupported layer is refused with an alert and the graph stays', async ({ page }) => {
    const FS = (await h5wasm.ready).FS;
    const f = new h5wasm.File('/custom.h5', 'w');
    f.create_attribute(
      'model_config',
      JSON.stringify({
        class_name: 'Functional',
        config: {
          name: 'custom',
          layers: [
            {
              name: 'in',
              class_name: 'InputLayer',
              config: { name: 'in', batch_input_shape: [null, 4], dtype: 'float32' },
              inbound_nodes: [],
            },
            {
              name: 'warp',
              class_name: 'Lambda',
              config: { name: 'warp', function: 'lambda x: x' },
              inbound_nodes: [[['in', 0, 0, {}]]],
            },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['warp', 0, 0]],
        },
      }),
    );
    const mw = f.create_group('model_weights');
    mw.create_attribute('layer_names', ['in', 'warp']);
    for (const n of ['in', 'warp']) mw.create_group(n).create_attribute('weight_names', [], [0], 'S1');
    f.close();
    const bytes = Buffer.from(FS.readFile('/custom.h5'));
    FS.unlink('/custom.h5');

    const before = await graphState(page);
    await openFile(page, 'custom.h5', bytes);
    const alert = page.getByRole('alert').filter({ hasText: 'custom.h5' });
    await expect(alert).toContainText('"warp" (Lambda)');
    await expect(alert).toContainText('The current model is unchanged');
    expect(await graphState(page)).toEqual(before);

    // Dropped on the page: the same refusal, the same graph.
    await page
      .getByRole('button', { name: 'Dismiss' })
      .first()
      .click()
      .catch(() => undefined);
    const dataTransfer = await page.evaluateHandle((b64) => {
      const dt = new DataTransfer();
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([data], 'dropped_custom.h5'));
      return dt;
    }, bytes.toString('base64'));
    await page.dispatchEvent('body', 'drop', { dataTransfer });
    const dropped = page.getByRole('alert').filter({ hasText: 'dropped_custom.h5' });
    await expect(dropped).toContainText('"warp" (Lambda)');
    expect(await graphState(page)).toEqual(before);
  });

  test('a Keras Applications MobileNet V2 weights-only .h5 opens with a new head for the dataset', async ({
    page,
  }) => {
    test.setTimeout(180_000);
    const shared = join(
      process.cwd(),
      '..',
      'shared',
      'models',
      'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top',
    );
    test.skip(!existsSync(join(shared, 'model.json')), `skipped: ${shared} is not on this machine`);
    // The float weights of the shared model, written as keras.applications' save_weights lays them out.
    const json = JSON.parse(readFileSync(join(shared, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
    };
    const FS = (await h5wasm.ready).FS;
    const f = new h5wasm.File('/apps.h5', 'w');
    const byLayer = new Map<string, { name: string; shape: number[]; data: Float32Array }[]>();
    for (const group of json.weightsManifest) {
      const bin = readFileSync(join(shared, group.paths[0]));
      let at = 0;
      for (const w of group.weights) {
        const n = w.shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + n * 4));
        at += n * 4;
        const [layer, weight] = w.name.split('/');
        byLayer.set(layer, [...(byLayer.get(layer) ?? []), { name: weight, shape: w.shape, data }]);
      }
    }
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.2.4');
    f.create_attribute('layer_names', [...byLayer.keys()]);
    for (const [layer, weights] of byLayer) {
      const g = f.create_group(layer);
      g.create_attribute(
        'weight_names',
        weights.map((w) => `${layer}/${w.name}:0`),
      );
      const holder = g.create_group(layer);
      for (const w of weights)
        holder.create_dataset({ name: `${w.name}:0`, data: w.data, shape: w.shape, dtype: '<f' });
    }
    f.close();
    const bytes = Buffer.from(FS.readFile('/apps.h5'));
    FS.unlink('/apps.h5');

    const { dir, labels } = makeTwoClassFolder(4, 64, 9);
    await page.getByLabel('Add image folder').setInputFiles(dir);
    for (const l of labels) await expect(page.getByText(`${l}: 4 images`)).toBeVisible({ timeout: 60_000 });
    await openFile(page, 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5', bytes);
    await expect(page.getByTestId('rf__node-predictions')).toBeAttached();
    await expect(page.getByText('MobileNet V2 0.35 (Keras weights)').first()).toBeVisible();
    await expect(page.getByTestId('rf__node-feature_vector')).toHaveCount(0);
    const state = await graphState(page);
    expect(state).toMatchObject({
      Conv1: 'true',
      out_relu: 'true',
      global_average_pooling2d: 'false',
      predictions: 'false',
    });
    // The pretrained weights run: Test image gives one probability per dataset class.
    const image = join(dir, labels[1], readdirSync(join(dir, labels[1]))[0]);
    const probs = await testImage(page, image);
    expect([...probs.keys()].sort()).toEqual([...labels].sort());
    expect([...probs.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  });
});
