import type { Preprocessing } from './modelFiles';

/**
 * metadata.json written beside an exported model: everything a client needs to feed it
 * (labels in output order, input size, resize mode) and what produced it.
 */
export interface ExportMetadata {
  /** Class names in output order. */
  labels: string[];
  /** [H, W, 3]: the model takes RGB pixels 0..255 at this size. */
  inputShape: [number, number, 3];
  resize: 'stretch' | 'center-crop';
  /** Name of the model the user started from ("MobileNet V2"). */
  baseModel: string;
  /** The scaling baked into the model's first layer (inputs stay 0..255). */
  bakedPreprocessing: Preprocessing;
  training: Record<string, unknown> | null;
  metrics: { valAccuracy: number | null; epochs: number } | null;
  /** ISO date of the export. */
  date: string;
  generatedBy: string;
}

/** Checks a parsed metadata.json; returns the problems found (empty when valid). */
export function validateMetadata(value: unknown): string[] {
  const problems: string[] = [];
  if (typeof value !== 'object' || value === null) return ['metadata.json is not a JSON object'];
  const m = value as Record<string, unknown>;
  if (!Array.isArray(m.labels) || !m.labels.every((l) => typeof l === 'string'))
    problems.push('labels must be a list of strings');
  if (
    !Array.isArray(m.inputShape) ||
    m.inputShape.length !== 3 ||
    m.inputShape[2] !== 3 ||
    !m.inputShape.slice(0, 2).every((n) => Number.isInteger(n) && (n as number) > 0)
  ) {
    problems.push('inputShape must be [H, W, 3] with positive whole H and W');
  }
  if (m.resize !== 'stretch' && m.resize !== 'center-crop')
    problems.push('resize must be "stretch" or "center-crop"');
  if (typeof m.baseModel !== 'string') problems.push('baseModel must be a string');
  if (typeof m.date !== 'string' || Number.isNaN(Date.parse(m.date)))
    problems.push('date must be an ISO date');
  return problems;
}

/** Rescaling layer parameters that map 0..255 pixels to what the base model expects. */
export function rescalingFor(preprocessing: Preprocessing): { scale: number; offset: number } | null {
  switch (preprocessing) {
    case '0..1':
      return { scale: 1 / 255, offset: 0 };
    case '-1..1':
      return { scale: 1 / 127.5, offset: -1 };
    default:
      return null;
  }
}

/** The usage card (README.txt in the zip and beside the Export button). */
export function usageCard(
  meta: Pick<ExportMetadata, 'labels' | 'inputShape' | 'resize'>,
  modelName: string,
): string {
  const [h, w] = meta.inputShape;
  const crop = meta.resize === 'center-crop';
  return `${modelName}: a TF.js layers model fine-tuned with Retrain.
Input: RGB pixels 0..255, ${h}x${w} (${crop ? 'center-crop then resize' : 'stretch to size'}); the scaling is inside the model.
Output: probabilities for ${meta.labels.length} classes, in the order of metadata.json "labels".

Browser (TF.js):
  import * as tf from '@tensorflow/tfjs';
  const model = await tf.loadLayersModel('model.json');
  const labels = (await (await fetch('metadata.json')).json()).labels;
  const x = tf.tidy(() => tf.image.resizeBilinear(tf.browser.fromPixels(img), [${h}, ${w}]).expandDims(0).toFloat());
  const p = await model.predict(x).data();   // p[i] is the probability of labels[i]

Node (@tensorflow/tfjs, no native addon needed):
  const tf = require('@tensorflow/tfjs');
  const fs = require('fs');
  const json = JSON.parse(fs.readFileSync('model.json', 'utf8'));
  const weightData = new Uint8Array(fs.readFileSync('weights.bin')).buffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  // x: a float32 tensor [1, ${h}, ${w}, 3] of RGB values 0..255${crop ? ' (center-cropped)' : ''}
  const p = model.predict(x).dataSync();
`;
}
