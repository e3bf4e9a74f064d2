import { expect, test } from '@playwright/test';
import { setTraining, tinyCnnWithNewHead, trackErrors, trainAndWait } from './fixtures';

/** A backend that fails to start: the run falls back to another one and the user is told. */

// A browser without the WebGPU flags: no adapter, so a WebGPU choice must fall back.
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  },
});

test('WebGPU chosen where there is none: falls back and says so, and the run finishes', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = trackErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  await tinyCnnWithNewHead(page, 6);
  await setTraining(page, { epochs: 1, batchSize: 6, backend: 'webgpu' });
  await trainAndWait(page, 180_000);
  await expect(page.getByTestId('backend-in-use')).toContainText(/instead of WebGPU/);
  await expect(page.getByRole('alert').filter({ hasText: /instead of WebGPU/ })).toContainText(/WebGPU/);
  expect(errors).toEqual([]);
});
