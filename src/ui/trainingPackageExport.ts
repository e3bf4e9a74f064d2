import { exportFileName, downloadFile } from '../export/exportZip';
import { writeKerasInWorker } from '../export/kerasClient';
import { buildTrainingPackage, packageFileNames, type PackageClass } from '../export/trainingPackage';
import { useDataset } from '../store/datasetStore';
import { useTraining } from '../store/trainingStore';
import type { ExportedModel } from '../training/shared/api';

/** A problem the user can fix before exporting the package, worded for the alert. */
export class PackageError extends Error {
  override name = 'PackageError';
}

/**
 * Export training package: the .keras model (written in the Keras worker), the dataset's classes
 * and file names (and, when `includeImages`, the stored images), the Training panel's settings
 * and train.py, downloaded as "<model name> training package.zip".
 */
export async function exportTrainingPackage(
  exported: Pick<ExportedModel, 'modelJson' | 'weights'>,
  plan: { modelName: string; labels: string[]; inputSize: [number, number] },
  includeImages: boolean,
): Promise<string> {
  const dataset = useDataset.getState();
  const names = dataset.classes.map((c) => c.name);
  const missing = plan.labels.filter((l) => !names.includes(l));
  if (!names.length || missing.length) {
    throw new PackageError(
      names.length
        ? `the model's classes (${plan.labels.join(', ')}) are not all in the dataset (missing: ${missing.join(', ')}): train.py reads one folder per class. Add those classes or match the output layer to the dataset, then export again.`
        : "the dataset is empty: train.py continues training on the dataset's classes. Add an image folder first, then export again.",
    );
  }
  const modelFile = exportFileName(plan.modelName, '.keras');
  const keras = await writeKerasInWorker(exported, 'keras');
  const blobs = includeImages ? await dataset.getTrainImages(plan.labels) : [];
  const blobById = new Map(blobs.map((b) => [b.id, b.blob]));
  const images = includeImages ? new Map<string, Uint8Array>() : undefined;
  const classes: PackageClass[] = [];
  for (const label of plan.labels) {
    const cls = dataset.classes.find((c) => c.name === label)!;
    const list = cls.imageIds.map((id) => ({
      id,
      name: dataset.images[id]?.name ?? id,
      type: blobById.get(id)?.type,
    }));
    const files = packageFileNames(list);
    classes.push({ name: label, files });
    if (images) {
      for (const [i, img] of list.entries()) {
        const blob = blobById.get(img.id);
        if (blob) images.set(`${label}/${files[i]}`, new Uint8Array(await blob.arrayBuffer()));
      }
    }
  }
  const zip = buildTrainingPackage({
    modelName: plan.modelName,
    modelFile,
    keras,
    settings: useTraining.getState().settings,
    labels: plan.labels,
    inputSize: plan.inputSize,
    classes,
    images,
  }) as Uint8Array<ArrayBuffer>;
  const name = exportFileName(`${plan.modelName} training package`, '.zip');
  downloadFile(zip, name, 'application/zip');
  return name;
}
