import { expect, test, type Browser, type Page } from '@playwright/test';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  makeTwoClassFolder,
  openBuiltin,
  replaceHead,
  setTraining,
  trackErrors,
  trainAndWait,
  testImage,
  stored,
} from './fixtures';

/**
 * Projects: autosave and restore on reload (graph with undo history, images, settings, curves,
 * trained weights), checkpoints during training, project files, and the Projects menu.
 */

function expectSame(a: Map<string, number>, b: Map<string, number>, tol = 1e-5) {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [label, p] of a) expect(Math.abs(p - b.get(label)!)).toBeLessThanOrEqual(tol);
}

/** Layer names on the canvas. */
async function nodes(page: Page): Promise<string[]> {
  const ids = await page
    .locator('[data-testid^="rf__node-"]')
    .evaluateAll((ns) => ns.map((n) => (n.getAttribute('data-testid') ?? '').slice('rf__node-'.length)));
  return ids.sort();
}

async function openEditor(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
}

/** Tiny CNN with a new two-class head and a generated two-class folder. */
async function tinyProject(page: Page, perClass: number) {
  const { dir, labels } = makeTwoClassFolder(perClass);
  await openBuiltin(page, 'Tiny CNN', 'conv1');
  const params = await page.getByTestId('trainable-params').textContent();
  await page.getByLabel('Add image folder').setInputFiles(dir);
  for (const l of labels)
    await expect(page.getByText(`${l}: ${perClass} images`)).toBeVisible({ timeout: 60_000 });
  await replaceHead(page, 'dense_2', 'dropout_1', 2);
  await expect(page.getByTestId('trainable-params')).not.toHaveText(params!);
  return { dir, labels, image: join(dir, labels[0], 'img_0.png'), params: params! };
}

const projectsMenu = (page: Page) => page.getByRole('group', { name: 'Projects' });

async function openProjectsMenu(page: Page) {
  const button = page.getByRole('button', { name: 'Projects', exact: true });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await expect(projectsMenu(page)).toBeVisible();
}

/** Undoes every edit: the Tiny CNN as opened comes back (fails when the history is gone). */
async function undoToOriginalHead(page: Page, params: string) {
  const undo = page.getByRole('button', { name: 'Undo', exact: true });
  await expect(undo).toBeEnabled();
  for (let i = 0; i < 10 && (await undo.isEnabled()); i++) await undo.click();
  await expect(undo).toBeDisabled();
  await expect(page.getByTestId('trainable-params')).toHaveText(params);
}

