import { mkdirSync, mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Download, type Page } from '@playwright/test';
// The generator is plain ESM shared with the Tiny CNN pretraining script.
import { encodePNG, twoClassSet } from '../scripts/synthetic-images.mjs';

/** Writes a generated two-class image folder (one subfolder per class) and returns its path. */
export function makeTwoClassFolder(
  perClass: number,
  size = 64,
  seed = 11,
): { dir: string; labels: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'retrain-ds-'));
  const root = join(dir, 'shapes');
  const set = twoClassSet(seed, perClass, size);
  set.labels.forEach((l: string) => mkdirSync(join(root, l), { recursive: true }));
  set.images.forEach(
    (img: { label: number; pixels: Uint8Array; width: number; height: number }, i: number) => {
      writeFileSync(
        join(root, set.labels[img.label], `img_${i}.png`),
        encodePNG(img.pixels, img.width, img.height),
      );
    },
  );
  return { dir: root, labels: set.labels };
}

export const FLOWERS = join(process.cwd(), '..', 'shared', 'datasets', 'flowers-dt');
export const hasFlowers = existsSync(join(FLOWERS, 'train'));

/** Collects uncaught page errors for the afterEach check. */
export function trackErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** Opens a built-in model through the Open model menu. */
export async function openBuiltin(page: Page, title: string, probe: string) {
  await page.getByRole('button', { name: 'Open model' }).click();
  await page.getByRole('button', { name: title, exact: true }).click();
  await expect(page.getByTestId(`rf__node-${probe}`)).toBeAttached();
}

/** Replaces the output Dense with a new one of `units` units, through the UI. */
export async function replaceHead(page: Page, output: string, before: string, units: number) {
  await page.getByTestId(`rf__node-${output}`).click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId(`rf__node-${output}`)).toHaveCount(0);
  await page.getByTestId(`rf__node-${before}`).click();
  await page
    .getByRole('region', { name: 'Layers palette' })
    .getByRole('button', { name: 'Dense', exact: true })
    .click();
  const inspector = page.getByRole('region', { name: 'Inspector' });
  await inspector.getByLabel('Units').fill(String(units));
  await inspector.getByLabel('Activation').selectOption('softmax');
}

/** Sets the Training panel's number inputs and backend. */
export async function setTraining(
  page: Page,
  opts: { epochs?: number; batchSize?: number; learningRate?: number; backend?: string },
) {
  const panel = page.getByRole('region', { name: 'Training' });
  if (opts.epochs !== undefined) await panel.getByLabel('Epochs').fill(String(opts.epochs));
  if (opts.batchSize !== undefined) await panel.getByLabel('Batch size').fill(String(opts.batchSize));
  if (opts.learningRate !== undefined)
    await panel.getByLabel('Learning rate').fill(String(opts.learningRate));
  if (opts.backend) await panel.getByLabel('Backend').selectOption(opts.backend);
}

/** Presses Train and waits for "Training finished"; returns the reported validation accuracy. */
export async function trainAndWait(page: Page, timeout = 300_000): Promise<number> {
  const panel = page.getByRole('region', { name: 'Training' });
  await panel.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(panel.getByText('Training finished')).toBeVisible({ timeout });
  return Number(await page.getByTestId('val-accuracy').textContent());
}

/**
 * Opens the editor before each test of the enclosing describe (the default MobileNet V2 on
 * screen, or the built-in named) and fails
 * any test that raised an uncaught page error.
 */
export function openEditorEachTest(builtin?: 'mobilenet_v2'): void {
  let errors: string[] = [];
  test.beforeEach(async ({ page }) => {
    errors = trackErrors(page);
    await page.goto(builtin ? `/?model=${builtin}` : '/');
    // The default built-in's output layer is "dense"; the Keras MobileNet V2's is "dense_3".
    await expect(page.getByTestId(builtin ? 'rf__node-dense_3' : 'rf__node-dense')).toBeVisible();
  });
  test.afterEach(() => expect(errors).toEqual([]));
}

/** Test image: the exact probabilities the page shows for one image, by class name. */
export async function testImage(page: Page, file: string): Promise<Map<string, number>> {
  await page.getByLabel('Test image').setInputFiles(file);
  const predictions = page.getByLabel('Predictions');
  await expect(predictions.getByRole('img')).toHaveAttribute('alt', file.split('/').pop()!);
  const items = predictions.locator('li[data-probability]');
  await expect(items).toHaveCount(2);
  const pairs = await items.evaluateAll((lis) =>
    lis.map(
      (li) => [li.getAttribute('data-label') ?? '', Number(li.getAttribute('data-probability'))] as const,
    ),
  );
  return new Map(pairs);
}

/** Every layer node on the canvas with its freeze state. */
export async function graphState(page: Page): Promise<Record<string, string | null>> {
  return page.locator('[data-testid^="rf__node-"]').evaluateAll((nodes) =>
    Object.fromEntries(
      nodes.map((n) => {
        const name = (n.getAttribute('data-testid') ?? '').slice('rf__node-'.length);
        const freeze = n.querySelector(`button[aria-label="Freeze ${CSS.escape(name)}"]`);
        return [name, freeze?.getAttribute('aria-pressed') ?? null];
      }),
    ),
  );
}

