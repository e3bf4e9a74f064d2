import { unzip, type Unzipped } from 'fflate';
import { analyzeGraph } from '../core/analysis';
import { deleteLayers, freezeUpTo } from '../core/graph';
import { graphFromKeras, ModelFormatError } from '../core/keras';
import type { ModelGraph } from '../core/types';
import { readKerasInWorker } from './kerasClient';
import { kerasToDescriptor } from './kerasImport';
import { rescalingFor } from './metadata';
import { resolveWeightKeys } from './weightKeys';

/**
 * Readers for TF.js layers model files: the built-ins served from /models, and the user's own
 * model.json + shards (chosen together, dropped, or zipped). The page only reads the topology;
 * weight bytes are handed to the training worker untouched.
 */

export type Preprocessing = '0..1' | '-1..1' | 'none';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface WeightsGroup {
  paths: string[];
  weights: WeightEntry[];
}

export type WeightSource =
  | { kind: 'url'; baseUrl: string; manifest: WeightsGroup[] }
  | { kind: 'buffers'; manifest: WeightsGroup[]; buffers: Record<string, ArrayBuffer> };

export interface ModelDescriptor {
  /** "builtin:mobilenet_v2", "file:my_model". */
  id: string;
  title: string;
  graph: ModelGraph;
  preprocessing: Preprocessing;
  /** [height, width] the model takes, when fixed. */
  inputSize: [number, number] | null;
  weights: WeightSource;
  labels?: string[];
  /** Short facts shown in the header (e.g. "8-bit weights"). */
  note?: string;
  /**
   * The output Dense the app added itself (the suggested head of a no-top backbone): its units
   * follow the dataset's class count.
   */
  appHead?: string;
}

export interface BuiltinModel {
  id: string;
  title: string;
  note: string;
  /**
   * The pretrained base opens frozen up to this layer: the first phase of the Keras fine-tuning
   * recipe, and the fast one (the frozen part runs once and is cached). nsfwjs left its top
   * blocks trainable, which would make a first run train 1.9 M convolution weights. The
   * nsfwjs Keras models freeze their hidden head too (dense_1, dense_2: trained for nsfwjs's
   * classes): a user who replaces the output layer trains just the new one first;
   * "Unfreeze from here" opens them for a second phase.
   */
  frozenBaseUpTo?: string;
}

/** The built-in the editor opens with. */
export const DEFAULT_BUILTIN = 'mobilenet_v2_140';

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  {
    // nsfwjs's MobileNetV2Mid (TF Hub's MobileNet V2 1.4, batch norm folded before its 8-bit
    // quantization), rebuilt as a layers model by scripts/nsfwjs-graph.mjs. The default: a new
    // output layer on its features scored 0.81 on flowers-dt's val photos (mean of 30 seeds,
    // decoded by Chromium) against 0.71 on the Keras MobileNet V2 below (0.76 on jpeg-js pixels:
    // its features swing with decoding). A likely cause: its 8-bit batch-norm variances, 414 of
    // 960 rounded to zero in its last block.
    id: 'mobilenet_v2_140',
    title: 'MobileNet V2',
    note: '224×224, width 1.4, 8-bit weights, original head (5 classes)',
    frozenBaseUpTo: 'feature_vector',
  },
  {
    id: 'mobilenet_v2',
    title: 'MobileNet V2 1.0 (Keras)',
    note: '224×224, 8-bit weights, original head (5 classes)',
    frozenBaseUpTo: 'dense_2',
  },
  {
    // A new output layer on its features: 0.55 on flowers-dt's val photos (0.61 on its pooled
    // features; mean of 30 seeds, Chromium-decoded pixels). Its note says so.
    id: 'inception_v3',
    title: 'Inception V3',
    note: '299×299, 8-bit weights, original head (5 classes); transfers poorly (0.55 on a test photo set), slow',
    frozenBaseUpTo: 'dense_2',
  },
  { id: 'tiny_cnn', title: 'Tiny CNN', note: '64×64, pretrained here on generated shapes (task A)' },
];

