import { useEffect, useRef, useState } from 'react';
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

  const testImage = async (file: File): Promise<boolean> => {
    const { graph, model, pushAlert } = useEditor.getState();
    if (!graph || !model) return false;
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
      return true;
    } catch (e) {
      pushAlert(
        'error',
        `Could not classify ${file.name}: ${(e as Error).message} Choose a JPEG, PNG, WebP, BMP or GIF image.`,
      );
      return false;
    } finally {
      setBusy(false);
    }
  };

  const webcam = useWebcam(testImage);

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
      {webcam.available ? (
        <div className="webcam">
          <button type="button" aria-pressed={webcam.on} onClick={() => void webcam.toggle()}>
            {webcam.on ? 'Stop webcam' : 'Use webcam'}
          </button>
          <video ref={webcam.video} aria-label="Webcam" muted playsInline hidden={!webcam.on} width={160} />
        </div>
      ) : null}
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

/**
 * The webcam as a stream of test images: while on, one frame at a time is grabbed, encoded and
 * classified like a Test image (the next frame waits for the previous result). Nothing leaves
 * the page: frames go to the training worker only.
 */
function useWebcam(classify: (file: File) => Promise<boolean>) {
  const available = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const [on, setOn] = useState(false);

  const stop = () => {
    stream.current?.getTracks().forEach((t) => t.stop());
    stream.current = null;
    if (video.current) video.current.srcObject = null;
    setOn(false);
  };

  useEffect(() => stop, []);

  useEffect(() => {
    if (!on) return;
    let cancelled = false;
    const loop = async () => {
      while (!cancelled && stream.current && video.current) {
        const v = video.current;
        if (v.videoWidth > 0) {
          const canvas = new OffscreenCanvas(v.videoWidth, v.videoHeight);
          canvas.getContext('2d')!.drawImage(v, 0, 0);
          const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
          if (cancelled) break;
          const ok = await classify(new File([blob], 'webcam frame', { type: 'image/jpeg' }));
          if (!ok) break;
        }
        await new Promise((r) => setTimeout(r, 400));
      }
    };
    void loop();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [on]);

  const toggle = async () => {
    if (on) return stop();
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        video: { width: 320, height: 240 },
        audio: false,
      });
      stream.current = s;
      if (video.current) {
        video.current.srcObject = s;
        await video.current.play();
      }
      setOn(true);
    } catch (e) {
      stop();
      const err = e as DOMException;
      const why =
        err.name === 'NotAllowedError'
          ? 'camera access was refused'
          : err.name === 'NotFoundError'
            ? 'this device has no camera'
            : err.message;
      useEditor
        .getState()
        .pushAlert(
          'error',
          `Could not start the webcam: ${why}. Allow camera access for this page in the browser's site settings, or use Test image instead.`,
        );
    }
  };

  return { available, video, on, toggle };
}
