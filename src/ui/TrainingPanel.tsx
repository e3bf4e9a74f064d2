import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Preprocessing } from '../export/modelFiles';
import { useEditor } from '../store/editorStore';
import { useTraining } from '../store/trainingStore';
import type { BackendChoice, OptimizerName, ResizeMode, TrainSettings } from '../training/shared/types';
import { LineChart } from './LineChart';

function NumberField(props: {
  label: string;
  value: number;
  min?: number;
  max?: number;
  step?: number | 'any';
  disabled?: boolean;
  title?: string;
  onChange: (v: number) => void;
}) {
  return (
    <label className="field" title={props.title}>
      <span>{props.label}</span>
      <input
        type="number"
        value={Number.isFinite(props.value) ? props.value : ''}
        min={props.min}
        max={props.max}
        step={props.step ?? 'any'}
        disabled={props.disabled}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v)) props.onChange(v);
        }}
      />
    </label>
  );
}

function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** Settings, Train/Stop, live progress and curves. */
export function TrainingPanel() {
  const t = useTraining(
    useShallow((s) => ({
      settings: s.settings,
      status: s.status,
      statusText: s.statusText,
      epoch: s.epoch,
      epochs: s.epochs,
      batch: s.batch,
      batches: s.batches,
      history: s.history,
      batchLoss: s.batchLoss,
      imagesPerSecond: s.imagesPerSecond,
      etaSeconds: s.etaSeconds,
      backend: s.backend,
      backendReason: s.backendReason,
      cache: s.cache,
      result: s.result,
      setSettings: s.setSettings,
      start: s.start,
      stop: s.stop,
    })),
  );
  const model = useEditor((s) => s.model);
  const setSettings = t.setSettings;
  // Each model knows its preprocessing; a newly opened model brings its own.
  useEffect(() => {
    if (model) setSettings({ preprocessing: model.preprocessing });
  }, [model, setSettings]);

  const running = t.status === 'preparing' || t.status === 'training';
  const s = t.settings;
  const set = (patch: Partial<TrainSettings>) => t.setSettings(patch);
  const progress = t.epochs > 0 ? (t.epoch - 1 + (t.batches ? t.batch / t.batches : 0)) / t.epochs : 0;
  const lastVal =
    [...t.history].reverse().find((h) => h.valAccuracy !== null)?.valAccuracy ??
    t.result?.valAccuracy ??
    null;
  const epochSeries = useMemo(
    () => [
      { label: 'train loss', color: '#2f6fde', values: t.history.map((h) => h.loss) },
      { label: 'val loss', color: '#d9480f', values: t.history.map((h) => h.valLoss) },
    ],
    [t.history],
  );
  const accSeries = useMemo(
    () => [
      { label: 'train acc', color: '#2f6fde', values: t.history.map((h) => h.accuracy) },
      { label: 'val acc', color: '#d9480f', values: t.history.map((h) => h.valAccuracy) },
    ],
    [t.history],
  );
  const batchSeries = useMemo(
    () => [{ label: 'loss (smoothed)', color: '#5f3dc4', values: t.batchLoss }],
    [t.batchLoss],
  );

  return (
    <section className="panel training" aria-label="Training">
      <h2>Training</h2>
      <div className="grid2">
        <NumberField
          label="Epochs"
          value={s.epochs}
          min={1}
          max={1000}
          step={1}
          disabled={running}
          onChange={(v) => set({ epochs: Math.round(v) })}
        />
        <NumberField
          label="Batch size"
          value={s.batchSize}
          min={1}
          max={4096}
          step={1}
          disabled={running}
          onChange={(v) => set({ batchSize: Math.round(v) })}
        />
        <NumberField
          label="Learning rate"
          value={s.learningRate}
          min={0}
          disabled={running}
          onChange={(v) => set({ learningRate: v })}
        />
        <NumberField
          label="Fine-tune factor for pretrained layers"
          title="Trainable layers that came with pretrained weights learn at this multiple of the learning rate while new layers learn at the full rate (1 = same rate for all)."
          value={s.pretrainedRateScale}
          min={0}
          max={1}
          step={0.05}
          disabled={running}
          onChange={(v) => set({ pretrainedRateScale: Math.min(1, Math.max(0, v)) })}
        />
        <NumberField
          label="Validation split"
          value={s.validationSplit}
          min={0}
          max={0.9}
          step={0.05}
          disabled={running}
          onChange={(v) => set({ validationSplit: v })}
        />
        <label className="field">
          <span>Backend</span>
          <select
            value={s.backend}
            disabled={running}
            onChange={(e) => set({ backend: e.target.value as BackendChoice })}
          >
            {(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const).map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Optimizer</span>
          <select
            value={s.optimizer}
            disabled={running}
            onChange={(e) => set({ optimizer: e.target.value as OptimizerName })}
          >
            <option value="adam">Adam</option>
            <option value="sgd">SGD (momentum)</option>
            <option value="rmsprop">RMSprop</option>
          </select>
        </label>
        <label className="field">
          <span>Preprocessing</span>
          <select
            value={s.preprocessing}
            disabled={running}
            onChange={(e) => set({ preprocessing: e.target.value as Preprocessing })}
          >
            <option value="0..1">0..1 (x/255)</option>
            <option value="-1..1">-1..1 (x/127.5 − 1)</option>
            <option value="none">none (0..255)</option>
          </select>
        </label>
        <label className="field">
          <span>Resize</span>
          <select
            value={s.resize}
            disabled={running}
            onChange={(e) => set({ resize: e.target.value as ResizeMode })}
          >
            <option value="center-crop">center-crop</option>
            <option value="stretch">stretch</option>
          </select>
        </label>
      </div>
      <details className="more-settings">
        <summary>More settings</summary>
        <div className="grid2">
          <NumberField
            label="Seed"
            value={s.seed}
            step={1}
            disabled={running}
            onChange={(v) => set({ seed: Math.round(v) })}
          />
          <NumberField
            label="Momentum"
            value={s.momentum}
            min={0}
            max={0.999}
            disabled={running || s.optimizer !== 'sgd'}
            onChange={(v) => set({ momentum: v })}
          />
          <label className="field field-check">
            <input
              type="checkbox"
              checked={s.earlyStopping.enabled}
              disabled={running}
              onChange={(e) => set({ earlyStopping: { ...s.earlyStopping, enabled: e.target.checked } })}
            />
            <span>Early stopping</span>
          </label>
          <NumberField
            label="Patience"
            value={s.earlyStopping.patience}
            min={1}
            step={1}
            disabled={running || !s.earlyStopping.enabled}
            onChange={(v) => set({ earlyStopping: { ...s.earlyStopping, patience: Math.round(v) } })}
          />
          <label className="field">
            <span>Class weights</span>
            <select
              value={s.classWeights}
              disabled={running}
              onChange={(e) => set({ classWeights: e.target.value as 'none' | 'balanced' })}
            >
              <option value="none">none</option>
              <option value="balanced">balanced</option>
            </select>
          </label>
          <label className="field field-check">
            <input
              type="checkbox"
              checked={s.augmentation.enabled}
              disabled={running}
              onChange={(e) => set({ augmentation: { ...s.augmentation, enabled: e.target.checked } })}
            />
            <span>Augmentation</span>
          </label>
          <NumberField
            label="Augmented views (K)"
            value={s.augmentation.views}
            min={1}
            max={32}
            step={1}
            disabled={running || !s.augmentation.enabled}
            onChange={(v) => set({ augmentation: { ...s.augmentation, views: Math.round(v) } })}
          />
          <label className="field field-check">
            <input
              type="checkbox"
              checked={s.augmentation.flip}
              disabled={running || !s.augmentation.enabled}
              onChange={(e) => set({ augmentation: { ...s.augmentation, flip: e.target.checked } })}
            />
            <span>Flip</span>
          </label>
          <NumberField
            label="Rotation (degrees)"
            value={s.augmentation.rotation}
            min={0}
            max={180}
            disabled={running || !s.augmentation.enabled}
            onChange={(v) => set({ augmentation: { ...s.augmentation, rotation: v } })}
          />
          <NumberField
            label="Zoom"
            value={s.augmentation.zoom}
            min={0}
            max={0.9}
            step={0.05}
            disabled={running || !s.augmentation.enabled}
            onChange={(v) => set({ augmentation: { ...s.augmentation, zoom: v } })}
          />
          <NumberField
            label="Brightness"
            value={s.augmentation.brightness}
            min={0}
            max={0.9}
            step={0.05}
            disabled={running || !s.augmentation.enabled}
            onChange={(v) => set({ augmentation: { ...s.augmentation, brightness: v } })}
          />
          <NumberField
            label="Cache memory budget (MiB)"
            title="Memory the cached outputs of the frozen layers may take; beyond it they are kept in the browser's storage (IndexedDB) and read back for each batch. Lower it on a machine with little memory."
            value={s.cacheMemoryMiB}
            min={0}
            disabled={running}
            onChange={(v) => set({ cacheMemoryMiB: v })}
          />
        </div>
      </details>
      <div className="train-buttons">
        <button type="button" className="primary" onClick={() => void t.start()} disabled={running}>
          Train
        </button>
        <button type="button" onClick={t.stop} disabled={!running}>
          Stop
        </button>
      </div>
      <progress aria-label="Training progress" max={1} value={Math.max(0, Math.min(1, progress))} />
      <div className="train-stats" aria-live="polite">
        <span>
          Epoch {t.epoch}/{t.epochs}
        </span>
        <span>
          val acc: <span data-testid="val-accuracy">{lastVal === null ? '' : lastVal.toFixed(4)}</span>
        </span>
        <span>{t.imagesPerSecond ? `${t.imagesPerSecond.toFixed(1)} img/s` : ''}</span>
        <span>{running && t.etaSeconds !== null ? `about ${formatEta(t.etaSeconds)} left` : ''}</span>
      </div>
      {t.backend ? (
        <p className="hint" data-testid="backend-in-use">
          Backend in use: <strong>{t.backend}</strong>
          {t.backendReason ? ` — ${t.backendReason}` : ''}
        </p>
      ) : null}
      {t.cache ? (
        <p className="hint">
          Frozen-feature cache:{' '}
          {t.cache.reused ? 'reused from the last run' : `${t.cache.done}/${t.cache.total} images`}
          {t.cache.storage === 'indexeddb' ? ", kept in the browser's storage (IndexedDB)" : ''}
        </p>
      ) : null}
      {t.statusText ? <p className="hint">{t.statusText}</p> : null}
      {t.status === 'finished' ? <p className="done">Training finished</p> : null}
      {t.status === 'stopped' ? <p className="done">Training stopped</p> : null}
      {t.status === 'failed' ? <p className="field-error">Training failed</p> : null}
      {/* Mounted from the start: creating three charts when the first batch arrives cost a
          50 ms main-thread task in the middle of training. */}
      <div className="charts">
        <LineChart title="Loss per epoch" series={epochSeries} />
        <LineChart title="Accuracy per epoch" series={accSeries} />
        <LineChart title="Loss per batch" series={batchSeries} height={100} />
      </div>
    </section>
  );
}