/** Bytes one weight occupies in its file (quantized weights are stored narrow). */
function bytesPerElement(w: WeightEntry): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  switch (dtype) {
    case 'uint8':
    case 'bool':
      return 1;
    case 'uint16':
    case 'float16':
      return 2;
    default:
      return 4;
  }
}

/** Total bytes a weights group expects in its shards. */
export function groupByteLength(group: WeightsGroup): number {
  return group.weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w), 0);
}

/** The `retrain` block Retrain writes into model.json beside the standard TF.js fields. */
export interface RetrainBlock {
  title?: string;
  /** The input scaling the model (as stored) expects: "none" for an export, which takes 0..255. */
  preprocessing?: Preprocessing;
  inputSize?: [number, number];
  labels?: string[];
  /** Name of the Rescaling layer an export inserted right after the input. */
  bakedRescaling?: string;
  /** The preprocessing the edited graph had before the export baked it into `bakedRescaling`. */
  originalPreprocessing?: Preprocessing;
}

/** A model.json read into the editor's terms. */
export interface ParsedModelJson {
  graph: ModelGraph;
  manifest: WeightsGroup[];
  /** The `retrain` block, with `preprocessing` already what `graph` expects. */
  retrain?: RetrainBlock;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const PREPROCESSINGS: readonly Preprocessing[] = ['0..1', '-1..1', 'none'];

const isPreprocessing = (v: unknown): v is Preprocessing => PREPROCESSINGS.includes(v as Preprocessing);

const close = (a: unknown, b: number) =>
  typeof a === 'number' && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

/**
 * Undoes an export's baked-in scaling: removes the Rescaling layer named by
 * `retrain.bakedRescaling` (when it still sits right after the input with the parameters of
 * `originalPreprocessing`) and returns the preprocessing the remaining graph expects. Anything
 * else is left as it is, since removing an edited layer would change what the model computes.
 */
export function removeBakedRescaling(
  graph: ModelGraph,
  retrain: RetrainBlock | undefined,
): { graph: ModelGraph; preprocessing: Preprocessing | undefined } {
  const stored = isPreprocessing(retrain?.preprocessing) ? retrain.preprocessing : undefined;
  const name = retrain?.bakedRescaling;
  const original = retrain?.originalPreprocessing;
  if (typeof name !== 'string' || !isPreprocessing(original)) return { graph, preprocessing: stored };
  const layer = graph.layers.find((l) => l.name === name);
  const params = rescalingFor(original);
  const input =
    layer?.inbound.length === 1 ? graph.layers.find((l) => l.name === layer.inbound[0]) : undefined;
  if (
    !layer ||
    !params ||
    layer.className !== 'Rescaling' ||
    !input ||
    input.className !== 'InputLayer' ||
    !graph.inputs.includes(input.name) ||
    graph.outputs.includes(name) ||
    !close(layer.config.scale, params.scale) ||
    !close(layer.config.offset ?? 0, params.offset)
  ) {
    return { graph, preprocessing: stored };
  }
  const bypassed = deleteLayers(graph, [name]);
  return bypassed.ok ? { graph: bypassed.graph, preprocessing: original } : { graph, preprocessing: stored };
}

/** Parses model.json text into a graph and weights manifest; throws ModelFormatError with advice. */
export function parseModelJson(text: string, fileName = 'model.json'): ParsedModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(
      `${fileName} is not valid JSON (${(e as Error).message}): choose the model.json that TF.js or tensorflowjs_converter wrote.`,
    );
  }
  if (!isRecord(json))
    throw new ModelFormatError(`${fileName} does not hold a JSON object: it is not a TF.js model.`);
  if (json.format === 'graph-model') {
    throw new ModelFormatError(
      `${fileName} is a TF.js graph model: only layers models can be edited and fine-tuned. Convert the Keras model with tensorflowjs_converter --output_format=tfjs_layers_model.`,
    );
  }
  if (!('modelTopology' in json)) {
    throw new ModelFormatError(
      `${fileName} has no "modelTopology": it is not a TF.js layers model. Choose the model.json of a layers model.`,
    );
  }
  let graph: ModelGraph;
  try {
    graph = graphFromKeras(json.modelTopology, fileName.replace(/\.json$/, ''));
  } catch (e) {
    if (!(e instanceof ModelFormatError)) throw e;
    // The topology reader says what is wrong and where; say what to do about it.
    throw new ModelFormatError(
      `in ${fileName}, ${e.message}. Save the model again as a plain Keras functional or Sequential model (tensorflowjs_converter --output_format=tfjs_layers_model) and open that.`,
    );
  }
  const manifestRaw = json.weightsManifest ?? [];
  if (!Array.isArray(manifestRaw))
    throw new ModelFormatError(`${fileName} has a "weightsManifest" that is not a list.`);
  const manifest = manifestRaw.map((g, i) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      throw new ModelFormatError(`${fileName}: weights group #${i + 1} has no paths/weights lists.`);
    }
    return g as unknown as WeightsGroup;
  });
  const retrain = isRecord(json.retrain) ? (json.retrain as RetrainBlock) : undefined;
  // An export takes 0..255 through a Rescaling layer; the editor shows the graph as it was edited.
  const unbaked = removeBakedRescaling(graph, retrain);
  return {
    graph: unbaked.graph,
    manifest,
    retrain: retrain && { ...retrain, preprocessing: unbaked.preprocessing },
  };
}

