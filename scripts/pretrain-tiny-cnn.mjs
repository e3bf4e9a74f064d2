// Pretrains the built-in "Tiny CNN" on synthetic task A (circle / square /
// triangle / stripes) and saves it as a TF.js layers model in
// public/models/tiny_cnn/{model.json,weights.bin}.
//
//   node scripts/pretrain-tiny-cnn.mjs [--train N] [--val N] [--epochs N]
//        [--batch N] [--lr X] [--out DIR]
//
// Uses the pure-JS CPU backend of @tensorflow/tfjs (no tfjs-node). Input is
// 64×64×3 with pixels scaled to [0, 1] (x / 255); the scaling is NOT part of
// the model — the app applies it (model.json "retrain.preprocessing": "0..1").

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createRng, taskA } from './synthetic-images.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 64;
const SEED = 1234;

function argInt(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number.parseInt(process.argv[i + 1], 10);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const OUT_DIR = resolve(
  process.argv.includes('--out')
    ? process.argv[process.argv.indexOf('--out') + 1]
    : join(ROOT, 'public', 'models', 'tiny_cnn'),
);
const N_TRAIN = argInt('train', 800);
const N_VAL = argInt('val', 200);
const EPOCHS = argInt('epochs', 7);
const BATCH = argInt('batch', 16);
const LR = process.argv.includes('--lr') ? Number(process.argv[process.argv.indexOf('--lr') + 1]) : 0.006;
if (!(LR > 0)) throw new Error('--lr needs a positive number');

// ---------------------------------------------------------------------------
// Faster CPU gradient kernels (training-time only; they do not affect the
// saved model). The CPU backend's Conv2DBackpropFilter and MaxPoolGrad read
// every element through TensorBuffer.get()/set() and are 10–50× slower than
// the forward ops, which dominates training time. Replace them, for NHWC
// float32 without dilation (what this model uses), with plain loops over flat
// arrays; anything else falls through to the original kernel. Each
// replacement is checked against the original on small random cases first.

function fastConv2DBackpropFilter(original) {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    const fmt = tf.backend_util.convertConv2DDataFormat(dataFormat);
    if (fmt !== 'channelsLast' || x.dtype !== 'float32' || dy.dtype !== 'float32') {
      return original.kernelFunc(args);
    }
    const ci = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      fmt,
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = ci;
    const { strideHeight, strideWidth, filterHeight, filterWidth } = ci;
    const top = ci.padInfo.top;
    const left = ci.padInfo.left;
    const xv = backend.data.get(x.dataId).values;
    const dyv = backend.data.get(dy.dataId).values;
    const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < outHeight; yR++) {
        for (let yC = 0; yC < outWidth; yC++) {
          const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
          for (let wR = 0; wR < filterHeight; wR++) {
            const xR = yR * strideHeight + wR - top;
            if (xR < 0 || xR >= inHeight) continue;
            for (let wC = 0; wC < filterWidth; wC++) {
              const xC = yC * strideWidth + wC - left;
              if (xC < 0 || xC >= inWidth) continue;
              const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
              const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
              for (let d1 = 0; d1 < inChannels; d1++) {
                const v = xv[xOff + d1];
                if (v === 0) continue;
                const o = wOff + d1 * outChannels;
                for (let d2 = 0; d2 < outChannels; d2++) acc[o + d2] += v * dyv[dyOff + d2];
              }
            }
          }
        }
      }
    }
    return backend.makeTensorInfo(ci.filterShape, 'float32', Float32Array.from(acc));
  };
}

