import { unzip, zip, type Unzipped, type Zippable } from 'fflate';
import type { ModelDescriptor, WeightSource } from '../export/modelFiles';
import type { TrainedWeights } from '../training/shared/types';
import { packGraphs, PackedGraphError, unpackGraphs, type PackedGraphs } from './graphTable';
import type { ProjectContent, ProjectTraining } from './types';

/**
 * A project as one .zip: project.json (graph with its history, settings, curves, class names,
 * image list, model description) beside the binary parts (model weight files, trained weights,
 * images and thumbnails), so the whole project moves to another machine.
 */

export const PROJECT_FORMAT = 'retrain-project';
export const PROJECT_VERSION = 1;

/** A project file that cannot be read; the message says what and where. */
export class ProjectFileError extends Error {}

interface ImageEntry {
  id: string;
  name: string;
  hash: string;
  width: number;
  height: number;
  type: string;
  thumbType: string;
}

interface ProjectJson {
  format: typeof PROJECT_FORMAT;
  version: number;
  name: string;
  savedAt: string;
  model: (Omit<ModelDescriptor, 'graph' | 'weights'> & { weights: StoredWeightSource }) | null;
  graphs: PackedGraphs;
  training: ProjectTraining;
  weights: Omit<TrainedWeights, 'data'> | null;
  dataset: { classes: { name: string; imageIds: string[] }[]; images: ImageEntry[] };
}

type StoredWeightSource =
  | Extract<WeightSource, { kind: 'url' }>
  | { kind: 'buffers'; manifest: Extract<WeightSource, { kind: 'buffers' }>['manifest']; files: string[] };

const bytes = async (b: Blob) => new Uint8Array(await b.arrayBuffer());
const STORE = { level: 0 } as const;

