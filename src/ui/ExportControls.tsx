import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  buildMetadata,
  downloadExportZip,
  downloadFile,
  downloadPlainFiles,
  exportFileName,
  outputLabels,
} from '../export/exportZip';
import { writeKerasInWorker } from '../export/kerasClient';
import { exportTrainingPackage } from './trainingPackageExport';
import { usageCard, type ExportMetadata } from '../export/metadata';
import { inputSizeOf } from '../export/modelFiles';
import { useDataset } from '../store/datasetStore';
import { useEditor } from '../store/editorStore';
import { isTraining, useTraining } from '../store/trainingStore';
import { trainingClient } from '../training/client/trainingClient';

type ExportFormat = 'tfjs' | 'keras' | 'h5';

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'tfjs', label: 'TF.js (.zip)' },
  { value: 'keras', label: 'Keras (.keras)' },
  { value: 'h5', label: 'Keras legacy (.h5)' },
];

/** Units of the model's output (its last dimension), when the analysis knows them. */
function outputUnits(): number | null {
  const { graph, analysis } = useEditor.getState();
  const shape = graph && analysis?.layers.get(graph.outputs[0])?.shape;
  const units = shape ? shape[shape.length - 1] : null;
  return typeof units === 'number' ? units : null;
}

/** Everything an export needs from the stores, or a user-facing reason why it cannot run. */
export interface ExportPlan {
  ok: true;
  modelName: string;
  labels: string[];
  metadata: ExportMetadata;
  inputSize: [number, number];
}

function exportPlan(): ExportPlan | { ok: false; message: string } {
  const { graph, model, analysis } = useEditor.getState();
  if (!graph || !model) return { ok: false, message: 'No model is open: open a model first (Open model).' };
  const problem = analysis?.problems[0];
  if (problem) {
    return {
      ok: false,
      message: `The model cannot be exported yet: ${problem.message} Fix ${problem.layer ? `layer "${problem.layer}"` : 'the graph'}, then press Export model again.`,
    };
  }
  const inputSize = inputSizeOf(graph);
  if (!inputSize || graph.inputs.length !== 1) {
    return {
      ok: false,
      message: `The model input "${graph.inputs[0] ?? '?'}" has no fixed height and width: exported models take H×W RGB images. Set the input's batchInputShape to e.g. [null, 224, 224, 3], then export again.`,
    };
  }
  const units = outputUnits();
  if (units === null) {
    return {
      ok: false,
      message: `The output layer "${graph.outputs[0] ?? '?'}" has no known number of classes: check its shape in the Inspector, then export again.`,
    };
  }
  const training = useTraining.getState();
  const trainedLabels = training.result && training.result.status !== 'failed' ? training.resultLabels : [];
  const labels = outputLabels(units, [trainedLabels, useDataset.getState().classNames(), model.labels]);
  const trained = training.result && training.result.status !== 'failed' && trainedLabels.length === units;
  const metadata = buildMetadata({
    labels,
    inputSize,
    resize: training.settings.resize,
    baseModel: model.title,
    preprocessing: training.settings.preprocessing,
    training:
      trained && training.result
        ? {
            settings: training.settings,
            history: training.result.history,
            valAccuracy: training.result.valAccuracy,
          }
        : null,
  });
  return { ok: true, modelName: model.title, labels, metadata, inputSize };
}

