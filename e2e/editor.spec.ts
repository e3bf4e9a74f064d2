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
  await expect(page.getByTestId('rf__node-dense_3')).toBeVisible();
  await expect(page.getByTestId('rf__node-block_5_add')).toBeAttached();
  // The README's screenshot comes from this run.
  await page.screenshot({ path: 'docs/editor.png' });

  const trainable0 = await count(page, 'Trainable params');
  const frozen0 = await count(page, 'Frozen params');
  expect(trainable0).toBeGreaterThan(0);

  // 1. remove the output layer (128 → 5 Dense: 645 weights)
  await page.getByTestId('rf__node-dense_3').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('rf__node-dense_3')).toHaveCount(0);
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0 - (128 * 5 + 5));

  // 2. a new output layer after dropout_3, with 2 units (128 → 2: 258 weights)
  await page.getByTestId('rf__node-dropout_3').click();
  await page
    .getByRole('region', { name: 'Layers palette' })
    .getByRole('button', { name: 'Dense', exact: true })
    .click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await inspector.getByLabel('Units').fill('2');
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0 - 645 + 258);

  // 3. unfreeze dense_1 (the built-in opens with its hidden head frozen): its 1280×256+256
  //    weights move from frozen to trainable
  const lock = page.getByRole('button', { name: 'Freeze dense_1', exact: true });
  await expect(lock).toHaveAttribute('aria-pressed', 'true');
  await lock.click();
  await expect(lock).toHaveAttribute('aria-pressed', 'false');
  const moved = 1280 * 256 + 256;
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0 - 645 + 258 + moved);
  expect(await count(page, 'Frozen params')).toBe(frozen0 - moved);

  // Undo four times restores the original graph and counts.
  const undo = page.getByRole('button', { name: 'Undo', exact: true });
  for (let i = 0; i < 4; i++) await undo.click();
  await expect.poll(() => count(page, 'Trainable params')).toBe(trainable0);
  expect(await count(page, 'Frozen params')).toBe(frozen0);
  await expect(page.getByTestId('rf__node-dense_3')).toBeAttached();
  await expect(page.getByTestId('rf__node-dense_4')).toHaveCount(0);
  await expect(undo).toBeDisabled();
  expect(errors).toEqual([]);
});
