import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { setTraining, trainAndWait } from './fixtures';
import { expectRefused, hostileSuite, snapshot, type Session } from './hostile';

/** Training asked to do what it cannot, or disturbed while it runs, in a trained project. */

const panelOf = (page: Page) => page.getByRole('region', { name: 'Training' });

/** The graph and the dataset as they were (the weights may have trained on). */
async function expectProjectKept(s: Session): Promise<void> {
  const now = await snapshot(s);
  expect(now.graph).toEqual(s.before.graph);
  expect(now.params).toEqual(s.before.params);
  expect(now.dataset).toEqual(s.before.dataset);
  expect(s.errors).toEqual([]);
}

async function startLongRun(page: Page): Promise<void> {
  await setTraining(page, { epochs: 300, batchSize: 4, learningRate: 0.001 });
  await panelOf(page).getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByText(/^Epoch [1-9]\d*\/300$/)).toBeVisible({ timeout: 90_000 });
}

test.describe('hostile training', () => {
  const { session } = hostileSuite();

  test('a class with no images (fewer images than classes): refused, naming the class', async () => {
    const s = session();
    const dataset = s.page.getByRole('region', { name: 'Dataset' });
    await dataset.getByRole('button', { name: 'New class' }).click();
    await expect(dataset.getByText('class_1: 0 images', { exact: true })).toBeVisible();
    await panelOf(s.page).getByRole('button', { name: 'Train', exact: true }).click();
    await expect(
      s.page
        .getByRole('alert')
        .filter({ hasText: /The class "class_1" has no images: add images to it or delete it/ }),
    ).toBeVisible();
    await dataset.getByRole('button', { name: 'Delete class class_1' }).click();
    await expectRefused(s, [/class_1/]);
  });

  test('one class: refused, saying training needs two', async () => {
    const s = session();
    const dataset = s.page.getByRole('region', { name: 'Dataset' });
    await dataset.getByRole('button', { name: `Delete class ${s.labels[1]}` }).click();
    await panelOf(s.page).getByRole('button', { name: 'Train', exact: true }).click();
    await expect(
      s.page
        .getByRole('alert')
        .filter({ hasText: /only one class: training needs at least two\. Add an image folder/ }),
    ).toBeVisible();
    await s.page.getByRole('button', { name: `Restore class ${s.labels[1]}` }).click();
    await expectRefused(s, [/only one class/]);
  });

  test('output units ≠ number of classes: refused with a Match classes button', async () => {
    const s = session();
    const dataset = s.page.getByRole('region', { name: 'Dataset' });
    await dataset.getByRole('button', { name: 'New class' }).click();
    await dataset.getByLabel('Add images').setInputFiles(join(s.dir, s.labels[0], 'img_1.png'));
    await expect(dataset.getByText('class_1: 1 images', { exact: true })).toBeVisible();
    await panelOf(s.page).getByRole('button', { name: 'Train', exact: true }).click();
    const alert = s.page.getByRole('alert').filter({ hasText: /has 2 units but the dataset has 3 classes/ });
    await expect(alert).toBeVisible();
    await expect(alert.getByRole('button', { name: 'Match classes' })).toBeVisible();
    await dataset.getByRole('button', { name: 'Delete class class_1' }).click();
    await expectRefused(s, [/has 2 units but the dataset has 3 classes/]);
  });

  test('learning rate 1e6: refused before the run, the trained weights kept', async () => {
    const s = session();
    await setTraining(s.page, { epochs: 3, batchSize: 4, learningRate: 1e6 });
    await panelOf(s.page).getByRole('button', { name: 'Train', exact: true }).click();
    await expectRefused(s, [
      /Learning rate 1000000 is far too high/,
      /at most 10 \(0\.001 is a good start\)/,
    ]);
    // (A loss that does turn NaN mid-run stops it and restores the epoch's weights: loop.test.ts.)
  });

  test('Train twice, Export during training, Stop twice: one run, export refused with a message', async () => {
    const s = session();
    await startLongRun(s.page);
    // A second Train cannot start a second run: the button is disabled while one runs (and the
    // store answers "already running" if it is called anyway: trainingStore.ts).
    const train = panelOf(s.page).getByRole('button', { name: 'Train', exact: true });
    await expect(train).toBeDisabled();
    await train.click({ force: true });
    await train.evaluate((b: HTMLButtonElement) => b.click());
    await expect(panelOf(s.page).getByText('Training finished')).toHaveCount(0);
    await s.page.getByRole('button', { name: 'Export model', exact: true }).click();
    await expect(s.page.getByRole('alert').filter({ hasText: /Export waits for training/ })).toContainText(
      'press Stop first',
    );
    await panelOf(s.page).getByRole('button', { name: 'Stop' }).click();
    await panelOf(s.page)
      .getByRole('button', { name: 'Stop' })
      .click({ force: true, timeout: 2_000 })
      .catch(() => undefined);
    await expect(panelOf(s.page).getByText('Training stopped')).toBeVisible({ timeout: 60_000 });
    await expectProjectKept(s);
  });

  test('the tab hidden and frozen during a run: training goes on and says so on return', async () => {
    const s = session();
    await startLongRun(s.page);
    const cdp = await s.page.context().newCDPSession(s.page);
    const setHidden = (hidden: boolean) =>
      s.page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (h ? 'hidden' : 'visible'),
        });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await new Promise((r) => setTimeout(r, 5_000));
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await setHidden(false);
    await expect(
      s.page.getByRole('status').filter({ hasText: /Training went on while this tab was in the background/ }),
    ).toBeVisible();
    const epoch = Number(
      (
        await s.page
          .getByText(/^Epoch \d+\/300$/)
          .first()
          .textContent()
      )?.match(/\d+/)?.[0],
    );
    await expect(s.page.getByText(new RegExp(`^Epoch (?!${epoch}/)\\d+/300$`)).first()).toBeVisible({
      timeout: 60_000,
    });
    await panelOf(s.page).getByRole('button', { name: 'Stop' }).click();
    await expect(panelOf(s.page).getByText('Training stopped')).toBeVisible({ timeout: 60_000 });
    await expectProjectKept(s);
  });

  test('the training worker crashing: the project is kept, the user is told, and Train works again', async () => {
    const s = session();
    await startLongRun(s.page);
    const worker = s.page.workers().find((w) => /training/.test(w.url()));
    expect(worker, 'the training worker is running').toBeTruthy();
    await worker!.evaluate(() => {
      setTimeout(() => {
        throw new Error('simulated crash');
      });
    });
    await expect(
      s.page
        .getByRole('alert')
        .filter({ hasText: /The training worker crashed \(.*simulated crash\).*It will restart/ }),
    ).toBeVisible({ timeout: 30_000 });
    await expect(
      s.page.getByRole('alert').filter({ hasText: /The model, the dataset .* are kept/ }),
    ).toBeVisible();
    await expectProjectKept(s);
    await setTraining(s.page, { epochs: 1, batchSize: 8 });
    await trainAndWait(s.page, 180_000);
    await expectProjectKept(s);
  });

  test('batch size larger than the data: trains with what there is', async () => {
    const s = session();
    await setTraining(s.page, { epochs: 1, batchSize: 1000 });
    await trainAndWait(s.page, 180_000);
    await expectProjectKept(s);
  });
});
