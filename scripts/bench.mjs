// `npm run bench`: measures the built app in headless Chromium and prints ratios from one run.
// Flags: --smoke (tiny sizes, for CI), --json (last line is one JSON object), --no-build.
/* global window, document, requestAnimationFrame, MutationObserver -- used inside page.evaluate callbacks */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
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
// --only=scale or --only=training runs one half (for profiling); it never writes bench/results.md.
const only = [...args].find((a) => a.startsWith('--only='))?.slice('--only='.length);
const port = 4175;
/** Batches of the plain model.fit baseline actually run (then scaled): see the table. */
const NAIVE_BATCHES = 4;
/**
 * Batch of the plain model.fit baseline. At 32 its gradient tape holds every activation of the
 * frozen MobileNet V2 (TF.js records the whole forward pass): ~250 MiB an image for the default
 * 1.4 model (~365 for the Keras 1.0 one), ~8 GiB a batch, far over WASM's 4 GiB heap, which is
 * where an earlier full run sat for 12 minutes.
 */
const NAIVE_BATCH_SIZE = 4;
const batchSize = smoke ? 8 : 32;
// For profiling pieces alone: BENCH_CONFIG='{"images":32,"runs":1,"largeImages":0}' and so on.
const overrides = JSON.parse(process.env.BENCH_CONFIG || '{}');
/** Workload 3: the largest dataset tried (generated two-class images). */
const LARGE_IMAGES = 2000;
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
  // The page collects garbage before it reads the JS heap, so heap growth is growth, not timing.
  '--js-flags=--expose-gc',
];

/** Milliseconds from navigation start until the model's output node is on screen. */
async function timeToGraph(page, query, probe) {
  // The page notes the first frame that shows the probe node (a MutationObserver, then the next
  // animation frame): reading the clock when Playwright's polling notices it would add up to
  // half a second of polling interval.
  await page.addInitScript((id) => {
    const w = window;
    w.__graphAt = null;
    const seen = () => {
      const el = document.querySelector(`[data-testid="rf__node-${id}"]`);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    const observer = new MutationObserver(() => {
      if (!seen()) return;
      observer.disconnect();
      requestAnimationFrame(() => (w.__graphAt ??= performance.now()));
    });
    observer.observe(document, { subtree: true, childList: true, attributes: true });
  }, probe);
  await page.goto(`${base}/${query}`);
  await page.getByTestId(`rf__node-${probe}`).waitFor({ state: 'visible', timeout: 60_000 });
  await page.waitForFunction(() => window.__graphAt !== null, null, { timeout: 10_000 });
  return page.evaluate(() => window.__graphAt);
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
  results.mobilenetMs = await timeToGraph(page, '', 'dense');
  if (!smoke) results.inceptionMs = await timeToGraph(page, '?model=inception_v3', 'dense_3');
  const n = smoke ? 200 : 2000;
  const deep = deepModel(n);
  // The same browser context restored the last model (Inception V3): ask for the default again.
  await page.goto(`${base}/?model=mobilenet_v2_140`);
  await page.getByTestId('rf__node-dense').waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Open model' }).click();
  const t0 = await page.evaluate(() => performance.now());
  await page.getByLabel('Model files').setInputFiles([
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(deep.json) },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: deep.bin },
  ]);
  // "All nodes rendered": the layout is done and every node holds its laid-out position in
  // React Flow (data-node-count), and the nodes in the viewport are painted (the output layer,
  // where the view opens, is visible, then two animation frames). Above VIRTUALIZE_ABOVE nodes
  // the canvas mounts only what is in the viewport, so counting DOM nodes would be wrong.
  await page.waitForFunction(
    (count) => {
      const c = document.querySelector('.canvas');
      return (
        c?.getAttribute('data-layout') === 'ready' && Number(c.getAttribute('data-node-count')) === count
      );
    },
    deep.layerCount,
    { timeout: 120_000 },
  );
  await page.getByTestId('rf__node-head').waitFor({ state: 'visible', timeout: 120_000 });
  await page.evaluate(
    () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(undefined)))),
  );
  results.deepLayers = deep.layerCount;
  results.deepRenderMs = (await page.evaluate(() => performance.now())) - t0;
  results.deepMountedNodes = await page.evaluate(() => document.querySelectorAll('.react-flow__node').length);
  results.deepPanFps = await panFps(page, smoke ? 500 : 2000);
  await page.close();
  return results;
}

