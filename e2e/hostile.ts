import { expect, test, type Browser, type Page } from '@playwright/test';
import { join } from 'node:path';
import { setTraining, tinyCnnWithNewHead, trackErrors, trainAndWait } from './fixtures';

/**
 * One trained project shared by a serial table of hostile inputs: each case feeds one broken or
 * hostile thing through the UI and checks that an alert explains it, that no page error or
 * dialog happened, and that the graph, the dataset and the trained weights are as they were.
 */

export interface Snapshot {
  graph: string[];
  params: string[];
  dataset: string[];
  predictions: Record<string, number>;
}

export interface Session {
  page: Page;
  errors: string[];
  dir: string;
  labels: string[];
  /** The state after training, before any hostile input. */
  before: Snapshot;
}

const PER_CLASS = 8;

/** Every layer node with its freeze state. */
async function graphOf(page: Page): Promise<string[]> {
  return page.locator('[data-testid^="rf__node-"]').evaluateAll((nodes) =>
    nodes
      .map((n) => {
        const name = (n.getAttribute('data-testid') ?? '').slice('rf__node-'.length);
        const freeze = n.querySelector(`button[aria-label="Freeze ${CSS.escape(name)}"]`);
        return `${name}:${freeze?.getAttribute('aria-pressed') ?? '-'}`;
      })
      .sort(),
  );
}

/** Test image on two files in turn (so the second answer is fresh) and returns the second's. */
async function predictionsOf(page: Page, dir: string, labels: string[]): Promise<Record<string, number>> {
  const predictions = page.getByLabel('Predictions');
  await page.getByLabel('Test image').setInputFiles(join(dir, labels[1], `img_${PER_CLASS}.png`));
  await expect(predictions.getByRole('img')).toHaveAttribute('alt', `img_${PER_CLASS}.png`);
  await page.getByLabel('Test image').setInputFiles(join(dir, labels[0], 'img_0.png'));
  await expect(predictions.getByRole('img')).toHaveAttribute('alt', 'img_0.png');
  const items = predictions.locator('li[data-probability]');
  await expect(items).toHaveCount(labels.length);
  const pairs = await items.evaluateAll((lis) =>
    lis.map((li) => [li.getAttribute('data-label') ?? '', Number(li.getAttribute('data-probability'))]),
  );
  return Object.fromEntries(pairs);
}

export async function snapshot(s: Pick<Session, 'page' | 'dir' | 'labels'>): Promise<Snapshot> {
  const { page } = s;
  return {
    graph: await graphOf(page),
    params: [
      (await page.getByText(/^Trainable params: \d+$/).textContent()) ?? '',
      (await page.getByText(/^Frozen params: \d+$/).textContent()) ?? '',
    ],
    dataset: (
      await page
        .getByRole('region', { name: 'Dataset' })
        .getByText(/: \d+ images?$/)
        .allTextContents()
    ).sort(),
    predictions: await predictionsOf(page, s.dir, s.labels),
  };
}

/** Opens Tiny CNN, adds a generated two-class set, gives it a two-class head and trains it. */
export async function trainedSession(browser: Browser): Promise<Session> {
  const page = await browser.newPage();
  const errors = trackErrors(page);
  page.on('dialog', (d) => {
    errors.push(`a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto('/');
  await expect(page.getByTestId('rf__node-dense')).toBeVisible();
  const { dir, labels } = await tinyCnnWithNewHead(page, PER_CLASS);
  await setTraining(page, { epochs: 2, batchSize: 8 });
  await trainAndWait(page, 180_000);
  const before = await snapshot({ page, dir, labels });
  return { page, errors, dir, labels, before };
}

/** Declares the serial suite: one trained session, each case checked against its first state. */
export function hostileSuite(): { session: () => Session } {
  let session: Session | undefined;
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(async ({ browser }) => {
    test.setTimeout(300_000);
    session = await trainedSession(browser);
  });
  test.afterAll(async () => {
    await session?.page.close();
  });
  // Each case starts with no message on screen, so that its own alert is the one checked.
  test.beforeEach(async () => {
    const dismiss = session?.page.getByRole('button', { name: 'Dismiss message' });
    while (dismiss && (await dismiss.count()) > 0) await dismiss.first().click();
  });
  test.afterEach(() => {
    if (session) expect(session.errors).toEqual([]);
  });
  return {
    session: () => {
      if (!session) throw new Error('the trained session did not start');
      return session;
    },
  };
}

/**
 * Waits for an alert matching every pattern (what, where, what to do), then checks that the
 * graph, the dataset and the trained weights are unchanged, and dismisses nothing.
 */
export async function expectRefused(s: Session, patterns: RegExp[]): Promise<void> {
  let alert = s.page.getByRole('alert');
  for (const p of patterns) alert = alert.filter({ hasText: p });
  await expect(alert.first()).toBeVisible();
  expect(await snapshot(s)).toEqual(s.before);
  expect(s.errors).toEqual([]);
}
