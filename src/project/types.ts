import type { History } from '../core/history';
import type { ModelGraph } from '../core/types';
import type { ImageMeta, StoredClass } from '../data/types';
import type { ModelDescriptor } from '../export/modelFiles';
import type { EpochLog, TrainedWeights, TrainResult, TrainSettings } from '../training/shared/types';

/** What a project holds, as saved in IndexedDB and in a project file. */

export interface ProjectEditor {
  model: ModelDescriptor | null;
  graph: ModelGraph | null;
  history: History;
}

export type SavedStatus = 'idle' | 'finished' | 'stopped' | 'failed';

export interface ProjectTraining {
  settings: TrainSettings;
  status: SavedStatus;
  statusText: string;
  epoch: number;
  epochs: number;
  history: EpochLog[];
  batchLoss: number[];
  result: Omit<TrainResult, 'weights'> | null;
  resultLabels: string[];
  /** Saved while a run was training: a reload finds it interrupted. */
  interrupted?: boolean;
}

export interface ProjectImage {
  meta: ImageMeta;
  blob: Blob;
}

/** A whole project in memory (a project file's content). */
export interface ProjectContent {
  name: string;
  editor: ProjectEditor;
  training: ProjectTraining;
  weights: TrainedWeights | null;
  dataset: { classes: StoredClass[]; images: ProjectImage[] };
}

/** A saved project in the Projects menu. */
export interface ProjectMeta {
  id: string;
  name: string;
  created: number;
  updated: number;
  /** Bytes of images, weights and model files (approximate). */
  size: number;
  /** The IndexedDB database holding the project's images. */
  datasetDb: string;
}