/** Export model (format choice, zip or two plain files) and the usage card, below the results. */
export function ExportControls() {
  const [format, setFormat] = useState<ExportFormat>('tfjs');
  const [busy, setBusy] = useState<string | null>(null);
  const { model, graph, analysis } = useEditor(
    useShallow((s) => ({ model: s.model, graph: s.graph, analysis: s.analysis })),
  );
  const { resize, resultLabels } = useTraining(
    useShallow((s) => ({ resize: s.settings.resize, resultLabels: s.resultLabels })),
  );
  const classes = useDataset(useShallow((s) => s.classes.map((c) => c.name)));

  const card = useMemo(() => {
    if (!model || !graph) return null;
    const size = inputSizeOf(graph);
    const shape = analysis?.layers.get(graph.outputs[0])?.shape;
    const units = shape ? shape[shape.length - 1] : null;
    if (!size || typeof units !== 'number') return null;
    const labels = outputLabels(units, [resultLabels, classes, model.labels]);
    return usageCard({ labels, inputShape: [size[0], size[1], 3], resize }, model.title);
  }, [model, graph, analysis, resize, resultLabels, classes]);

  const [includeImages, setIncludeImages] = useState(false);

  const run = async (kind: 'zip' | 'files' | 'package') => {
    const { pushAlert } = useEditor.getState();
    if (isTraining()) {
      pushAlert(
        'warning',
        'Export waits for training: the weights change with every batch. Press Export model again once "Training finished" appears, or press Stop first.',
      );
      return;
    }
    const plan = exportPlan();
    if (!plan.ok) {
      pushAlert('error', plan.message);
      return;
    }
    const { graph: g, model: m } = useEditor.getState();
    if (!g || !m) return;
    const extension =
      kind === 'package' ? '.zip' : format === 'keras' ? '.keras' : format === 'h5' ? '.h5' : '.zip';
    setBusy(
      kind === 'package'
        ? 'Writing the training package…'
        : kind === 'zip'
          ? 'Exporting…'
          : 'Preparing model.json + weights.bin…',
    );
    try {
      const exported = await trainingClient.exportModel(
        { id: m.id, graph: g, weights: m.weights },
        {
          preprocessing: useTraining.getState().settings.preprocessing,
          title: plan.modelName,
          labels: plan.labels,
        },
      );
      if (kind === 'package') {
        await exportTrainingPackage(exported, plan, includeImages);
      } else if (kind === 'zip' && format !== 'tfjs') {
        const bytes = (await writeKerasInWorker(exported, format)) as Uint8Array<ArrayBuffer>;
        downloadFile(bytes, exportFileName(plan.modelName, extension), 'application/octet-stream');
      } else if (kind === 'zip') downloadExportZip(exported, plan.metadata, plan.modelName);
      else downloadPlainFiles(exported);
    } catch (e) {
      const file =
        kind === 'files'
          ? 'model.json + weights.bin'
          : exportFileName(plan.modelName, kind === 'package' ? ' training package.zip' : extension);
      pushAlert(
        'error',
        `Could not export ${plan.modelName} (${file}): ${(e as Error)?.message ?? String(e)} The model and its weights are unchanged: try again, or train and export again if the training worker restarted.`,
      );
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="export-controls">
      <h3>Export</h3>
      <label className="field">
        <span>Format</span>
        <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <div className="train-buttons">
        <button type="button" className="primary" disabled={busy !== null} onClick={() => void run('zip')}>
          Export model
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void run('files')}>
          Download model.json + weights.bin
        </button>
      </div>
      <div className="train-buttons">
        <button type="button" disabled={busy !== null} onClick={() => void run('package')}>
          Export training package
        </button>
        <label className="field-inline">
          <input
            type="checkbox"
            checked={includeImages}
            onChange={(e) => setIncludeImages(e.target.checked)}
          />{' '}
          Include images
        </label>
      </div>
      <p className="hint">
        The training package holds the Keras model, the dataset manifest, the settings and a train.py that
        continues this fine-tuning in Keras on several GPUs or machines.
      </p>
      {busy ? (
        <p className="hint" role="status">
          {busy}
        </p>
      ) : null}
      <details>
        <summary>How to use the exported model</summary>
        {card ? (
          <pre style={{ whiteSpace: 'pre-wrap', fontSize: 11 }}>{card}</pre>
        ) : (
          <p className="hint">Open a model with a fixed input size to see how to use its export.</p>
        )}
      </details>
    </div>
  );
}