/** Checks what can be checked before any weight is decoded: known layers and weight shapes. */
export function validateModel(graph: ModelGraph, manifest: WeightsGroup[]): void {
  const analysis = analyzeGraph(graph);
  const unknown = graph.layers.filter((l) => analysis.layers.get(l.name)?.error?.includes('does not know'));
  if (unknown.length) {
    const list = unknown
      .slice(0, 5)
      .map((l) => `"${l.name}" (${l.className})`)
      .join(', ');
    throw new ModelFormatError(
      `The model uses layer classes the editor cannot edit or train: ${list}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}. Custom layers (such as Lambda) hold code that cannot run here: rebuild the model without them.`,
    );
  }
  if (!graph.inputs.length || !graph.outputs.length) {
    throw new ModelFormatError(
      `The model lists no ${graph.inputs.length ? 'output' : 'input'} layer (its "${graph.inputs.length ? 'output_layers' : 'input_layers'}" is empty), so it cannot be run or trained: save it again from Keras with its inputs and outputs.`,
    );
  }
  const broken = analysis.problems.find((p) => p.layer && analysis.layers.get(p.layer)?.shape === null);
  if (broken) throw new ModelFormatError(`The model does not fit together: ${broken.message}`);
  const stored = new Map(manifest.flatMap((g) => g.weights).map((w) => [w.name, w]));
  for (const layer of graph.layers) {
    for (const w of analysis.layers.get(layer.name)?.weights ?? []) {
      const entry = stored.get(`${layer.weightsKey ?? layer.name}/${w.name}`);
      if (entry && entry.shape.join(',') !== w.shape.join(',')) {
        throw new ModelFormatError(
          `The weights "${entry.name}" have shape [${entry.shape.join(', ')}] but layer "${layer.name}" needs [${w.shape.join(', ')}]: the weight files do not belong to this model.json.`,
        );
      }
    }
  }
}

