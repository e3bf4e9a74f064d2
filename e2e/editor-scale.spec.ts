import { expect, test, type Page } from '@playwright/test';
import { deepModel } from '../scripts/bench-models.mjs';
import { openEditorEachTest } from './fixtures';

// Large graphs mount only the nodes in the viewport (Canvas.tsx, VIRTUALIZE_ABOVE); a person
// reaches an off-screen layer with Find layer, which centres it.

async function openGenerated(page: Page, layers: number) {
  const deep = deepModel(layers);
  await page.getByRole('button', { name: 'Open model' }).click();
  await page.getByLabel('Model files').setInputFiles([
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(deep.json) },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: deep.bin },
  ]);
  await expect(page.locator('.canvas')).toHaveAttribute('data-node-count', String(deep.layerCount), {
    timeout: 60_000,
  });
}

test.describe('editor scale', () => {
  openEditorEachTest();

  test('a 1,000-layer model mounts only the viewport; Find layer brings a far layer into view', async ({
    page,
  }) => {
    await openGenerated(page, 1000);
    // The view opens on the output layer; the input, ~1,000 layers above, is not mounted.
    await expect(page.getByTestId('rf__node-head')).toBeInViewport();
    await expect(page.getByTestId('rf__node-input_1')).toHaveCount(0);
    const mounted = await page.locator('.react-flow__node').count();
    expect(mounted).toBeGreaterThan(0);
    expect(mounted).toBeLessThan(200);

    await page.getByLabel('Find layer').fill('dense_2');
    await page.getByLabel('Find layer').press('Enter');
    await expect(page.getByTestId('rf__node-dense_2')).toBeInViewport();
    await expect(page.getByRole('region', { name: 'Inspector' }).getByLabel('Name')).toHaveValue('dense_2');
    await expect(page.getByTestId('rf__node-head')).toHaveCount(0);
  });

  test('MobileNet V2 keeps every node mounted, off-screen ones too', async ({ page }) => {
    await expect(page.getByTestId('rf__node-dense')).toBeInViewport();
    await expect(page.getByTestId('rf__node-input_1')).toBeAttached();
    await expect(page.getByTestId('rf__node-input_1')).not.toBeInViewport();
  });
});
