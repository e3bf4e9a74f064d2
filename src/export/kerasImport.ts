import { analyzeGraph } from '../core/analysis';
import { freezeUpTo, insertAfter } from '../core/graph';
import { graphFromKeras, ModelFormatError } from '../core/keras';
import { mobilenetV2Topology } from '../core/mobilenetV2';
import type { ModelGraph } from '../core/types';
import { getLayerSpec } from '../core/layers/registry';
import { kerasWeightOrder } from '../core/kerasV3';
import type { RawKerasModel, StoredWeight } from './kerasFiles';
import {
  inputSizeOf,
  removeBakedRescaling,
  validateModel,
  type ModelDescriptor,
  type Preprocessing,
  type WeightEntry,
} from './modelFiles';

/**
 * A Keras file (read by kerasFiles.ts) into the editor's ModelDescriptor: the graph from its
 * config, and every weight matched to its layer by layer name and weight name (or Keras order),
 * with shapes checked, packed into one float32 buffer like a TF.js weights.bin.
 */

const WEIGHTS_FILE = 'weights.bin';

let loads = 0;
/** The worker caches decoded weights by model id: every opened file gets its own. */
const freshId = (stem: string) => `file:${stem}#${Date.now().toString(36)}${++loads}`;

/** Standard width multipliers of the published MobileNet V2 weights, tried after the file name's. */
const MOBILENET_ALPHAS = [0.35, 0.5, 0.75, 1.0, 1.3, 1.4];

const baseWeightName = (name: string) => (name.split('/').pop() ?? name).replace(/:\d+$/, '');

