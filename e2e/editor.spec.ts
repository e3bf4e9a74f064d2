import { expect, test, type Page } from '@playwright/test';

/** Reads a status-line count ("Trainable params: N") as a number. */
async function count(page: Page, label: 'Trainable params' | 'Frozen params'): Promise<number> {
  const text = await page.getByText(new RegExp(`^${label}: \\d+$`)).textContent();
  return Number(text!.split(':')[1]);
}

test('MobileNet V2 is on the canvas and the three fine-tuning steps work with undo', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await expect(page.getByTestId('rf__node-expanded_conv_5_add')).toBeAttached();
  // The README's screenshot comes from this run.
  await page.screenshot({ path: 'docs/editor.png' });

  const trainable0 = await count(page, 'Trainable params');
  const frozen0 = await count(page, 'Frozen params');
  expect(trainable0).toBeGreaterThan(0);

  // 1. remove the output layer (1792 → 5 Dense: 8965 weights)
  await page.getByTestId('rf__node-dense').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('rf__node-dense')).toHaveCount(0);
  const removed = 1792 * 5 + 5;
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0 - removed);

  // 2. a new output layer after the pooled features, with 2 units (1792 → 2: 3586 weights)
  await page.getByTestId('rf__node-feature_vector').click();
  await page
    .getByRole('region', { name: 'Layers palette' })
    .getByRole('button', { name: 'Dense', exact: true })
    .click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await inspector.getByLabel('Units').fill('2');
  const added = 1792 * 2 + 2;
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0 - removed + added);
  await expect(page.getByTestId('rf__node-dense_1')).toBeAttached();

  // 3. unfreeze Conv_1, the base's last convolution (the built-in opens with its base frozen):
  //    its 448×1792 kernel and 1792 biases move from frozen to trainable
  // Conv_1 sits above the view that follows the new layer: find it first, as a person scrolls.
  await expect(page.getByTestId('rf__node-dense_1')).toBeInViewport();
  await page.getByLabel('Find layer').fill('Conv_1');
  await page.getByLabel('Find layer').press('Enter');
  await expect(page.getByRole('region', { name: 'Inspector' }).getByLabel('Name')).toHaveValue('Conv_1');
  const lock = page.getByRole('button', { name: 'Freeze Conv_1', exact: true });
  await expect(lock).toBeInViewport({ ratio: 1 });
  await expect(lock).toHaveAttribute('aria-pressed', 'true');
  // By keyboard: the view may still be gliding to Conv_1, and a pointer press and release that
  // land on different points make no click.
  await lock.press('Enter');
  await expect(lock).toHaveAttribute('aria-pressed', 'false');
  const moved = 448 * 1792 + 1792;
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0 - removed + added + moved);
  expect(await count(page, 'Frozen params')).toBe(frozen0 - moved);

  // Undo four times restores the original graph and counts.
  const undo = page.getByRole('button', { name: 'Undo', exact: true });
  for (let i = 0; i < 4; i++) await undo.click();
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0);
  expect(await count(page, 'Frozen params')).toBe(frozen0);
  await expect(page.getByTestId('rf__node-dense')).toBeAttached();
  await expect(page.getByTestId('rf__node-dense_1')).toHaveCount(0);
  await expect(undo).toBeDisabled();
  expect(errors).toEqual([]);
});
