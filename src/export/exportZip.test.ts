import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setTrainable } from '../core/graph';
import type { ModelGraph } from '../core/types';
import type { ExportedModel } from '../training/shared/api';
import { DEFAULT_SETTINGS } from '../training/shared/types';
import { buildModel } from '../training/worker/compile';
import { exportLayersModel } from '../training/worker/exportModel';
import { loadWeights } from '../training/worker/weightsLoader';
import { buildExportZip, buildMetadata, exportFileName, outputLabels } from './exportZip';
import { validateMetadata, type ExportMetadata } from './metadata';
import { parseModelJson, readModelFiles } from './modelFiles';

const TINY = join(process.cwd(), 'public/models/tiny_cnn');
const LABELS = ['circle', 'square', 'triangle', 'stripes'];

let graph: ModelGraph;
let exported: ExportedModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const bin = readFileSync(join(TINY, 'weights.bin'));
  const parsed = parseModelJson(readFileSync(join(TINY, 'model.json'), 'utf8'));
  graph = setTrainable(parsed.graph, ['conv1', 'conv2'], false);
  const weights = await loadWeights({
    kind: 'buffers',
    manifest: parsed.manifest,
    buffers: { 'weights.bin': bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) },
  });
  const { model } = await buildModel(graph, weights);
  exported = await exportLayersModel(model, graph, {
    preprocessing: '0..1',
    title: 'Tiny CNN',
    labels: LABELS,
  });
  model.dispose();
  tf.dispose([...weights.values()]);
});

function metadata(): ExportMetadata {
  return buildMetadata({
    labels: LABELS,
    inputSize: [64, 64],
    resize: 'stretch',
    baseModel: 'Tiny CNN',
    preprocessing: '0..1',
    training: {
      settings: { ...DEFAULT_SETTINGS, epochs: 3 },
      history: [{ epoch: 3, loss: 0.2, accuracy: 0.9, valLoss: 0.3, valAccuracy: 0.85 }],
      valAccuracy: 0.85,
    },
    date: new Date('2025-01-02T03:04:05Z'),
  });
}

describe('the export zip', () => {
  it('holds model.json, weights.bin, a valid metadata.json and the usage card', () => {
    const meta = metadata();
    const files = unzipSync(buildExportZip(exported, meta, 'Tiny CNN'));
    expect(Object.keys(files).sort()).toEqual(['README.txt', 'metadata.json', 'model.json', 'weights.bin']);
    expect(strFromU8(files['model.json'])).toBe(exported.modelJson);
    expect(files['weights.bin']).toEqual(new Uint8Array(exported.weights));
    const m = JSON.parse(strFromU8(files['metadata.json'])) as ExportMetadata;
    expect(validateMetadata(m)).toEqual([]);
    expect(m).toEqual(meta);
    expect(m.labels).toEqual(LABELS);
    expect(m.inputShape).toEqual([64, 64, 3]);
    expect(m.resize).toBe('stretch');
    expect(m.bakedPreprocessing).toBe('0..1');
    expect(m.training).toMatchObject({ epochs: 3, batchSize: 32, learningRate: 0.001, optimizer: 'adam' });
    expect(m.metrics).toMatchObject({ valAccuracy: 0.85, epochs: 1 });
    expect(m.date).toBe('2025-01-02T03:04:05.000Z');
    const readme = strFromU8(files['README.txt']);
    expect(readme).toContain('Tiny CNN: a TF.js layers model');
    expect(readme).toContain('64x64');
    expect(readme).toContain('4 classes');
  });

  it('re-opens as the graph that was exported, with its preprocessing and labels', async () => {
    const zip = buildExportZip(exported, metadata(), 'Tiny CNN');
    const descriptor = await readModelFiles([new File([zip.slice()], 'Tiny CNN.zip')]);
    const shape = (g: ModelGraph) =>
      g.layers.map((l) => [l.name, l.className, l.config, l.trainable, l.inbound] as const);
    expect(shape(descriptor.graph)).toEqual(shape(graph));
    expect(descriptor.graph.layers.find((l) => l.name === 'conv1')?.trainable).toBe(false);
    expect(descriptor.preprocessing).toBe('0..1');
    expect(descriptor.title).toBe('Tiny CNN');
    expect(descriptor.labels).toEqual(LABELS);
    expect(descriptor.inputSize).toEqual([64, 64]);
  });

  it('the two plain files re-open too, with labels from the retrain block', async () => {
    const descriptor = await readModelFiles([
      new File([exported.modelJson], 'model.json'),
      new File([exported.weights], 'weights.bin'),
    ]);
    expect(descriptor.labels).toEqual(LABELS);
    expect(descriptor.graph.layers.map((l) => l.name)).toEqual(graph.layers.map((l) => l.name));
  });
});

describe('export helpers', () => {
  it('outputLabels takes the first list that fits the output, else numbered classes', () => {
    expect(outputLabels(2, [['a', 'b', 'c'], undefined, ['x', 'y']])).toEqual(['x', 'y']);
    expect(outputLabels(3, [[], ['a']])).toEqual(['class_0', 'class_1', 'class_2']);
  });

  it('exportFileName keeps the model name but not characters file systems refuse', () => {
    expect(exportFileName('MobileNet V2', '.zip')).toBe('MobileNet V2.zip');
    expect(exportFileName('a/b:c?', '.zip')).toBe('a_b_c_.zip');
    expect(exportFileName('..', '.zip')).toBe('model.zip');
  });

  it('metadata without a training run says so', () => {
    const m = buildMetadata({
      labels: ['a', 'b'],
      inputSize: [224, 224],
      resize: 'center-crop',
      baseModel: 'MobileNet V2',
      preprocessing: '-1..1',
      training: null,
    });
    expect(validateMetadata(m)).toEqual([]);
    expect(m.training).toBeNull();
    expect(m.metrics).toBeNull();
    expect(m.inputShape).toEqual([224, 224, 3]);
  });
});