function fastMaxPoolGrad(original) {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, input } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs;
    if (input.dtype !== 'float32' || input.shape.length !== 4) return original.kernelFunc(args);
    const ci = tf.backend_util.computePool2DInfo(input.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = ci;
    const { strideHeight, strideWidth, filterHeight, filterWidth } = ci;
    const top = ci.padInfo.top;
    const left = ci.padInfo.left;
    const xv = backend.data.get(input.dataId).values;
    const dyv = backend.data.get(dy.dataId).values;
    const dx = new Float32Array(xv.length);
    // Gradient goes to the first maximum of each window (row-major), as in
    // the original kernel.
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < outHeight; yR++) {
        const r0 = Math.max(0, yR * strideHeight - top);
        const r1 = Math.min(inHeight, yR * strideHeight - top + filterHeight);
        for (let yC = 0; yC < outWidth; yC++) {
          const c0 = Math.max(0, yC * strideWidth - left);
          const c1 = Math.min(inWidth, yC * strideWidth - left + filterWidth);
          const dyOff = ((b * outHeight + yR) * outWidth + yC) * inChannels;
          for (let d = 0; d < inChannels; d++) {
            let best = Number.NEGATIVE_INFINITY;
            let bestIdx = -1;
            for (let r = r0; r < r1; r++) {
              for (let c = c0; c < c1; c++) {
                const idx = ((b * inHeight + r) * inWidth + c) * inChannels + d;
                if (xv[idx] > best) {
                  best = xv[idx];
                  bestIdx = idx;
                }
              }
            }
            if (bestIdx >= 0) dx[bestIdx] += dyv[dyOff + d];
          }
        }
      }
    }
    return backend.makeTensorInfo(input.shape, 'float32', dx);
  };
}

function fastSum(original) {
  // Only the "reduce all leading axes" case (bias gradients: sum over
  // batch, height, width); the original transposes the whole tensor first.
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return original.kernelFunc(args);
    const inner = tf.util.sizeFromShape(x.shape.slice(axes.length));
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const xv = backend.data.get(x.dataId).values;
    const acc = new Float64Array(inner);
    for (let i = 0; i < outer; i++) {
      const o = i * inner;
      for (let j = 0; j < inner; j++) acc[j] += xv[o + j];
    }
    const shape = attrs.keepDims
      ? x.shape.map((d, i) => (i < axes.length ? 1 : d))
      : x.shape.slice(axes.length);
    return backend.makeTensorInfo(shape, 'float32', Float32Array.from(acc));
  };
}

function setKernel(config) {
  tf.unregisterKernel(config.kernelName, 'cpu');
  tf.registerKernel(config);
}

function installFastGradKernels() {
  const cases = {
    Conv2DBackpropFilter: {
      make: fastConv2DBackpropFilter,
      tests: [
        [1, 'same'],
        [2, 'valid'],
        [2, 'same'],
      ].map(([strides, pad]) => () => {
        const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1);
        const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
        const dy = tf.randomNormal(tf.conv2d(x, w, strides, pad).shape, 0, 1, 'float32', 3);
        return [
          { x, dy },
          { strides, pad, dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] },
        ];
      }),
    },
    MaxPoolGrad: {
      make: fastMaxPoolGrad,
      tests: [
        [2, 2, 'valid'],
        [3, 2, 'same'],
        [3, 1, 'same'],
      ].map(([filterSize, strides, pad]) => () => {
        // Rounded values so that windows contain ties, like ReLU zeros.
        const input = tf.relu(tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 4).round());
        const output = tf.maxPool(input, filterSize, strides, pad);
        const dy = tf.randomNormal(output.shape, 0, 1, 'float32', 5);
        return [
          { dy, input, output },
          { filterSize, strides, pad },
        ];
      }),
    },
    Sum: {
      make: fastSum,
      tests: [
        [[0, 1, 2], false],
        [[2, 0, 1], true],
        [[0], false],
        [[1, 2], false],
        [null, false],
      ].map(([axis, keepDims]) => () => {
        const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 6);
        return [{ x }, { axis, keepDims }];
      }),
    },
  };
  for (const [kernelName, { make, tests }] of Object.entries(cases)) {
    const original = tf.getKernel(kernelName, 'cpu');
    if (!original) continue;
    const fast = { kernelName, backendName: 'cpu', kernelFunc: make(original) };
    for (const test of tests) {
      const maxDiff = tf.tidy(() => {
        const [inputs, attrs] = test();
        setKernel(original);
        const want = tf.engine().runKernel(kernelName, inputs, attrs);
        setKernel(fast);
        const got = tf.engine().runKernel(kernelName, inputs, attrs);
        if (got.shape.join() !== want.shape.join()) return Infinity;
        return tf.sub(got, want).abs().max().dataSync()[0];
      });
      if (!(maxDiff < 1e-4)) {
        setKernel(original);
        throw new Error(`fast ${kernelName} differs from the original by ${maxDiff}`);
      }
    }
  }
}

