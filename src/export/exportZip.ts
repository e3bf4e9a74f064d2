import { strToU8, zipSync } from 'fflate';
import type { ExportedModel } from '../training/shared/api';
import type { EpochLog, TrainSettings } from '../training/shared/types';
import { usageCard, type ExportMetadata } from './metadata';
import type { Preprocessing } from './modelFiles';

/**
 * The page side of export: what goes into `<model name>.zip` (model.json, weights.bin,
 * metadata.json, README.txt) and how files reach the user's Downloads (an <a download>).
 */

/** The tool named in metadata.json. */
export const GENERATED_BY = 'Retrain (in-browser transfer learning, TensorFlow.js)';

/**
 * Class names in output order: the first candidate list with one name per output unit (the
 * trained run's classes, the dataset's, the model file's), else "class_0", "class_1", ...
 */
export function outputLabels(
  units: number,
  candidates: readonly (readonly string[] | undefined)[],
): string[] {
  const fit = candidates.find((c) => c && c.length === units && c.length > 0);
  return fit ? [...fit] : Array.from({ length: units }, (_, i) => `class_${i}`);
}

/** What metadata.json is made from (the page's stores hold all of it). */
export interface MetadataInput {
  labels: string[];
  inputSize: [number, number];
  resize: ExportMetadata['resize'];
  baseModel: string;
  preprocessing: Preprocessing;
  /** The run that produced the weights, when the model was trained. */
  training: { settings: TrainSettings; history: EpochLog[]; valAccuracy: number | null } | null;
  date?: Date;
}

/** metadata.json for an export. */
export function buildMetadata(input: MetadataInput): ExportMetadata {
  const [h, w] = input.inputSize;
  const t = input.training;
  return {
    labels: input.labels,
    inputShape: [h, w, 3],
    resize: input.resize,
    baseModel: input.baseModel,
    bakedPreprocessing: input.preprocessing,
    training: t
      ? {
          epochs: t.settings.epochs,
          batchSize: t.settings.batchSize,
          learningRate: t.settings.learningRate,
          optimizer: t.settings.optimizer,
          momentum: t.settings.momentum,
          validationSplit: t.settings.validationSplit,
          earlyStopping: t.settings.earlyStopping,
          classWeights: t.settings.classWeights,
          augmentation: t.settings.augmentation,
          seed: t.settings.seed,
          resize: t.settings.resize,
          preprocessing: t.settings.preprocessing,
        }
      : null,
    metrics: t
      ? {
          valAccuracy: t.valAccuracy,
          epochs: t.history.length,
          ...(t.history.length ? { final: t.history[t.history.length - 1] } : {}),
        }
      : null,
    date: (input.date ?? new Date()).toISOString(),
    generatedBy: GENERATED_BY,
  };
}

/** A file name for the model: its name without characters that file systems refuse. */
export function exportFileName(modelName: string, extension: string): string {
  const safe = modelName
    // eslint-disable-next-line no-control-regex -- control characters are what file systems refuse
    .replace(/[\u0000-\u001f<>:"/\\|?*]+/g, '_')
    .trim()
    .replace(/^\.+/, '');
  return `${safe || 'model'}${extension}`;
}

/** The zip's entries: model.json, weights.bin, metadata.json and README.txt (the usage card). */
export function exportZipFiles(
  exported: Pick<ExportedModel, 'modelJson' | 'weights'>,
  metadata: ExportMetadata,
  modelName: string,
): Record<string, Uint8Array> {
  return {
    'model.json': strToU8(exported.modelJson),
    'weights.bin': new Uint8Array(exported.weights),
    'metadata.json': strToU8(`${JSON.stringify(metadata, null, 2)}\n`),
    'README.txt': strToU8(usageCard(metadata, modelName)),
  };
}

/** The bytes of `<model name>.zip`; weights are stored, not deflated (float noise does not compress). */
export function buildExportZip(
  exported: Pick<ExportedModel, 'modelJson' | 'weights'>,
  metadata: ExportMetadata,
  modelName: string,
): Uint8Array {
  const files = exportZipFiles(exported, metadata, modelName);
  return zipSync({
    'model.json': files['model.json'],
    'weights.bin': [files['weights.bin'], { level: 0 }],
    'metadata.json': files['metadata.json'],
    'README.txt': files['README.txt'],
  });
}

/** Saves bytes to the user's Downloads through a temporary <a download>. */
export function downloadFile(data: BlobPart, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel a download that has not started reading the blob yet.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Downloads `<model name>.zip` and returns its file name. */
export function downloadExportZip(
  exported: Pick<ExportedModel, 'modelJson' | 'weights'>,
  metadata: ExportMetadata,
  modelName: string,
): string {
  const name = exportFileName(modelName, '.zip');
  // fflate allocates a plain ArrayBuffer; its typings only say ArrayBufferLike.
  const zip = buildExportZip(exported, metadata, modelName) as Uint8Array<ArrayBuffer>;
  downloadFile(zip, name, 'application/zip');
  return name;
}

/** Downloads model.json and weights.bin as two plain files (what tf.loadLayersModel fetches). */
export function downloadPlainFiles(exported: Pick<ExportedModel, 'modelJson' | 'weights'>): void {
  downloadFile(exported.modelJson, 'model.json', 'application/json');
  downloadFile(exported.weights, 'weights.bin', 'application/octet-stream');
}
