import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useDataset } from '../store/datasetStore';
import { useEditor } from '../store/editorStore';
import { useTraining } from '../store/trainingStore';
import { trainingClient } from '../training/client/trainingClient';
import type { Prediction } from '../training/shared/types';
import { ExportControls } from './ExportControls';

/** Confusion matrix, per-class precision/recall and trying the model on a new image. */
export function ResultsPanel() {
  const { result, labels, settings } = useTraining(
    useShallow((s) => ({ result: s.result, labels: s.resultLabels, settings: s.settings })),
  );
  const images = useDataset((s) => s.images);
  const [cell, setCell] = useState<{ t: number; p: number } | null>(null);
  const [predictions, setPredictions] = useState<{ name: string; url: string; top: Prediction[] } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

  const testImage = async (file: File) => {
    const { graph, model, pushAlert } = useEditor.getState();
    if (!graph || !model) return;
    const classNames = labels.length ? labels : useDataset.getState().classNames();
    setBusy(true);
    try {
      const top = await trainingClient.predict(
        { id: model.id, graph, weights: model.weights },
        file,
        classNames,
        { preprocessing: settings.preprocessing, resize: settings.resize },
      );
      if (predictions) URL.revokeObjectURL(predictions.url);
      setPredictions({ name: file.name, url: URL.createObjectURL(file), top });
    } catch (e) {
      pushAlert(
        'error',
        `Could not classify ${file.name}: ${(e as Error).message} Choose a JPEG, PNG, WebP, BMP or GIF image.`,
      );
    } finally {
      setBusy(false);
    }
  };

  const shown =
    cell && result ? result.validation.filter((v) => v.label === cell.t && v.predicted === cell.p) : [];
  return (
    <section className="panel results" aria-label="Results">
      <h2>Results</h2>
      {result && result.confusion.length > 0 ? (
        <>
          <table className="confusion">
            <caption>Confusion matrix (validation images: rows true, columns predicted)</caption>
            <thead>
              <tr>
                <th scope="col">true \ predicted</th>
                {labels.map((l) => (
                  <th key={l} scope="col">
                    {l}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.confusion.map((row, ti) => (
                <tr key={ti}>
                  <th scope="row">{labels[ti]}</th>
                  {row.map((n, pi) => (
                    <td key={pi} className={ti === pi ? 'diag' : n > 0 ? 'off' : ''}>
                      <button
                        type="button"
                        aria-label={`${n} images of ${labels[ti]} predicted as ${labels[pi]}`}
                        onClick={() => setCell({ t: ti, p: pi })}
                      >
                        {n}
                      </button>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {cell ? (
            <div className="cell-images">
              <p>
                {labels[cell.t]} predicted as {labels[cell.p]}: {shown.length} images
              </p>
              <div className="thumbs">
                {shown.map((v) => {
                  const img = images[v.id];
                  return img ? (
                    <img
                      key={v.id}
                      src={img.thumbUrl}
                      alt={img.name}
                      title={img.name}
                      width={48}
                      height={48}
                    />
                  ) : null;
                })}
              </div>
            </div>
          ) : null}
          <table className="per-class">
            <caption>Per class</caption>
            <thead>
              <tr>
                <th scope="col">class</th>
                <th scope="col">precision</th>
                <th scope="col">recall</th>
              </tr>
            </thead>
            <tbody>
              {result.perClass.map((m, i) => (
                <tr key={i}>
                  <th scope="row">{labels[i]}</th>
                  <td>{m.precision.toFixed(3)}</td>
                  <td>{m.recall.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <p className="hint">Train the model to see how it does on the validation images.</p>
      )}
      <label className="field">
        <span>Test image</span>
        <input
          type="file"
          accept="image/*"
          disabled={busy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void testImage(f);
          }}
        />
      </label>
      {predictions ? (
        <div className="predictions" aria-label="Predictions">
          <img src={predictions.url} alt={predictions.name} width={96} />
          <ol>
            {predictions.top.map((p) => (
              <li key={p.label} data-label={p.label} data-probability={p.probability}>
                <span className="pred-label">{p.label}</span>:{' '}
                <span className="pred-prob">{(p.probability * 100).toFixed(1)}%</span>
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      <ExportControls />
    </section>
  );
}