/** Writes a project file. */
export async function writeProjectFile(project: ProjectContent): Promise<Uint8Array> {
  const { editor, training, weights, dataset } = project;
  const files: Zippable = {};
  let model: ProjectJson['model'] = null;
  if (editor.model) {
    const { graph: _g, weights: source, ...rest } = editor.model;
    if (source.kind === 'buffers') {
      const names = Object.keys(source.buffers);
      names.forEach((n, i) => {
        files[`model/${i}.bin`] = [new Uint8Array(source.buffers[n]), STORE];
      });
      model = { ...rest, weights: { kind: 'buffers', manifest: source.manifest, files: names } };
    } else model = { ...rest, weights: source };
  }
  if (weights) files['weights.bin'] = [new Uint8Array(weights.data), STORE];
  const images: ImageEntry[] = [];
  for (const { meta, blob } of dataset.images) {
    files[`images/${meta.id}`] = [await bytes(blob), STORE];
    files[`thumbs/${meta.id}`] = [await bytes(meta.thumb), STORE];
    images.push({
      id: meta.id,
      name: meta.name,
      hash: meta.hash,
      width: meta.width,
      height: meta.height,
      type: blob.type,
      thumbType: meta.thumb.type,
    });
  }
  const json: ProjectJson = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name: project.name,
    savedAt: new Date().toISOString(),
    model,
    graphs: packGraphs(editor.graph, editor.model?.graph ?? null, editor.history),
    training,
    weights: weights ? { modelId: weights.modelId, epoch: weights.epoch, entries: weights.entries } : null,
    dataset: { classes: dataset.classes, images },
  };
  files['project.json'] = new TextEncoder().encode(JSON.stringify(json));
  return new Promise((resolve, reject) =>
    zip(files, { level: 6 }, (err, data) => (err ? reject(err) : resolve(data))),
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const copy = (u: Uint8Array): ArrayBuffer => u.slice().buffer;

/** Reads a project file; throws ProjectFileError saying what is wrong and where. */
export async function readProjectFile(data: Uint8Array, fileName: string): Promise<ProjectContent> {
  const fail = (what: string): never => {
    throw new ProjectFileError(`${fileName} is not a usable Retrain project file: ${what}.`);
  };
  let files: Unzipped;
  try {
    files = await new Promise<Unzipped>((resolve, reject) =>
      unzip(data, (err, out) => (err ? reject(err) : resolve(out))),
    );
  } catch (e) {
    return fail(`it is not a readable .zip (${(e as Error).message})`);
  }
  const raw = files['project.json'] ?? fail('project.json is missing from the zip');
  let json: ProjectJson;
  try {
    json = JSON.parse(new TextDecoder().decode(raw)) as ProjectJson;
  } catch (e) {
    return fail(`project.json is not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(json) || json.format !== PROJECT_FORMAT)
    fail(
      `project.json does not say format "${PROJECT_FORMAT}" (a model zip opens with Open model → Model files)`,
    );
  if (typeof json.version !== 'number' || json.version > PROJECT_VERSION)
    fail(`project.json has version ${String(json.version)}, newer than this app reads (${PROJECT_VERSION})`);
  if (!isRecord(json.training) || !isRecord(json.training.settings))
    fail('project.json has no training settings');
  if (!isRecord(json.dataset) || !Array.isArray(json.dataset.classes) || !Array.isArray(json.dataset.images))
    fail('project.json has no dataset section');

  let graphs: ReturnType<typeof unpackGraphs>;
  try {
    graphs = unpackGraphs(json.graphs);
  } catch (e) {
    if (e instanceof PackedGraphError || e instanceof TypeError)
      return fail(`the graph in project.json is damaged (${e.message})`);
    throw e;
  }

  let model: ModelDescriptor | null = null;
  if (json.model) {
    if (!graphs.original) fail('the model in project.json has no graph');
    const { weights: source, ...rest } = json.model;
    let weights: WeightSource;
    if (source?.kind === 'buffers') {
      const buffers: Record<string, ArrayBuffer> = {};
      source.files.forEach((name, i) => {
        buffers[name] = copy(
          files[`model/${i}.bin`] ?? fail(`the model weight file model/${i}.bin is missing`),
        );
      });
      weights = { kind: 'buffers', manifest: source.manifest, buffers };
    } else if (source?.kind === 'url') weights = source;
    else return fail('the model in project.json has no weight source');
    model = { ...rest, graph: graphs.original!, weights };
  }

  let weights: TrainedWeights | null = null;
  if (json.weights) {
    const bin = files['weights.bin'] ?? fail('weights.bin (the trained weights) is missing');
    const need = json.weights.entries.reduce((a, e) => a + e.shape.reduce((x, y) => x * y, 1), 0) * 4;
    if (bin.byteLength !== need)
      fail(`weights.bin has ${bin.byteLength} bytes but project.json lists ${need} bytes of trained weights`);
    weights = { ...json.weights, data: copy(bin) };
  }

  const ids = new Set(json.dataset.images.map((i) => i.id));
  for (const c of json.dataset.classes) {
    const missing = c.imageIds.find((id) => !ids.has(id));
    if (missing) fail(`class "${c.name}" lists an image ${missing} that is not in the file`);
  }
  const images = json.dataset.images.map((e) => {
    const blob = files[`images/${e.id}`] ?? fail(`the image images/${e.id} (${e.name}) is missing`);
    const thumb = files[`thumbs/${e.id}`] ?? fail(`the thumbnail thumbs/${e.id} (${e.name}) is missing`);
    return {
      meta: {
        id: e.id,
        name: e.name,
        hash: e.hash,
        width: e.width,
        height: e.height,
        thumb: new Blob([copy(thumb)], { type: e.thumbType }),
      },
      blob: new Blob([copy(blob)], { type: e.type }),
    };
  });
  return {
    name: typeof json.name === 'string' && json.name.trim() ? json.name : fileName.replace(/\.zip$/i, ''),
    editor: { model, graph: graphs.current, history: graphs.history },
    training: json.training,
    weights,
    dataset: { classes: json.dataset.classes, images },
  };
}