/** Training workloads run in the bench page, which drives the real training worker. */
async function trainingWorkloads(browser) {
  const page = await browser.newPage();
  page.on('console', (m) => log(`  [page] ${m.text()}`));
  page.on('crash', () => log('  [page] crashed'));
  // The images are served to the page from here (a 2,000-image set is too big to pass inline).
  const served = new Map();
  const serve = (name, body, type) => {
    served.set(name, { body, type });
    return `${base}/bench-data/${name}`;
  };
  await page.route('**/bench-data/**', (route) => {
    const hit = served.get(decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop()));
    return hit
      ? route.fulfill({ status: 200, body: hit.body, contentType: hit.type })
      : route.fulfill({ status: 404, body: 'not found' });
  });
  await page.goto(`${base}/bench.html`);
  await page.waitForFunction(() => window.retrainBench !== undefined, null, { timeout: 60_000 });
  const flowers = join(root, '..', 'shared', 'datasets', 'flowers-dt', 'train');
  const images = [];
  let source;
  const generated = (seed, perClass, size, prefix) => {
    const set = twoClassSet(seed, perClass, size);
    return set.images.map((img, i) => ({
      label: set.labels[img.label],
      url: serve(`${prefix}${i}.png`, encodePNG(img.pixels, img.width, img.height), 'image/png'),
    }));
  };
  if (!smoke && existsSync(flowers)) {
    for (const cls of readdirSync(flowers).sort()) {
      for (const f of readdirSync(join(flowers, cls)).sort()) {
        images.push({
          label: cls,
          url: serve(`${cls}-${f}`, readFileSync(join(flowers, cls, f)), 'image/jpeg'),
        });
      }
    }
    source = `flowers-dt train split (${images.length} photos)`;
  } else {
    images.push(...generated(5, smoke ? 8 : 80, 128, 'g'));
    source = `generated two-class images (${images.length})`;
  }
  const config = {
    smoke,
    epochs: smoke ? 2 : 20,
    batchSize,
    naiveBatches: smoke ? 1 : NAIVE_BATCHES,
    naiveBatchSize: smoke ? 8 : NAIVE_BATCH_SIZE,
    runs: smoke ? 1 : 3,
    profileBatches: smoke ? [4] : [2, 4],
    ...overrides,
  };
  const largeCount = overrides.largeImages ?? (smoke ? 32 : LARGE_IMAGES);
  config.large = largeCount ? generated(11, largeCount / 2, smoke ? 64 : 96, 'large') : [];
  if (overrides.images !== undefined) {
    // Every k-th image keeps both classes in a smaller set.
    const step = images.length / overrides.images;
    const keep = Array.from({ length: overrides.images }, (_, i) => images[Math.floor(i * step)]);
    images.splice(0, images.length, ...keep);
    source += `, ${overrides.images} of them`;
  }
  const results = await page.evaluate(({ images, config }) => window.retrainBench(images, config), {
    images,
    config,
  });
  await page.close();
  return { ...results, source, epochs: config.epochs };
}

/** What a batch of 32 would hold in memory, extrapolated from the profiled steps (linear in the batch). */
function tapeNote(profiles) {
  if (profiles.length < 2) return 'see the profile rows';
  const [a, b] = profiles.slice(-2);
  const perImage = (b.peakBytes - a.peakBytes) / (b.batch - a.batch);
  const at = (n) => a.peakBytes + perImage * (n - a.batch);
  return `model.fit's gradient tape keeps the frozen base's activations, ${(perImage / 1048576).toFixed(0)} MiB per image, ≈ ${(at(batchSize) / 2 ** 30).toFixed(1)} GiB at batch ${batchSize}, over WASM's 4 GiB heap`;
}