/** Largest difference between two sets of class probabilities. */
export const maxDiff = (a: Map<string, number>, b: Map<string, number>) =>
  Math.max(...[...a].map(([label, p]) => Math.abs(p - (b.get(label) ?? Number.NaN))));

/** Long tasks (start, duration) and, for frames over 50 ms, what ran in them. */
export interface LongTaskLog {
  tasks: [number, number][];
  frames: string[];
}

/**
 * Starts recording the page's long tasks, with Long Animation Frame attribution (which scripts
 * ran) for frames over 50 ms, so a failing check says what was slow. Read with `longTasks`.
 */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { longTaskLog: LongTaskLog };
    w.longTaskLog = { tasks: [], frames: [] };
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => w.longTaskLog.tasks.push([e.startTime, e.duration])),
    ).observe({ type: 'longtask' });
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => {
        const f = e as PerformanceEntry & {
          blockingDuration: number;
          scripts: { sourceURL: string; sourceFunctionName: string; invoker: string; duration: number }[];
        };
        if (f.duration <= 50) return;
        const scripts = f.scripts
          .map(
            (s) =>
              `${s.invoker} ${s.sourceFunctionName}@${s.sourceURL.split('/').pop()} ${s.duration.toFixed(0)} ms`,
          )
          .join('; ');
        w.longTaskLog.frames.push(
          `${f.startTime.toFixed(0)}+${f.duration.toFixed(0)} ms (blocking ${f.blockingDuration.toFixed(0)}): ${scripts || 'no page script (rendering, GC or the test harness)'}`,
        );
      }),
    ).observe({ type: 'long-animation-frame' });
  });
}

/** What `watchLongTasks` recorded so far. */
export async function longTasks(page: Page): Promise<LongTaskLog> {
  return page.evaluate(() => (window as unknown as { longTaskLog: LongTaskLog }).longTaskLog);
}

/**
 * Waits until the page's text contains `text`, checking once a second. Playwright's locator
 * polling runs on the page's main thread; while long tasks are measured, this keeps the
 * harness's share out of the measurement.
 */
export async function waitForText(page: Page, text: string | RegExp, timeout: number): Promise<void> {
  const source = typeof text === 'string' ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : text.source;
  await page.waitForFunction((re) => new RegExp(re).test(document.body.textContent ?? ''), source, {
    polling: 1000,
    timeout,
  });
}

/**
 * The usual set-up of a training test: Tiny CNN opened, a generated two-class folder added
 * (both classes counted on screen) and its output layer replaced by a new two-unit Dense.
 */
export async function tinyCnnWithNewHead(
  page: Page,
  perClass: number,
  size?: number,
  seed?: number,
): Promise<{ dir: string; labels: string[] }> {
  const folder = makeTwoClassFolder(perClass, size, seed);
  await openBuiltin(page, 'Tiny CNN', 'conv1');
  await page.getByLabel('Add image folder').setInputFiles(folder.dir);
  for (const l of folder.labels)
    await expect(page.getByText(`${l}: ${perClass} images`)).toBeVisible({ timeout: 60_000 });
  await replaceHead(page, 'dense_2', 'dropout_1', 2);
  return folder;
}

/** Presses a button and returns the download it starts. */
export async function downloadFrom(page: Page, button: string): Promise<Download> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  return download;
}

/** A finished download's bytes. */
export const readDownload = async (download: Download): Promise<Buffer> =>
  readFileSync(await download.path());

/** What the open project has stored in IndexedDB (read the way a fresh page would). */
export async function stored(page: Page): Promise<{
  name: string | null;
  layers: string[];
  /** Undo steps stored. */
  undo: number;
  status: string | null;
  curve: number;
  weightsEpoch: number | null;
  weightsSum: number | null;
}> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('retrain-projects');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const get = (key: string) =>
      new Promise<unknown>((resolve, reject) => {
        const r = db.transaction('projects').objectStore('projects').get(key);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const id = (await get('current')) as string;
    const list = ((await get('list')) ?? []) as { id: string; name: string }[];
    const editor = (await get(`editor:${id}`)) as
      { graph?: { layers: { name: string }[] }; history: { past: unknown[] } } | undefined;
    const training = (await get(`training:${id}`)) as { status: string; history: unknown[] } | undefined;
    const weights = (await get(`weights:${id}`)) as { epoch: number; data: ArrayBuffer } | null | undefined;
    db.close();
    return {
      name: list.find((p) => p.id === id)?.name ?? null,
      layers: (editor?.graph?.layers ?? []).map((l) => l.name).sort(),
      undo: editor?.history.past.length ?? 0,
      status: training?.status ?? null,
      curve: training?.history.length ?? 0,
      weightsEpoch: weights?.epoch ?? null,
      weightsSum: weights ? new Float32Array(weights.data).reduce((a, v) => a + Math.abs(v), 0) : null,
    };
  });
}
