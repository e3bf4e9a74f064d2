// `npm run bench`: measures the built app in headless Chromium and prints ratios from one run.
// Flags: --smoke (tiny sizes, for CI), --json (last line is one JSON object), --no-build.
/* global window, document, requestAnimationFrame -- used inside page.evaluate callbacks */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findChromium } from './find-chromium.mjs';
import { deepModel } from './bench-models.mjs';
import { encodePNG, twoClassSet } from './synthetic-images.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const smoke = args.has('--smoke');
const asJson = args.has('--json');
const port = 4175;
const base = `http://127.0.0.1:${port}`;
const log = (...a) => {
  if (!asJson) console.log(...a);
  else console.error(...a);
};

if (!args.has('--no-build')) {
  const r = spawnSync('npm', ['run', 'build'], {
    cwd: root,
    stdio: asJson ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const server = spawn(
  'npx',
  ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
  {
    cwd: root,
    stdio: 'ignore',
    detached: true,
  },
);
const stopServer = () => {
  try {
    process.kill(-server.pid);
  } catch {
    /* already gone */
  }
};
process.on('exit', stopServer);

async function waitForServer() {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(base);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vite preview did not start on ${base}`);
}

const executablePath = findChromium() || undefined;
const flags = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Milliseconds from navigation start until the model's output node is on screen. */
async function timeToGraph(page, query, probe) {
  await page.goto(`${base}/${query}`);
  await page.getByTestId(`rf__node-${probe}`).waitFor({ state: 'visible', timeout: 60_000 });
  return page.evaluate(() => performance.now());
}

/** Frames per second while dragging the canvas for `ms`. */
async function panFps(page, ms) {
  const pane = page.locator('.react-flow__pane');
  const box = await pane.boundingBox();
  await page.evaluate(() => {
    const w = window;
    w.__frames = 0;
    w.__counting = true;
    const tick = () => {
      if (!w.__counting) return;
      w.__frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const t0 = Date.now();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  let step = 0;
  while (Date.now() - t0 < ms) {
    step++;
    await page.mouse.move(cx + Math.sin(step / 10) * 200, cy + Math.cos(step / 10) * 200, { steps: 2 });
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    window.__counting = false;
    return window.__frames;
  });
  return (frames * 1000) / (Date.now() - t0);
}

async function editorScale(browser) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const results = {};
  results.mobilenetMs = await timeToGraph(page, '', 'dense_3');
  if (!smoke) results.inceptionMs = await timeToGraph(page, '?model=inception_v3', 'dense_3');
  const n = smoke ? 200 : 2000;
  const deep = deepModel(n);
  await page.goto(`${base}/`);
  await page.getByTestId('rf__node-dense_3').waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Open model' }).click();
  const t0 = await page.evaluate(() => performance.now());
  await page.getByLabel('Model files').setInputFiles([
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(deep.json) },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: deep.bin },
  ]);
  await page.waitForFunction((count) => document.querySelectorAll('.react-flow__node').length >= count, n, {
    timeout: 120_000,
  });
  results.deepLayers = n;
  results.deepRenderMs = (await page.evaluate(() => performance.now())) - t0;
  results.deepPanFps = await panFps(page, smoke ? 500 : 2000);
  await page.close();
  return results;
}

/** Training workloads run in the bench page, which drives the real training worker. */
async function trainingWorkloads(browser) {
  const page = await browser.newPage();
  page.on('console', (m) => log(`  [page] ${m.text()}`));
  page.on('crash', () => log('  [page] crashed'));
  await page.goto(`${base}/bench.html`);
  await page.waitForFunction(() => window.retrainBench !== undefined, null, { timeout: 60_000 });
  const flowers = join(root, '..', 'shared', 'datasets', 'flowers-dt', 'train');
  const images = [];
  let source;
  if (!smoke && existsSync(flowers)) {
    source = 'flowers-dt train split (160 photos)';
    for (const cls of readdirSync(flowers).sort()) {
      for (const f of readdirSync(join(flowers, cls)).sort()) {
        images.push({
          label: cls,
          name: f,
          base64: readFileSync(join(flowers, cls, f)).toString('base64'),
          type: 'image/jpeg',
        });
      }
    }
  } else {
    const set = twoClassSet(5, smoke ? 8 : 80, 128);
    source = `generated two-class images (${set.images.length})`;
    for (const [i, img] of set.images.entries()) {
      images.push({
        label: set.labels[img.label],
        name: `g${i}.png`,
        base64: encodePNG(img.pixels, img.width, img.height).toString('base64'),
        type: 'image/png',
      });
    }
  }
  const config = {
    smoke,
    epochs: smoke ? 2 : 20,
    batchSize: smoke ? 8 : 32,
    naiveEpochs: smoke ? 1 : 2,
    runs: smoke ? 1 : 3,
  };
  const results = await page.evaluate(({ images, config }) => window.retrainBench(images, config), {
    images,
    config,
  });
  await page.close();
  return { ...results, source };
}

function table(rows) {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v} |`).join('\n');
}

await waitForServer();
const browser = await chromium.launch({ executablePath, args: flags });
const version = browser.version();
const started = new Date().toISOString();
const scale = await editorScale(browser);
let training;
try {
  training = await trainingWorkloads(browser);
} catch (e) {
  log(`training workloads failed: ${e.message}`);
  training = { error: String(e.message) };
}
await browser.close();
stopServer();

const fmt = (x, d = 0) => (typeof x === 'number' ? x.toFixed(d) : String(x ?? '–'));
const rows = [
  ['date', started],
  ['browser', `Chromium ${version} (headless)`],
  ['cores', String(cpus().length)],
  ['mode', smoke ? 'smoke (tiny sizes)' : 'full'],
  ['MobileNet V2: load → graph on screen', `${fmt(scale.mobilenetMs)} ms (target ≤ 1500)`],
  [
    'Inception V3: load → graph on screen',
    scale.inceptionMs ? `${fmt(scale.inceptionMs)} ms (target ≤ 3000)` : 'skipped (smoke)',
  ],
  [
    `${scale.deepLayers}-layer model: open → all nodes rendered`,
    `${fmt(scale.deepRenderMs)} ms (target ≤ 5000)`,
  ],
  [
    `${scale.deepLayers}-layer model: frame rate while panning`,
    `${fmt(scale.deepPanFps, 1)} fps (target ≥ 30)`,
  ],
];
if (training && !training.error) {
  rows.push(
    ['training images', training.source],
    ['backend', training.backend],
    ['onePassMs (frozen base, one predict pass)', fmt(training.onePassMs)],
    ['editorMs (Train → last epoch, cache included)', fmt(training.editorMs)],
    [
      `naiveMs (model.fit, ${training.naiveEpochsRun} epochs × ${training.naiveScale})`,
      fmt(training.naiveMs),
    ],
    ['speedupVsNaive', `${fmt(training.speedupVsNaive, 1)} (target ≥ 15)`],
    ['overheadVsOnePass', `${fmt(training.overheadVsOnePass, 2)} (target ≤ 1.25)`],
    ['imagesPerSecond (cache building)', fmt(training.imagesPerSecond, 1)],
    ['editor val accuracy', fmt(training.valAccuracy, 3)],
    [
      'tensors before / after runs',
      `${training.tensorsBefore} / ${training.tensorsAfter} (${training.runs} runs)`,
    ],
    ['TF.js bytes before / after runs', `${training.bytesBefore} / ${training.bytesAfter}`],
    ['JS heap growth over runs', `${fmt((training.heapGrowth ?? 0) / 1048576, 1)} MiB`],
  );
  if (training.augmented) {
    rows.push(
      [
        `augmented cache (K=${training.augmented.views}) ms / val acc`,
        `${fmt(training.augmented.cachedMs)} ms / ${fmt(training.augmented.cachedAcc, 3)}`,
      ],
      [
        'augmentation on the fly ms / val acc',
        `${fmt(training.augmented.onTheFlyMs)} ms / ${fmt(training.augmented.onTheFlyAcc, 3)}`,
      ],
    );
  }
} else if (training?.error) rows.push(['training workloads', `failed: ${training.error}`]);

const command = `npm run bench${smoke ? ' -- --smoke' : ''}`;
const text = `# Benchmark results\n\nCommand: \`${command}\`\n\n| measure | value |\n|---|---|\n${table(rows)}\n`;
log(text);
if (!smoke) {
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results.md'), text);
}
if (asJson)
  console.log(
    JSON.stringify({ date: started, browser: version, cores: cpus().length, smoke, scale, training }),
  );
// A harness that could not measure must not look green in CI.
process.exit(training?.error ? 1 : 0);