function buildModel() {
  let s = SEED;
  const init = () => tf.initializers.heNormal({ seed: s++ });
  const glorot = () => tf.initializers.glorotUniform({ seed: s++ });
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'input' });
  const conv = (filters, name) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
      name,
    });
  let x = conv(8, 'conv1').apply(input);
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x);
  x = conv(16, 'conv2').apply(x);
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x);
  x = conv(32, 'conv3').apply(x);
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x);
  x = tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init(), name: 'dense_1' }).apply(x);
  x = tf.layers.dropout({ rate: 0.2, seed: s++, name: 'dropout_1' }).apply(x);
  const output = tf.layers
    .dense({ units: 4, activation: 'softmax', kernelInitializer: glorot(), name: 'dense_2' })
    .apply(x);
  return tf.model({ inputs: input, outputs: output, name: 'tiny_cnn' });
}

/** Images → [n, 64, 64, 3] float tensor in [0, 1] and one-hot labels. */
function toTensors(images, numClasses) {
  const n = images.length;
  const per = SIZE * SIZE * 3;
  const data = new Float32Array(n * per);
  images.forEach((im, k) => {
    if (im.width !== SIZE || im.height !== SIZE) throw new Error('unexpected image size');
    for (let i = 0; i < per; i++) data[k * per + i] = im.pixels[i] / 255;
  });
  const xs = tf.tensor4d(data, [n, SIZE, SIZE, 3]);
  const ys = tf.oneHot(
    tf.tensor1d(
      images.map((im) => im.label),
      'int32',
    ),
    numClasses,
  );
  return { xs, ys };
}

function accuracy(model, xs, ys) {
  return tf.tidy(() => {
    const pred = model.predict(xs, { batchSize: 64 }).argMax(-1);
    return pred.equal(ys.argMax(-1)).mean().dataSync()[0];
  });
}

