import { expect, test, type Page } from '@playwright/test';
import { openEditorEachTest } from './fixtures';
import { zipSync, strToU8 } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const tinyDir = join(process.cwd(), 'public/models/tiny_cnn');
const tinyJson = readFileSync(join(tinyDir, 'model.json'), 'utf8');
const tinyBin = readFileSync(join(tinyDir, 'weights.bin'));

async function openFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  await page.getByRole('button', { name: 'Open model' }).click();
  await page.getByLabel('Model files').setInputFiles(files);
}

const json = (name: string, text: string) => ({
  name,
  mimeType: 'application/json',
  buffer: Buffer.from(text),
});
const bin = (name: string, data: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer: data });

test.describe('bring your own model', () => {
  openEditorEachTest();

  test('opens model.json with its shard', async ({ page }) => {
    await openFiles(page, [json('model.json', tinyJson), bin('weights.bin', tinyBin)]);
    await expect(page.getByTestId('rf__node-conv1')).toBeAttached();
    await expect(page.getByTestId('rf__node-feature_vector')).toHaveCount(0);
  });

  test('opens a .zip of the model files', async ({ page }) => {
    const zip = zipSync({
      'tiny/model.json': strToU8(tinyJson),
      'tiny/weights.bin': new Uint8Array(tinyBin),
    });
    await openFiles(page, [
      { name: 'tiny_model.zip', mimeType: 'application/zip', buffer: Buffer.from(zip) },
    ]);
    await expect(page.getByTestId('rf__node-conv1')).toBeAttached();
  });

  const bad: [string, () => { name: string; mimeType: string; buffer: Buffer }[], RegExp][] = [
    ['not JSON', () => [json('model.json', 'this is not json {')], /model\.json is not valid JSON/],
    [
      'a graph model',
      () => [json('model.json', JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }))],
      /graph model/,
    ],
    [
      'an unknown layer class',
      () => {
        const m = JSON.parse(tinyJson);
        m.modelTopology.config.layers[2].class_name = 'Lambda';
        return [json('model.json', JSON.stringify(m)), bin('weights.bin', tinyBin)];
      },
      /Lambda/,
    ],
    ['a missing shard', () => [json('model.json', tinyJson)], /weights\.bin.*missing/],
    [
      'a shard of the wrong size',
      () => [json('model.json', tinyJson), bin('weights.bin', tinyBin.subarray(0, 1000))],
      /bytes/,
    ],
    [
      'a zip without model.json',
      () => [
        {
          name: 'x.zip',
          mimeType: 'application/zip',
          buffer: Buffer.from(zipSync({ 'a.txt': strToU8('hi') })),
        },
      ],
      /no model\.json/,
    ],
  ];
  for (const [what, files, message] of bad) {
    test(`refuses ${what} with an alert and keeps the graph`, async ({ page }) => {
      const before = await page.getByText(/^Trainable params: \d+$/).textContent();
      await openFiles(page, files());
      await expect(page.getByRole('alert').filter({ hasText: message })).toBeVisible();
      await expect(page.getByTestId('rf__node-feature_vector')).toBeAttached();
      expect(await page.getByText(/^Trainable params: \d+$/).textContent()).toBe(before);
    });
  }
});
