import { expect, test, type Page } from '@playwright/test';
import { makeTwoClassFolder, trackErrors } from './fixtures';

/** Storage that is missing or full: the dataset is kept in memory and the user is warned. */

async function addAndExpectAll(page: Page): Promise<void> {
  const { dir, labels } = makeTwoClassFolder(6, 32, 5);
  const dataset = page.getByRole('region', { name: 'Dataset' });
  await dataset.getByLabel('Add image folder').setInputFiles(dir);
  for (const l of labels)
    await expect(dataset.getByText(`${l}: 6 images`, { exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(dataset.getByText('Kept in memory only: the dataset is lost on reload.')).toBeVisible();
}

function watch(page: Page): string[] {
  const errors = trackErrors(page);
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return errors;
}

test('IndexedDB unavailable (a private window): works in memory and warns', async ({ page }) => {
  const errors = watch(page);
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { configurable: true, value: undefined });
  });
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await expect(
    page.getByRole('alert').filter({ hasText: /Images cannot be stored in this browser window/ }),
  ).toContainText('kept in memory and is lost when the page is closed or reloaded. Use a normal window');
  await addAndExpectAll(page);
  expect(errors).toEqual([]);
});

test('storage quota exceeded: every image is kept, in memory, with a warning', async ({ page }) => {
  const errors = watch(page);
  await page.addInitScript(() => {
    // Every write is refused as over quota (reads still work, as in a full profile).
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await addAndExpectAll(page);
  await expect(
    page
      .getByRole('alert')
      .filter({ hasText: /Storage is full: from now on the dataset is kept in memory only/ }),
  ).toContainText('Free disk space or delete classes you no longer need');
  expect(errors).toEqual([]);
});