/** Matches stored weights to the graph's layers; throws naming the first mismatch. */
function matchWeights(
  graph: ModelGraph,
  stored: RawKerasModel['layers'],
  label: string,
): { entries: WeightEntry[]; buffer: ArrayBuffer } {
  const analysis = analyzeGraph(graph);
  const byLayer = new Map(stored.map((l) => [l.name, l.weights]));
  const entries: WeightEntry[] = [];
  const chunks: Float32Array[] = [];
  const known = new Set(graph.layers.map((l) => l.weightsKey ?? l.name));
  const orphan = stored.find((l) => l.weights.length && !known.has(l.name));
  if (orphan) {
    throw new ModelFormatError(
      `${label} holds weights for a layer "${orphan.name}" that its model config does not have: the file is inconsistent. Save the model again in Keras.`,
    );
  }
  for (const layer of graph.layers) {
    const specs = kerasWeightOrder(analysis.layers.get(layer.name)?.weights ?? []);
    const file: StoredWeight[] = byLayer.get(layer.weightsKey ?? layer.name) ?? [];
    if (!specs.length && !file.length) continue;
    if (file.length !== specs.length) {
      throw new ModelFormatError(
        `${label}: layer "${layer.name}" (${layer.className}) has ${file.length} stored weights but needs ${specs.length} (${specs.map((s) => s.name).join(', ')}): the file does not match its config.`,
      );
    }
    const names = file.map((w) => baseWeightName(w.name));
    const byName = specs.every((s) => names.includes(s.name));
    specs.forEach((spec, i) => {
      const w = byName ? file[names.indexOf(spec.name)] : file[i];
      if (w.shape.join(',') !== spec.shape.join(',')) {
        throw new ModelFormatError(
          `${label}: the weight "${layer.name}/${spec.name}" has shape [${w.shape.join(', ')}] but layer "${layer.name}" needs [${spec.shape.join(', ')}]: the weights do not belong to this model.`,
        );
      }
      entries.push({ name: `${layer.name}/${spec.name}`, shape: spec.shape, dtype: 'float32' });
      chunks.push(w.data);
    });
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return { entries, buffer: all.buffer };
}

/** The alpha in a Keras Applications file name (`..._0.35_224_no_top.h5`), when there is one. */
function alphaFromName(fileName: string): { alpha?: number; rows?: number } {
  const m = /mobilenet_v2[^/]*?_(\d+(?:\.\d+)?)_(\d+)(?:_no_top)?\.h5$/i.exec(fileName);
  return m ? { alpha: Number(m[1]), rows: Number(m[2]) } : {};
}

/**
 * Matches a weights-only file (no model config) to MobileNet V2 by its layer names and weight
 * shapes; returns the architecture with those weights, or throws an alert-worthy refusal.
 */
export function matchApplicationsWeights(
  raw: RawKerasModel,
  fileName: string,
): { graph: ModelGraph; entries: WeightEntry[]; buffer: ArrayBuffer; alpha: number } {
  const names = new Set(raw.layers.filter((l) => l.weights.length).map((l) => l.name));
  const looksLikeMobileNetV2 = [
    'Conv1',
    'bn_Conv1',
    'expanded_conv_depthwise',
    'block_16_project',
    'Conv_1',
  ].every((n) => names.has(n));
  if (!looksLikeMobileNetV2) {
    const sample = [...names].slice(0, 4).join(', ');
    throw new ModelFormatError(
      `${fileName} holds weights only (no model config), and its layers (${sample || 'none'}${names.size > 4 ? ', ...' : ''}) do not match a built-in architecture (MobileNet V2). Save the whole model in Keras with model.save("model.keras") and open that file.`,
    );
  }
  const fromName = alphaFromName(fileName);
  const includeTop = names.has('Logits') || names.has('predictions');
  const tried = [...new Set([...(fromName.alpha ? [fromName.alpha] : []), ...MOBILENET_ALPHAS])];
  let last: unknown = null;
  for (const alpha of tried) {
    const topology = mobilenetV2Topology({ alpha, rows: fromName.rows ?? 224, includeTop: false });
    const graph = graphFromKeras(topology, 'mobilenet_v2');
    const extra = [...names].filter((n) => !graph.layers.some((l) => l.name === n));
    if (extra.length && !includeTop) {
      last = new ModelFormatError(
        `${fileName} has layers MobileNet V2 does not: ${extra.slice(0, 3).join(', ')}.`,
      );
      continue;
    }
    try {
      const kept = raw.layers.filter((l) => graph.layers.some((g) => g.name === l.name));
      return { graph, ...matchWeights(graph, kept, fileName), alpha };
    } catch (e) {
      last = e;
    }
  }
  throw new ModelFormatError(
    `${fileName} has the layer names of MobileNet V2 but its weight shapes fit no width multiplier (tried ${tried.join(', ')}): ${(last as Error)?.message ?? ''} Open the whole model saved with model.save instead.`,
  );
}

/** A new classification head on a no-top backbone: GlobalAveragePooling2D and a softmax Dense, base frozen. */
function withHead(graph: ModelGraph, units: number): ModelGraph {
  const out = graph.outputs[0];
  const pool = getLayerSpec('GlobalAveragePooling2D')!.defaults();
  const dense = getLayerSpec('Dense')!.defaults();
  const a = insertAfter(graph, out, {
    name: 'global_average_pooling2d',
    className: 'GlobalAveragePooling2D',
    config: pool,
    inbound: [],
    trainable: true,
  });
  if (!a.ok) throw new ModelFormatError(a.error);
  const b = insertAfter(a.graph, 'global_average_pooling2d', {
    name: 'predictions',
    className: 'Dense',
    config: { ...dense, units, activation: 'softmax' },
    inbound: [],
    trainable: true,
  });
  if (!b.ok) throw new ModelFormatError(b.error);
  return freezeUpTo(b.graph, out);
}

/** Options of an import that the page knows: how many classes a new head gets. */
export interface KerasImportOptions {
  headUnits: number;
}

/** A Keras file read by kerasFiles.ts as the editor's model descriptor. */
export function kerasToDescriptor(
  raw: RawKerasModel,
  fileName: string,
  options: KerasImportOptions,
): ModelDescriptor {
  const stem = fileName.replace(/\.(keras|h5|hdf5)$/i, '');
  if (!raw.topology) {
    const matched = matchApplicationsWeights(raw, fileName);
    const graph = withHead(matched.graph, Math.max(2, options.headUnits));
    return {
      id: freshId(stem),
      title: `MobileNet V2 ${matched.alpha.toFixed(2)} (Keras weights)`,
      graph,
      preprocessing: '-1..1',
      inputSize: inputSizeOf(graph),
      weights: {
        kind: 'buffers',
        manifest: [{ paths: [WEIGHTS_FILE], weights: matched.entries }],
        buffers: { [WEIGHTS_FILE]: matched.buffer },
      },
      note: `Keras Applications weights, α ${matched.alpha}; new head`,
    };
  }
  const read = graphFromKeras(raw.topology, stem);
  const unbaked = removeBakedRescaling(read, raw.retrain);
  const graph = unbaked.graph;
  // Unknown layer classes and broken shapes first: they explain weight problems better.
  validateModel(graph, []);
  const { entries, buffer } = matchWeights(graph, raw.layers, fileName);
  const first = graph.layers.find((l) => l.inbound.length === 1 && l.inbound[0] === graph.inputs[0]);
  const guessed: Preprocessing = first?.className === 'Rescaling' ? 'none' : '0..1';
  const labels = raw.retrain?.labels;
  return {
    id: freshId(stem),
    title: raw.retrain?.title ?? stem,
    graph,
    preprocessing: unbaked.preprocessing ?? guessed,
    inputSize: inputSizeOf(graph),
    weights: {
      kind: 'buffers',
      manifest: [{ paths: [WEIGHTS_FILE], weights: entries }],
      buffers: { [WEIGHTS_FILE]: buffer },
    },
    labels: Array.isArray(labels) ? labels.map(String) : undefined,
    note: `Keras ${raw.format === 'keras' ? '3 (.keras)' : 'legacy (.h5)'}${raw.kerasVersion ? ` ${raw.kerasVersion}` : ''}`,
  };
}
