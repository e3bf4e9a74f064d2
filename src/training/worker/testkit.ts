import * as tf from '@tensorflow/tfjs';
import { layer } from '../../core/testGraphs';
import type { LayerConfig, LayerNode, ModelGraph } from '../../core/types';
import type { ImageSource } from './cache';
import { buildModel, snapshotWeights, type WeightMap } from './compile';
import { parseModelJson } from '../../export/modelFiles';
import { createRng } from './random';
import { loadWeights } from './weightsLoader';

/** Small models, synthetic images and an in-memory image source for the training tests (Node, CPU backend). */

/** A layer with an explicit trainable flag. */
export function node(
  name: string,
  className: string,
  inbound: string[],
  config: LayerConfig = {},
  trainable = true,
): LayerNode {
  return { ...layer(name, className, inbound, config), trainable };
}

const conv = (filters: number): LayerConfig => ({
  filters,
  kernelSize: [3, 3],
  strides: [1, 1],
  padding: 'same',
  activation: 'relu',
  useBias: true,
});

/**
 * input 8×8×3 → conv_a (frozen) → bn_a (frozen) → conv_b (trainable) → gap → head (trainable) →
 * drop → out (trainable softmax).
 */
export function convGraph(classes = 3, size = 8): ModelGraph {
  return {
    name: 'conv_test',
    inputs: ['input'],
    outputs: ['out'],
    layers: [
      node('input', 'InputLayer', [], { batchInputShape: [null, size, size, 3], dtype: 'float32' }),
      node('conv_a', 'Conv2D', ['input'], conv(4), false),
      node('bn_a', 'BatchNormalization', ['conv_a'], { axis: -1, momentum: 0.9, epsilon: 0.001 }, false),
      node('conv_b', 'Conv2D', ['bn_a'], conv(6)),
      node('gap', 'GlobalAveragePooling2D', ['conv_b'], {}),
      node('head', 'Dense', ['gap'], { units: 8, activation: 'relu', useBias: true }),
      node('drop', 'Dropout', ['head'], { rate: 0.3 }),
      node('out', 'Dense', ['drop'], { units: classes, activation: 'softmax', useBias: true }),
    ],
  };
}

/** input [6] → d1 (trainable) → bn (frozen, in the suffix) → d2 (trainable softmax). */
export function bnSuffixGraph(classes = 3, dim = 6): ModelGraph {
  return {
    name: 'bn_suffix',
    inputs: ['input'],
    outputs: ['d2'],
    layers: [
      node('input', 'InputLayer', [], { batchInputShape: [null, dim], dtype: 'float32' }),
      node('d1', 'Dense', ['input'], { units: 8, activation: 'relu', useBias: true }),
      node('bn', 'BatchNormalization', ['d1'], { axis: -1, momentum: 0.5, epsilon: 0.001 }, false),
      node('d2', 'Dense', ['bn'], { units: classes, activation: 'softmax', useBias: true }),
    ],
  };
}

/** Gives frozen BatchNorms non-trivial statistics, so "unchanged" means something. */
export function scrambleBatchNorms(model: tf.LayersModel, seed = 3): void {
  let s = seed;
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    for (const w of l.weights) {
      const n = w.shape[0] as number;
      w.write(tf.randomUniform([n], 0.5, 1.5, 'float32', s++));
    }
  }
}

/** A model plus a WeightMap that rebuilds it with identical weights. */
export async function modelWithWeights(
  graph: ModelGraph,
): Promise<{ model: tf.LayersModel; weights: WeightMap }> {
  const { model } = await buildModel(graph, new Map());
  scrambleBatchNorms(model);
  return { model, weights: snapshotWeights(model) };
}

/** Synthetic class-dependent RGB images (H×W×3 floats in 0..1): class c brightens channel c mod 3 in a band. */
export function syntheticImages(
  perClass: number,
  classes: number,
  size: number,
  seed = 1,
): { pixels: Float32Array[]; labels: number[] } {
  const rng = createRng(seed);
  const pixels: Float32Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const img = new Float32Array(size * size * 3);
      for (let p = 0; p < img.length; p++) img[p] = rng() * 0.5;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if ((c < 3 && y < size / 2) || (c >= 3 && y >= size / 2)) img[(y * size + x) * 3 + (c % 3)] += 0.5;
        }
      }
      pixels.push(img);
      labels.push(c);
    }
  }
  return { pixels, labels };
}

/** View v > 0: a deterministic "augmentation" (mirror plus a brightness shift by view). */
export function augmentPixels(pixels: Float32Array, size: number, view: number): Float32Array {
  if (view === 0) return pixels;
  const out = new Float32Array(pixels.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        out[(y * size + x) * 3 + c] = pixels[(y * size + (size - 1 - x)) * 3 + c] * (1 + 0.05 * view);
      }
    }
  }
  return out;
}

/** An ImageSource over in-memory pixels. */
export function arraySource(pixels: readonly Float32Array[], size: number): ImageSource {
  return {
    count: pixels.length,
    height: size,
    width: size,
    load: async (index, views) => views.map((v) => augmentPixels(pixels[index], size, v)),
  };
}

/** Encodes pixels as a Blob (raw Float32 bytes), the test stand-in for an image file. */
export function pixelBlob(pixels: Float32Array): Blob {
  return new Blob([pixels.slice().buffer]);
}

/** An ImageSource factory reading pixelBlob blobs, with the same view rule as arraySource. */
export function blobSource(
  images: readonly { id: string; blob: Blob }[],
  spec: { height: number },
): ImageSource {
  return {
    count: images.length,
    height: spec.height,
    width: spec.height,
    async load(index, views) {
      const pixels = new Float32Array(await images[index].blob.arrayBuffer());
      return views.map((v) => augmentPixels(pixels, spec.height, v));
    },
  };
}

/** Values of every weight of the named layers, by "<layer>/<index>". */
export function weightValues(model: tf.LayersModel, layers: readonly string[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const name of layers) {
    model
      .getLayer(name)
      .weights.forEach((w, i) => out.set(`${name}/${i}`, w.read().dataSync() as Float32Array));
  }
  return out;
}

/** A converted model folder (model.json and its shards) read from disk: its parsed JSON and loaded weights. */
export async function readModelFolder(dir: string) {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const parsed = parseModelJson(readFileSync(join(dir, 'model.json'), 'utf8'));
  const buffers: Record<string, ArrayBuffer> = {};
  for (const path of parsed.manifest.flatMap((g) => g.paths)) {
    const bin = readFileSync(join(dir, path));
    buffers[path] = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  }
  const weights = await loadWeights({ kind: 'buffers', manifest: parsed.manifest, buffers });
  return { parsed, weights };
}
