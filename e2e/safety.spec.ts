import { expect, test, type Page, type Request } from '@playwright/test';
import { join } from 'node:path';
import {
  makeTwoClassFolder,
  openBuiltin,
  replaceHead,
  setTraining,
  trackErrors,
  trainAndWait,
} from './fixtures';

/**
 * The built app under its Content-Security-Policy: nothing it needs is refused, and a whole
 * session (open each built-in, add images, train on each backend, test an image, export) asks
 * nothing of any other origin and uploads nothing.
 */

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

/** Records every CSP violation the page reports (workers report theirs on the console). */
async function watchCsp(page: Page): Promise<string[]> {
  const consoleViolations: string[] = [];
  page.on('console', (m) => {
    if (process.env.DEBUG_CSP) console.log('console:', m.type(), m.text().slice(0, 300));
    if (/Content Security Policy/i.test(m.text())) consoleViolations.push(m.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: Violation[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        source: `${e.sourceFile}:${e.lineNumber}`,
      }),
    );
  });
  return consoleViolations;
}

const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations);

test('the built app runs under its Content-Security-Policy and a whole session stays on its own origin', async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(600_000);
  const errors = trackErrors(page);
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  const consoleViolations = await watchCsp(page);
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));

  const response = await page.goto('/');
  const header = (await response?.allHeaders())?.['content-security-policy'] ?? '';
  expect(header).toContain("script-src 'self' 'wasm-unsafe-eval' blob:;");
  expect(header).toContain("frame-ancestors 'none'");
  expect(header).not.toContain('unsafe-inline');
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("object-src 'none'");
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();

  expect(await cspViolations(page)).toEqual([]);
  // An inline script is refused (by the header and by the <meta>): the policy is really on.
  const inlineRan = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.head.appendChild(s);
    await new Promise((r) => setTimeout(r, 50));
    return (window as unknown as { inlineRan?: boolean }).inlineRan === true;
  });
  expect(inlineRan).toBe(false);
  const refused = await cspViolations(page);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.filter((v) => v.directive !== 'script-src-elem')).toEqual([]);
  await page.evaluate(() => {
    (window as unknown as { cspViolations: Violation[] }).cspViolations = [];
  });
  consoleViolations.length = 0;

  // Every built-in opens.
  await openBuiltin(page, 'Inception V3', 'mixed10');
  await openBuiltin(page, 'MobileNet V2 1.0 (Keras)', 'dense_3');
  await openBuiltin(page, 'MobileNet V2', 'feature_vector');
  await openBuiltin(page, 'Tiny CNN', 'conv1');

  // Images, training on each backend (WASM with threads: the page is cross-origin isolated).
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const { dir, labels } = makeTwoClassFolder(8);
  await page.getByLabel('Add image folder').setInputFiles(dir);
  for (const l of labels) await expect(page.getByText(`${l}: 8 images`)).toBeVisible({ timeout: 60_000 });
  await replaceHead(page, 'dense_2', 'dropout_1', 2);
  // A frozen convolutional base, so that WASM (no Conv2D gradient kernel) takes the run too.
  await page.getByTestId('rf__node-gap').click();
  await page.getByRole('button', { name: 'Freeze all up to here' }).click();
  for (const backend of ['wasm', 'webgl', 'webgpu']) {
    await setTraining(page, { epochs: 1, batchSize: 8, backend });
    await trainAndWait(page, 180_000);
    await expect(page.getByTestId('backend-in-use')).toContainText(backend);
  }
  await page.getByLabel('Test image').setInputFiles(join(dir, labels[0], 'img_0.png'));
  await expect(page.getByLabel('Predictions').getByRole('img')).toHaveAttribute('alt', 'img_0.png');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByRole('button', { name: 'Export model', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.zip$/);

  expect(await cspViolations(page)).toEqual([]);
  expect(consoleViolations).toEqual([]);
  expect(errors).toEqual([]);

  // Requests: own origin, blob: or data: only; nothing sent up (no request carries a body).
  const origin = new URL(baseURL ?? page.url()).origin;
  expect(requests.length).toBeGreaterThan(10);
  const foreign = requests
    .map((r) => r.url())
    .filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
  expect(foreign).toEqual([]);
  const withBody = requests.filter((r) => r.method() !== 'GET' || r.postDataBuffer() !== null);
  expect(withBody.map((r) => `${r.method()} ${r.url()}`)).toEqual([]);
  // The training, decoding and layout workers ran (their requests are in the list above).
  expect(workers.length).toBeGreaterThanOrEqual(2);
  console.log(
    `session: ${requests.length} requests, all same-origin/blob:/data:; workers: ${workers.length}`,
  );
});
