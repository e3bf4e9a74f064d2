import { expect, test } from '@playwright/test';
import { tinyCnnWithNewHead, trackErrors } from './fixtures';

/** The webcam as a live test image: Chromium's fake camera stands in for a real one. */

test.use({
  permissions: ['camera'],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  },
});

test('Use webcam classifies live frames until Stop webcam', async ({ page }) => {
  const errors = trackErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await tinyCnnWithNewHead(page, 4);

  const results = page.getByRole('region', { name: 'Results' });
  await results.getByRole('button', { name: 'Use webcam' }).click();
  await expect(results.getByRole('button', { name: 'Stop webcam' })).toHaveAttribute('aria-pressed', 'true');
  const predictions = page.getByLabel('Predictions');
  await expect(predictions.getByRole('img')).toHaveAttribute('alt', 'webcam frame', { timeout: 60_000 });
  const probs = await predictions
    .locator('li')
    .evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-probability'))));
  expect(probs).toHaveLength(2);
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  // Frames keep coming: the shown frame's object URL changes.
  const first = await predictions.getByRole('img').getAttribute('src');
  await expect
    .poll(() => predictions.getByRole('img').getAttribute('src'), { timeout: 30_000 })
    .not.toBe(first);
  await results.getByRole('button', { name: 'Stop webcam' }).click();
  await expect(results.getByRole('button', { name: 'Use webcam' })).toHaveAttribute('aria-pressed', 'false');
  const stopped = await predictions.getByRole('img').getAttribute('src');
  await page.waitForTimeout(1500);
  expect(await predictions.getByRole('img').getAttribute('src')).toBe(stopped);
  // The camera is released.
  expect(await page.getByLabel('Webcam').evaluate((v) => (v as HTMLVideoElement).srcObject)).toBeNull();
  expect(errors).toEqual([]);
});

test('a refused camera gives an alert that says what to do, and nothing else changes', async ({ page }) => {
  const errors = trackErrors(page);
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await page.getByRole('region', { name: 'Results' }).getByRole('button', { name: 'Use webcam' }).click();
  await expect(
    page
      .getByRole('alert')
      .filter({ hasText: /webcam: camera access was refused.*site settings.*Test image/ }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'Use webcam' })).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  expect(errors).toEqual([]);
});
