import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePNG } from '../scripts/synthetic-images.mjs';
import { openEditorEachTest } from './fixtures';

/**
 * Class and layer names with markup, script, emoji, right-to-left text, great length or a
 * duplicate: shown as text and never run; what cannot be a name is refused with an alert.
 */

// Folder names: no "/" (nor "\\", which the app reads as a Windows path separator).
const HOSTILE_CLASSES = [
  '<img src=x onerror="window.pwned=1">',
  '<script>window.pwned=2',
  '<svg onload=window.pwned=3>',
  '🌼 flowers 🌷',
  'ورود حمراء',
  '"quoted" & <b>bold',
];

/** True when no markup from a name became an element and no script ran. */
const untouched = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { pwned?: number }).pwned === undefined &&
      document.querySelectorAll('img[src="x"], b, i, svg[onload], script:not([src])').length === 0,
  );

test.describe('hostile names', () => {
  openEditorEachTest();
  test.beforeEach(({ page }) => {
    page.on('dialog', (d) => {
      void d.dismiss();
      throw new Error(`a dialog opened: ${d.message()}`);
    });
  });

  test('class names from folders and renames are shown as text; duplicates and empty names refused', async ({
    page,
  }) => {
    const root = join(mkdtempSync(join(tmpdir(), 'retrain-names-')), 'names');
    HOSTILE_CLASSES.forEach((name, k) => {
      mkdirSync(join(root, name), { recursive: true });
      for (let i = 0; i < 2; i++)
        writeFileSync(
          join(root, name, `${k}_${i}.png`),
          encodePNG(new Uint8Array(16 * 16 * 3).fill(40 * k + i), 16, 16),
        );
    });
    const dataset = page.getByRole('region', { name: 'Dataset' });
    await dataset.getByLabel('Add image folder').setInputFiles(root);
    for (const name of HOSTILE_CLASSES)
      await expect(dataset.getByText(`${name}: 2 images`, { exact: true })).toBeVisible({ timeout: 60_000 });
    expect(await untouched(page)).toBe(true);

    // 500 characters: kept whole, as text.
    const long = 'ק'.repeat(200) + '<i>'.repeat(100);
    await dataset.getByRole('button', { name: `Rename class ${HOSTILE_CLASSES[2]}` }).click();
    await dataset.getByLabel(`New name for ${HOSTILE_CLASSES[2]}`).fill(long);
    await dataset.getByLabel(`New name for ${HOSTILE_CLASSES[2]}`).press('Enter');
    await expect(dataset.getByText(`${long}: 2 images`, { exact: true })).toBeVisible();
    expect(long.length).toBe(500);

    // A duplicate and an empty name are refused; the classes stay as they were.
    for (const [wanted, message] of [
      [
        HOSTILE_CLASSES[0],
        /There is already a class named "<img src=x onerror="window\.pwned=1">": choose another name/,
      ],
      ['   ', /A class name cannot be empty: type a name/],
    ] as const) {
      await dataset.getByRole('button', { name: `Rename class ${HOSTILE_CLASSES[1]}` }).click();
      await dataset.getByLabel(`New name for ${HOSTILE_CLASSES[1]}`).fill(wanted);
      await dataset.getByLabel(`New name for ${HOSTILE_CLASSES[1]}`).press('Enter');
      await expect(page.getByRole('alert').filter({ hasText: message })).toBeVisible();
      await dataset.getByLabel(`New name for ${HOSTILE_CLASSES[1]}`).press('Escape');
    }
    for (const name of [HOSTILE_CLASSES[0], HOSTILE_CLASSES[1], long])
      await expect(dataset.getByText(`${name}: 2 images`, { exact: true })).toBeVisible();
    await expect(dataset.getByText(/: \d+ images$/)).toHaveCount(HOSTILE_CLASSES.length);
    expect(await untouched(page)).toBe(true);
  });

  test('layer names: markup, script, emoji, 500 characters and duplicates refused; right-to-left kept', async ({
    page,
  }) => {
    const inspector = page.getByRole('region', { name: 'Inspector' });
    const params = await page.getByText(/^Trainable params: \d+$/).textContent();
    await page.getByTestId('rf__node-dense').click();
    const name = inspector.getByLabel('Name', { exact: true });
    const refused: [string, RegExp][] = [
      ['<img src=x onerror=window.pwned=1>', /is not a valid layer name: use letters, digits/],
      ['<script>window.pwned=2</script>', /is not a valid layer name/],
      ['head 🌼', /is not a valid layer name/],
      ['x'.repeat(500), /The name is 500 characters long: use at most 200/],
      ['feature_vector', /A layer named "feature_vector" exists already: pick another name/],
    ];
    for (const [wanted, message] of refused) {
      const dismiss = page.getByRole('button', { name: 'Dismiss message' });
      while ((await dismiss.count()) > 0) await dismiss.first().click();
      await name.fill(wanted);
      await name.press('Enter');
      await expect(page.getByRole('alert').filter({ hasText: message })).toBeVisible();
      await expect(page.getByTestId('rf__node-dense')).toBeAttached();
      await page.getByTestId('rf__node-dense').click();
    }
    expect(await untouched(page)).toBe(true);
    expect(await page.getByText(/^Trainable params: \d+$/).textContent()).toBe(params);

    // Right-to-left letters are letters: the layer takes the name and shows it as text.
    await name.fill('طبقة_الإخراج');
    await name.press('Enter');
    await expect(page.getByTestId('rf__node-طبقة_الإخراج')).toBeAttached();
    await expect(page.getByTestId('rf__node-طبقة_الإخراج')).toContainText('طبقة_الإخراج');
    await expect(page.getByTestId('rf__node-dense')).toHaveCount(0);
    expect(await untouched(page)).toBe(true);
  });
});