/** Loads a built-in model's topology; its weights stay on the server until the worker needs them. */
export async function loadBuiltin(id: string, base = import.meta.env.BASE_URL): Promise<ModelDescriptor> {
  const builtin = BUILTIN_MODELS.find((m) => m.id === id);
  if (!builtin) throw new ModelFormatError(`There is no built-in model "${id}".`);
  const baseUrl = `${base}models/${id}/`;
  const res = await fetch(`${baseUrl}model.json`);
  if (!res.ok) {
    throw new ModelFormatError(
      `The built-in ${builtin.title} could not be loaded (HTTP ${res.status}): run "npm run prepare-models" or reinstall, then reload.`,
    );
  }
  const parsed = parseModelJson(await res.text(), `${id}/model.json`);
  const graph = builtin.frozenBaseUpTo ? freezeUpTo(parsed.graph, builtin.frozenBaseUpTo) : parsed.graph;
  return {
    id: `builtin:${id}`,
    title: builtin.title,
    graph,
    preprocessing: parsed.retrain?.preprocessing ?? '0..1',
    inputSize: inputSizeOf(parsed.graph) ?? parsed.retrain?.inputSize ?? null,
    weights: { kind: 'url', baseUrl, manifest: parsed.manifest },
    note: builtin.note,
  };
}

/** [height, width] of the first input, when fixed. */
export function inputSizeOf(graph: ModelGraph): [number, number] | null {
  const input = graph.layers.find((l) => l.name === graph.inputs[0]);
  const shape = input?.config.batchInputShape;
  if (Array.isArray(shape) && typeof shape[1] === 'number' && typeof shape[2] === 'number')
    return [shape[1], shape[2]];
  return null;
}

const MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024;

/** Unzips in fflate's worker, refusing archives that would expand past 1 GiB (zip bombs). */
export function unzipSafe(data: Uint8Array, zipName: string): Promise<Unzipped> {
  return new Promise((resolve, reject) => {
    let total = 0;
    let refused = '';
    let refusedSize = 0;
    unzip(
      data,
      {
        filter(file) {
          total += file.originalSize;
          if (total > MAX_UNZIPPED_BYTES || file.originalSize > 64 * data.byteLength + 1024 * 1024 * 64) {
            refused = file.name;
            refusedSize = file.originalSize;
            return false;
          }
          return !file.name.endsWith('/');
        },
      },
      (err, files) => {
        if (refused) {
          reject(
            new ModelFormatError(
              `${zipName} would unpack to more than ${total > MAX_UNZIPPED_BYTES ? '1 GiB' : `${Math.round(refusedSize / 2 ** 20)} MiB from ${Math.ceil(data.byteLength / 1024)} KiB`} (at "${refused}"): it looks like a zip bomb and was not opened. Unzip it yourself if you trust it, and choose its model.json with the weight files.`,
            ),
          );
        } else if (err) {
          reject(
            new ModelFormatError(
              `${zipName} could not be unzipped (${err.message}): check that it is a complete .zip file.`,
            ),
          );
        } else resolve(files);
      },
    );
  });
}

const baseName = (path: string) => path.split('/').pop() ?? path;

/**
 * Freezes the nested model that holds the input (a Teachable Machine export's MobileNet): TM
 * trained only the head on it, and so does the editor until the user unfreezes it.
 */
function freezeBaseGroup(graph: ModelGraph): ModelGraph {
  const group = graph.layers.find((l) => graph.inputs.includes(l.name))?.group;
  const last = group ? [...graph.layers].reverse().find((l) => l.group === group) : undefined;
  return last ? freezeUpTo(graph, last.name) : graph;
}

/** metadata.json of a Teachable Machine export (its image models are MobileNets on [-1, 1]). */
function isTeachableMachineMetadata(m: Record<string, unknown>): boolean {
  return typeof m.tmVersion === 'string' || String(m.packageName ?? '').includes('teachablemachine');
}

/** Keras model files: Keras 3 `.keras` and legacy HDF5 `.h5`. */
export const isKerasFile = (f: { name: string }): boolean => /\.(keras|h5|hdf5)$/i.test(f.name);

/** What an import needs from the page: the class count a new head gets (weights-only files). */
export interface ReadModelOptions {
  headUnits?: number;
}