test.describe('projects', () => {
  let errors: string[] = [];
  test.beforeEach(async ({ page }) => {
    errors = trackErrors(page);
    await openEditor(page);
  });
  test.afterEach(() => expect(errors).toEqual([]));

  test('a reload brings back the edits with their undo history, the images, settings, curves and trained weights', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    const { labels, image, params } = await tinyProject(page, 12);
    await setTraining(page, { epochs: 3, batchSize: 8, learningRate: 0.003 });
    await trainAndWait(page);
    const acc = await page.getByTestId('val-accuracy').textContent();
    const before = await testImage(page, image);
    expect(Math.abs(before.get(labels[0])! - 0.5)).toBeGreaterThan(1e-3);
    const layers = await nodes(page);
    // Saved within a second of the last change.
    await expect.poll(async () => (await stored(page)).status, { timeout: 5_000 }).toBe('finished');
    await expect.poll(async () => (await stored(page)).layers).toEqual(layers);

    await page.reload();
    await expect(page.getByTestId('rf__node-conv1')).toBeVisible();
    expect(await nodes(page)).toEqual(layers);
    for (const l of labels) await expect(page.getByText(`${l}: 12 images`)).toBeVisible();
    const panel = page.getByRole('region', { name: 'Training' });
    await expect(panel.getByLabel('Epochs')).toHaveValue('3');
    await expect(panel.getByLabel('Batch size')).toHaveValue('8');
    await expect(panel.getByLabel('Learning rate')).toHaveValue('0.003');
    await expect(panel.getByText('Training finished')).toBeVisible();
    await expect(page.getByText(/^Epoch 3\/3$/)).toBeVisible();
    await expect(page.getByTestId('val-accuracy')).toHaveText(acc!);
    expectSame(before, await testImage(page, image));
    await undoToOriginalHead(page, params);
  });

  test('a reload during training keeps the last finished epoch’s weights', async ({ page }) => {
    test.setTimeout(420_000);
    const { image } = await tinyProject(page, 16);
    await setTraining(page, { epochs: 300, batchSize: 4, learningRate: 0.003 });
    const panel = page.getByRole('region', { name: 'Training' });
    await panel.getByRole('button', { name: 'Train', exact: true }).click();
    await expect(page.getByText(/^Epoch [2-9]\d*\/300$/)).toBeVisible({ timeout: 120_000 });
    await expect
      .poll(async () => (await stored(page)).weightsEpoch ?? 0, { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
    await page.reload();
    await expect(page.getByTestId('rf__node-conv1')).toBeVisible();
    const saved = await stored(page);
    const k = saved.weightsEpoch!;
    expect(k).toBeGreaterThanOrEqual(2);
    await expect(panel.getByText(`the weights of epoch ${k}/300 were kept`, { exact: false })).toBeVisible();
    const restored = await testImage(page, image);
    // The new head starts at zero (0.5 / 0.5): the restored weights are trained ones.
    expect(Math.abs([...restored.values()][0] - 0.5)).toBeGreaterThan(1e-3);
    // Opening the page again changes nothing stored, and gives the same predictions.
    await page.reload();
    await expect(page.getByTestId('rf__node-conv1')).toBeVisible();
    expect(await stored(page)).toEqual(saved);
    expectSame(restored, await testImage(page, image), 1e-6);

    // The same run stopped after exactly k epochs, in a new project, gives these weights: the
    // restored ones are epoch k's (a seeded run is reproducible), not an earlier or later epoch's.
    await openProjectsMenu(page);
    await projectsMenu(page).getByRole('button', { name: 'New project' }).click();
    await expect(page.getByTestId('rf__node-dense')).toBeVisible();
    await expect(page.getByText(/^\S+: \d+ images?$/)).toHaveCount(0);
    await tinyProject(page, 16);
    await setTraining(page, { epochs: k, batchSize: 4, learningRate: 0.003 });
    await trainAndWait(page);
    expectSame(restored, await testImage(page, image), 1e-5);
  });

  test('a project file brings everything back in an empty browser', async ({ page, browser }) => {
    test.setTimeout(300_000);
    const { labels, image, params } = await tinyProject(page, 8);
    await setTraining(page, { epochs: 2, batchSize: 4, learningRate: 0.002 });
    await trainAndWait(page);
    const acc = await page.getByTestId('val-accuracy').textContent();
    const before = await testImage(page, image);
    const layers = await nodes(page);
    await openProjectsMenu(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      projectsMenu(page).getByRole('button', { name: 'Save project file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('Project 1.retrain.zip');
    const file = join(mkdtempSync(join(tmpdir(), 'retrain-project-')), download.suggestedFilename());
    await download.saveAs(file);

    const fresh = await cleanPage(browser);
    const errs = trackErrors(fresh);
    await openEditor(fresh);
    await expect(fresh.getByText(/^\S+: \d+ images?$/)).toHaveCount(0);
    await openProjectsMenu(fresh);
    await projectsMenu(fresh).getByLabel('Open project file').setInputFiles(file);
    await expect(fresh.getByTestId('rf__node-conv1')).toBeVisible();
    expect(await nodes(fresh)).toEqual(layers);
    for (const l of labels) await expect(fresh.getByText(`${l}: 8 images`)).toBeVisible();
    const panel = fresh.getByRole('region', { name: 'Training' });
    await expect(panel.getByLabel('Epochs')).toHaveValue('2');
    await expect(panel.getByLabel('Learning rate')).toHaveValue('0.002');
    await expect(panel.getByText('Training finished')).toBeVisible();
    await expect(fresh.getByTestId('val-accuracy')).toHaveText(acc!);
    expectSame(before, await testImage(fresh, image));
    await undoToOriginalHead(fresh, params);
    // It is a saved project there now: a reload keeps it.
    await expect.poll(async () => (await stored(fresh)).undo, { timeout: 5_000 }).toBe(0);
    await fresh.reload();
    await expect(fresh.getByTestId('trainable-params')).toHaveText(params);
    for (const l of labels) await expect(fresh.getByText(`${l}: 8 images`)).toBeVisible();
    expect(errs).toEqual([]);
    await fresh.context().close();
  });

  test('a malformed project file is refused with a clear alert and nothing is lost', async ({ page }) => {
    const { labels } = await tinyProject(page, 4);
    const layers = await nodes(page);
    const dir = mkdtempSync(join(tmpdir(), 'retrain-bad-'));
    const bad = join(dir, 'broken.zip');
    writeFileSync(bad, 'this is not a zip');
    await openProjectsMenu(page);
    await projectsMenu(page).getByLabel('Open project file').setInputFiles(bad);
    await expect(
      page.getByRole('alert').filter({ hasText: /broken\.zip is not a usable Retrain project file/ }),
    ).toContainText('Your current project is unchanged');
    expect(await nodes(page)).toEqual(layers);
    for (const l of labels) await expect(page.getByText(`${l}: 4 images`)).toBeVisible();
    await expect(
      projectsMenu(page).getByRole('list', { name: 'Saved projects' }).getByRole('listitem'),
    ).toHaveCount(1);
  });

  test('the Projects menu creates, renames, duplicates, deletes and opens projects', async ({ page }) => {
    test.setTimeout(180_000);
    page.on('dialog', (d) => void d.accept());
    const { labels } = await tinyProject(page, 4);
    await openProjectsMenu(page);
    const menu = projectsMenu(page);
    await expect(menu.getByTestId('storage-used')).toHaveText(/Storage used: [\d.]+ (B|KB|MB|GB)/);
    await menu.getByRole('button', { name: 'New project' }).click();
    await expect(page.getByTestId('rf__node-dense')).toBeVisible();
    await expect(page.getByText(/^\S+: \d+ images?$/)).toHaveCount(0);

    await menu.getByRole('button', { name: 'Rename project Project 2' }).click();
    await menu.getByLabel('New name for project Project 2').fill('Bees');
    await menu.getByLabel('New name for project Project 2').press('Enter');
    await expect(menu.getByRole('button', { name: 'Open project Bees' })).toBeDisabled();
    await menu.getByRole('button', { name: 'Duplicate project Project 1' }).click();
    await expect(menu.getByRole('button', { name: 'Open project Project 1 (copy)' })).toBeEnabled();

    await menu.getByRole('button', { name: 'Open project Project 1 (copy)' }).click();
    await expect(page.getByTestId('rf__node-conv1')).toBeVisible();
    for (const l of labels) await expect(page.getByText(`${l}: 4 images`)).toBeVisible();
    // The copy is its own project: removing a class there leaves Project 1's alone.
    await page.getByRole('button', { name: `Delete class ${labels[0]}` }).click();
    await expect(page.getByText(`${labels[0]}: 4 images`)).toHaveCount(0);

    await menu.getByRole('button', { name: 'Open project Project 1', exact: true }).click();
    await expect(page.getByTestId('rf__node-conv1')).toBeVisible();
    for (const l of labels) await expect(page.getByText(`${l}: 4 images`)).toBeVisible();

    await menu.getByRole('button', { name: 'Delete project Project 1 (copy)' }).click();
    await expect(menu.getByRole('button', { name: 'Open project Project 1 (copy)' })).toHaveCount(0);
    await menu.getByRole('button', { name: 'Open project Bees' }).click();
    await expect(page.getByTestId('rf__node-dense')).toBeVisible();
    await expect(page.getByText(/^\S+: \d+ images?$/)).toHaveCount(0);

    // The list and the open project survive a reload.
    await page.reload();
    await expect(page.getByTestId('rf__node-dense')).toBeVisible();
    await openProjectsMenu(page);
    await expect(menu.getByRole('list', { name: 'Saved projects' }).getByRole('listitem')).toHaveCount(2);
    await expect(menu.getByRole('button', { name: 'Open project Bees' })).toBeDisabled();
    // Deleting the open project opens another.
    await menu.getByRole('button', { name: 'Delete project Bees' }).click();
    await expect(page.getByTestId('rf__node-conv1')).toBeVisible();
    await expect(menu.getByRole('list', { name: 'Saved projects' }).getByRole('listitem')).toHaveCount(1);
    await expect(menu.getByRole('button', { name: 'Open project Project 1' })).toBeDisabled();
  });
});

/** A page in a new browser context: no site data at all. */
async function cleanPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width: 1400, height: 900 },
  });
  return context.newPage();
}