function table(rows) {
  const w = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v} |`).join('\n');
}

await waitForServer();
const browser = await chromium.launch({ executablePath, args: flags });
const version = browser.version();
const started = new Date().toISOString();
// Other work on the machine slows every figure: the load average is written beside them.
const loadAtStart = loadavg()[0];
const t0Run = Date.now();
const scale = only === 'training' ? {} : await editorScale(browser);
let training;
try {
  training = only === 'scale' ? null : await trainingWorkloads(browser);
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
  [
    'load average (1 min) at start / end',
    `${loadAtStart.toFixed(1)} / ${loadavg()[0].toFixed(1)} (${
      loadAtStart > cpus().length
        ? 'above the core count at start: other work shared the CPUs'
        : 'at most the core count at start: no other heavy work'
    })`,
  ],
  ['wall time of the measured part', `${((Date.now() - t0Run) / 60000).toFixed(1)} min (build excluded)`],
  ['mode', smoke ? 'smoke (tiny sizes)' : 'full'],
  ['MobileNet V2: load → graph on screen', `${fmt(scale.mobilenetMs)} ms (target ≤ 1500)`],
  [
    'Inception V3: load → graph on screen',
    scale.inceptionMs ? `${fmt(scale.inceptionMs)} ms (target ≤ 3000)` : 'skipped (smoke)',
  ],
  [
    `${scale.deepLayers}-layer model: open → all nodes rendered`,
    `${fmt(scale.deepRenderMs)} ms (target ≤ 5000); layout done, all ${scale.deepLayers} nodes placed, viewport painted (${scale.deepMountedNodes} nodes mounted${scale.deepMountedNodes < scale.deepLayers ? ': off-screen nodes are virtualized' : ''})`,
  ],
  [
    `${scale.deepLayers}-layer model: frame rate while panning`,
    `${fmt(scale.deepPanFps, 1)} fps (target ≥ 30)`,
  ],
];
if (training && !training.error) {
  const gpuRow = training.headline.find((h) => h.backend !== 'wasm');
  rows.push(
    ['training images', training.source],
    ['backend', training.backend],
    [
      'WebGPU / WebGL',
      gpuRow
        ? `${gpuRow.backend}: onePassMs ${fmt(gpuRow.onePassMs)}, editorMs ${fmt(gpuRow.editorMs)}, naiveMs ${fmt(gpuRow.naiveMs)}, speedupVsNaive ${fmt(gpuRow.speedupVsNaive, 1)}, overheadVsOnePass ${fmt(gpuRow.overheadVsOnePass, 2)}`
        : `not run: no hardware adapter (WebGPU ${training.gpu.webgpu}; WebGL ${training.gpu.webgl})`,
    ],
    ['onePassMs (frozen base, one predict pass)', fmt(training.onePassMs)],
    ['editorMs (Train → last epoch, cache included)', fmt(training.editorMs)],
    [
      'naiveMs (plain model.fit, same composed model and tensors)',
      `${fmt(training.naiveMs)} (ran ${training.naiveImagesRun} images at batch ${training.naiveBatchSize} after a warm-up step, scaled linearly to the editor's ${training.epochs} epochs × ${training.trainCount} training images${training.naiveBatchSize < batchSize ? `; batch ${batchSize} cannot run: ${tapeNote(training.profiles)}` : ''})`,
    ],
    ['speedupVsNaive', `${fmt(training.speedupVsNaive, 1)} (target ≥ 15)`],
    ['overheadVsOnePass', `${fmt(training.overheadVsOnePass, 2)} (target ≤ 1.25)`],
    ['imagesPerSecond (cache building)', fmt(training.imagesPerSecond, 1)],
    ['editor val accuracy', fmt(training.valAccuracy, 3)],
    ...training.profiles.map((p) => [
      `tf.profile: one model.fit step at batch ${p.batch}`,
      `${fmt(p.ms)} ms, peak ${fmt(p.peakBytes / 1048576)} MiB held by TF.js, ${p.kernels} kernels; top: ${p.top.map((k) => `${k.name} ${k.ms} ms`).join(', ')}`,
    ]),
    [
      'tensors before / after runs',
      `${training.tensorsBefore} / ${training.tensorsAfter} (${training.runs} runs)`,
    ],
    ['TF.js bytes before / after runs', `${training.bytesBefore} / ${training.bytesAfter}`],
    [
      'JS heap growth over runs (page, after a full GC)',
      `${fmt((training.heapGrowth ?? 0) / 1048576, 1)} MiB`,
    ],
  );
  if (training.large) {
    const l = training.large;
    rows.push([
      `largest dataset tried (${l.images} generated images)`,
      `${l.status}${l.message ? ` (${l.message})` : ''} in ${fmt(l.ms)} ms, cache ${fmt(l.imagesPerSecond, 1)} img/s, val acc ${fmt(l.valAccuracy, 3)}; TF.js after: ${l.tensorsAfter} tensors, ${fmt(l.bytesAfter / 1048576)} MiB`,
    ]);
  }
  if (training.augmented) {
    rows.push(
      [
        `augmented cache (K=${training.augmented.views}) ms / val acc`,
        `${fmt(training.augmented.cachedMs)} ms / ${fmt(training.augmented.cachedAcc, 3)}`,
      ],
      [
        'augmentation on the fly ms / val acc',
        `${fmt(training.augmented.onTheFlyMs)} ms / ${fmt(training.augmented.onTheFlyAcc, 3)} (${training.epochs} epochs, same validation split)`,
      ],
    );
  }
} else if (training?.error) rows.push(['training workloads', `failed: ${training.error}`]);

const command = `npm run bench${smoke || only ? ' --' : ''}${smoke ? ' --smoke' : ''}${only ? ` --only=${only}` : ''}`;
const text = `# Benchmark results\n\nCommand: \`${command}\`\n\n| measure | value |\n|---|---|\n${table(rows)}\n`;
log(text);
if (!smoke && !only && !process.env.BENCH_CONFIG) {
  mkdirSync(join(root, 'bench'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results.md'), text);
}
if (asJson)
  console.log(
    JSON.stringify({ date: started, browser: version, cores: cpus().length, smoke, scale, training }),
  );
// A harness that could not measure must not look green in CI.
process.exit(training?.error ? 1 : 0);
