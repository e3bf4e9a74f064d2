import { expect, test } from '@playwright/test';
import { openEditorEachTest, setTraining, tinyCnnWithNewHead, trainAndWait } from './fixtures';

test.describe('frozen-prefix cache over its memory budget', () => {
  openEditorEachTest();

  test('goes to IndexedDB, trains, and is reused by the next run', async ({ page }) => {
    test.setTimeout(240_000);
    await tinyCnnWithNewHead(page, 8);
    // Frozen up to pool2: its outputs (16×16×16 floats, 16 KiB an image) are what is cached.
    await page.getByTestId('rf__node-pool2').click();
    await page.getByRole('button', { name: 'Freeze all up to here' }).click();
    await expect(page.getByRole('button', { name: 'Freeze conv2', exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await setTraining(page, { epochs: 3, batchSize: 8 });
    const panel = page.getByRole('region', { name: 'Training' });
    await panel.getByText('More settings').click();
    const budget = panel.getByLabel('Cache memory budget (MiB)');
    await expect(budget).toHaveValue('1024');
    // 16 images × 16 KiB = 0.25 MiB: far over 0.01 MiB.
    await budget.fill('0.01');

    // The status line changes as the run goes: record every text it shows.
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[] };
      w.seen = [];
      const region = document.querySelector('section[aria-label="Training"]')!;
      new MutationObserver(() =>
        region.querySelectorAll('p.hint').forEach((p) => w.seen.push(p.textContent ?? '')),
      ).observe(region, { subtree: true, childList: true, characterData: true });
    });
    const acc = await trainAndWait(page, 180_000);
    const hint = panel.getByText(/^Frozen-feature cache:/);
    await expect(hint).toHaveText(
      "Frozen-feature cache: 16/16 images, kept in the browser's storage (IndexedDB)",
    );
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    await expect(page.getByTestId('val-accuracy')).toHaveText(/^\d\.\d{4}$/);
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen).toContainEqual(
      expect.stringMatching(
        /^The frozen layers' outputs take 0\.25 MiB, more than the 0\.01 MiB cache budget .*: they are kept in the browser's storage \(IndexedDB\) and read back for each batch\./,
      ),
    );
    // The rows really are in IndexedDB, under the worker's database.
    const rows = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const open = indexedDB.open('retrain-activation-cache');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const count = open.result.transaction('rows').objectStore('rows').count();
            count.onsuccess = () => resolve(count.result);
            count.onerror = () => reject(count.error);
          };
        }),
    );
    // One row per image, plus the cache key.
    expect(rows).toBe(17);

    await trainAndWait(page, 180_000);
    await expect(hint).toHaveText(
      "Frozen-feature cache: reused from the last run, kept in the browser's storage (IndexedDB)",
    );
    await expect(page.getByText(/^Epoch 3\/3$/)).toBeVisible();
  });
});