function shuffledIndices(rng, n) {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

function joinWeightData(weightData) {
  // TF.js 4.x may hand over an ArrayBuffer or an array of them.
  if (Array.isArray(weightData)) return tf.io.CompositeArrayBuffer.join(weightData);
  return weightData;
}

async function main() {
  await tf.setBackend('cpu');
  await tf.ready();
  installFastGradKernels();
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);

  const t0 = Date.now();
  const train = taskA(SEED, N_TRAIN, SIZE);
  const val = taskA(SEED + 1, N_VAL, SIZE);
  const labels = train.labels;
  const { xs: xTrain, ys: yTrain } = toTensors(train.images, labels.length);
  const { xs: xVal, ys: yVal } = toTensors(val.images, labels.length);
  console.log(
    `data: ${N_TRAIN} train / ${N_VAL} val images of ${labels.join(', ')} ` +
      `(${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );

  const model = buildModel();
  model.summary(100);
  model.compile({
    optimizer: tf.train.adam(LR),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });

  const rng = createRng(SEED + 2);
  const tTrain = Date.now();
  const optimizer = model.optimizer;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    // Cosine decay from LR to LR / 10 over the run.
    optimizer.learningRate = LR * (0.1 + 0.45 * (1 + Math.cos((Math.PI * epoch) / EPOCHS)));
    // Seeded shuffling per epoch (fit's own shuffle uses Math.random).
    const idx = tf.tensor1d(shuffledIndices(rng, N_TRAIN), 'int32');
    const xb = tf.gather(xTrain, idx);
    const yb = tf.gather(yTrain, idx);
    const h = await model.fit(xb, yb, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
    tf.dispose([idx, xb, yb]);
    const valAcc = accuracy(model, xVal, yVal);
    console.log(
      `epoch ${String(epoch + 1).padStart(2)}/${EPOCHS}  loss ${h.history.loss[0].toFixed(4)}  ` +
        `acc ${h.history.acc[0].toFixed(3)}  val_acc ${valAcc.toFixed(3)}  ` +
        `lr ${optimizer.learningRate.toPrecision(2)}  ` +
        `(${((Date.now() - tTrain) / 1000).toFixed(1)} s)`,
    );
  }
  const trainSeconds = (Date.now() - tTrain) / 1000;
  const trainAcc = accuracy(model, xTrain, yTrain);
  const valAcc = accuracy(model, xVal, yVal);
  console.log(
    `trained in ${trainSeconds.toFixed(1)} s: train acc ${trainAcc.toFixed(3)}, ` +
      `val acc ${valAcc.toFixed(3)} (chance 0.25)`,
  );

  const confusion = tf.tidy(() =>
    tf.math
      .confusionMatrix(yVal.argMax(-1), model.predict(xVal, { batchSize: 64 }).argMax(-1), labels.length)
      .arraySync(),
  );
  console.log('val confusion (rows = true, cols = predicted):');
  const w = Math.max(...labels.map((l) => l.length));
  console.log(`  ${''.padEnd(w)} ${labels.map((l) => l.padStart(w)).join(' ')}`);
  confusion.forEach((row, i) =>
    console.log(`  ${labels[i].padEnd(w)} ${row.map((v) => String(v).padStart(w)).join(' ')}`),
  );

  // --- Save as model.json + weights.bin -----------------------------------
  mkdirSync(OUT_DIR, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = new Uint8Array(joinWeightData(artifacts.weightData));
      const topology =
        typeof artifacts.modelTopology === 'string'
          ? JSON.parse(artifacts.modelTopology)
          : artifacts.modelTopology;
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: topology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        retrain: {
          preprocessing: '0..1',
          inputSize: [SIZE, SIZE],
          labels,
          trainedOn: 'task A (generated shapes)',
          accuracy: Number(valAcc.toFixed(4)),
        },
      };
      writeFileSync(join(OUT_DIR, 'model.json'), JSON.stringify(modelJson) + '\n');
      writeFileSync(join(OUT_DIR, 'weights.bin'), weightData);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weightData.byteLength,
        },
      };
    }),
  );
  const binBytes = readFileSync(join(OUT_DIR, 'weights.bin')).byteLength;
  console.log(
    `saved ${join(OUT_DIR, 'model.json')} and weights.bin (${binBytes} bytes, ` +
      `${model.countParams()} params)`,
  );

  // --- Verify: load back from disk and compare predictions ----------------
  const json = JSON.parse(readFileSync(join(OUT_DIR, 'model.json'), 'utf8'));
  const bin = readFileSync(join(OUT_DIR, 'weights.bin'));
  const loaded = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  );
  const probe = tf.tidy(() => xVal.slice([0, 0, 0, 0], [8, SIZE, SIZE, 3]));
  const a = model.predict(probe);
  const b = loaded.predict(probe);
  const maxDiff = tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
  const ok = maxDiff < 1e-6 && json.modelTopology.class_name === 'Model';
  console.log(
    `verify: reloaded model (${loaded.layers.length} layers, ${loaded.countParams()} params) ` +
      `max |Δ| over 8 predictions = ${maxDiff.toExponential(2)} → ${ok ? 'OK' : 'FAILED'}`,
  );
  tf.dispose([probe, a, b, xTrain, yTrain, xVal, yVal]);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (!ok) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