/**
 * Reads the user's model files (model.json + shards, or one .zip of them, or one Keras
 * .keras/.h5 file) into a descriptor.
 */
export async function readModelFiles(
  files: readonly File[],
  options: ReadModelOptions = {},
): Promise<ModelDescriptor> {
  const keras = files.find(isKerasFile);
  if (keras) {
    const raw = await readKerasInWorker(keras);
    return kerasToDescriptor(raw, keras.name, { headUnits: options.headUnits ?? 2 });
  }
  let entries: Record<string, Uint8Array | File> = {};
  const zip = files.find((f) => f.name.toLowerCase().endsWith('.zip'));
  let label = files.map((f) => f.name).join(', ');
  if (zip) {
    label = zip.name;
    const unzipped = await unzipSafe(new Uint8Array(await zip.arrayBuffer()), zip.name);
    for (const [path, bytes] of Object.entries(unzipped)) entries[baseName(path)] = bytes;
  } else {
    entries = Object.fromEntries(files.map((f) => [baseName(f.name), f]));
  }
  const jsonName =
    Object.keys(entries).find((n) => n.toLowerCase() === 'model.json') ??
    Object.keys(entries).find((n) => n.toLowerCase().endsWith('.json') && n !== 'metadata.json');
  if (!jsonName) {
    throw new ModelFormatError(
      `${label}: no model.json found. Choose a TF.js model.json together with its weight files, or a .zip that holds them.`,
    );
  }
  const jsonEntry = entries[jsonName];
  const text = jsonEntry instanceof File ? await jsonEntry.text() : new TextDecoder().decode(jsonEntry);
  const parsed = parseModelJson(text, jsonName);
  const buffers: Record<string, ArrayBuffer> = {};
  for (const group of parsed.manifest) {
    let got = 0;
    for (const path of group.paths) {
      const entry = entries[baseName(path)];
      if (!entry) {
        throw new ModelFormatError(
          `The weight file "${baseName(path)}" named in ${jsonName} is missing: choose it together with ${jsonName}.`,
        );
      }
      const buf = entry instanceof File ? await entry.arrayBuffer() : entry.slice().buffer;
      buffers[baseName(path)] = buf;
      got += buf.byteLength;
    }
    const want = groupByteLength(group);
    if (got !== want) {
      throw new ModelFormatError(
        `The weight files ${group.paths.map(baseName).join(', ')} hold ${got} bytes but ${jsonName} describes ${want}: a file is truncated or belongs to another model.`,
      );
    }
  }
  const graph = resolveWeightKeys(parsed.graph, parsed.manifest);
  validateModel(graph, parsed.manifest);
  const retrainLabels = parsed.retrain?.labels;
  let labels = Array.isArray(retrainLabels) ? retrainLabels.map(String) : undefined;
  const meta = entries['metadata.json'];
  let tm = false;
  if (meta) {
    try {
      const m = JSON.parse(
        meta instanceof File ? await meta.text() : new TextDecoder().decode(meta),
      ) as unknown;
      if (isRecord(m) && Array.isArray(m.labels)) labels = m.labels.map(String);
      if (isRecord(m)) tm = isTeachableMachineMetadata(m);
    } catch {
      // A broken metadata.json only loses the labels; the model itself is fine.
    }
  }
  return {
    id: `file:${graph.name}`,
    title: parsed.retrain?.title ?? graph.name,
    graph: tm ? freezeBaseGroup(graph) : graph,
    // Teachable Machine's MobileNets take [-1, 1] and its exports do not say so in model.json.
    preprocessing: parsed.retrain?.preprocessing ?? (tm ? '-1..1' : '0..1'),
    inputSize: inputSizeOf(graph),
    weights: { kind: 'buffers', manifest: parsed.manifest, buffers },
    labels,
    note: labels?.length ? `classes: ${labels.join(', ')}` : undefined,
  };
}
