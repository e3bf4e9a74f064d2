import * as tf from '@tensorflow/tfjs';
import type { EpochLog, TrainEvent, TrainSettings } from '../shared/types';
import type { FeatureSource } from './cache';
import { balancedClassWeights, type DataSplit } from './dataset';
import { createRng, shuffleInPlace, type Rng } from './random';
import { makeStandardizer, type Standardizer } from './standardize';
import { restore, snapshot, type Suffix } from './suffix';

/**
 * The custom training loop over the suffix: cross-entropy, the chosen optimizer on the trainable
 * suffix weights only, seeded shuffles, early stopping and NaN recovery.
 */

const EPSILON = 1e-7;

/** The optimizer named in the settings. */
export function makeOptimizer(
  settings: Pick<TrainSettings, 'optimizer' | 'learningRate' | 'momentum'>,
): tf.Optimizer {
  switch (settings.optimizer) {
    case 'sgd':
      return settings.momentum > 0
        ? tf.train.momentum(settings.learningRate, settings.momentum)
        : tf.train.sgd(settings.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(settings.learningRate);
    default:
      return tf.train.adam(settings.learningRate);
  }
}

/**
 * One optimizer step over the suffix. When new layers train beside layers with pretrained
 * weights, the pretrained ones step at `pretrainedRateScale` times the learning rate (with an
 * optimizer of their own: Adam's per-weight normalisation would undo a scaled gradient).
 * Returns the loss.
 */
export function makeStepper(
  suffix: Pick<Suffix, 'trainable' | 'pretrained'>,
  settings: Pick<TrainSettings, 'optimizer' | 'learningRate' | 'momentum' | 'pretrainedRateScale'>,
): { step(loss: () => tf.Scalar): tf.Scalar | null; dispose(): void } {
  const scale = settings.pretrainedRateScale ?? 1;
  const pretrained = new Set(suffix.pretrained);
  const fresh = suffix.trainable.filter((v) => !pretrained.has(v));
  const old = suffix.trainable.filter((v) => pretrained.has(v));
  if (scale === 1 || !old.length || !fresh.length) {
    // Nothing to tell apart: every trainable layer is new, or every one is pretrained.
    const optimizer = makeOptimizer(settings);
    return {
      step: (loss) => optimizer.minimize(loss, true, suffix.trainable),
      dispose: () => disposeOptimizer(optimizer),
    };
  }
  const forFresh = makeOptimizer(settings);
  const forOld = makeOptimizer({ ...settings, learningRate: settings.learningRate * scale });
  const pick = (grads: tf.NamedTensorMap, vars: tf.Variable[]): tf.NamedTensorMap =>
    Object.fromEntries(vars.map((v) => [v.name, grads[v.name]]));
  return {
    step(loss) {
      const { value, grads } = tf.variableGrads(loss, suffix.trainable);
      forFresh.applyGradients(pick(grads, fresh));
      if (scale > 0) forOld.applyGradients(pick(grads, old));
      tf.dispose(Object.values(grads));
      return value;
    },
    dispose() {
      disposeOptimizer(forFresh);
      disposeOptimizer(forOld);
    },
  };
}

/** Per-example categorical cross-entropy [n] of model output against one-hot targets. */
export function crossEntropy(output: tf.Tensor, oneHot: tf.Tensor, outputIsProbability: boolean): tf.Tensor {
  return tf.tidy(() => {
    const logp = outputIsProbability
      ? tf.log(tf.clipByValue(output, EPSILON, 1 - EPSILON))
      : tf.logSoftmax(output);
    return tf.neg(tf.sum(tf.mul(oneHot, logp), -1));
  });
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  /** Predicted class per evaluated image, in the order given. */
  predicted: number[];
}

/** Loss, accuracy and predictions of the suffix in inference mode. */
export async function evaluate(
  suffix: Suffix,
  features: FeatureSource,
  indices: readonly number[],
  labels: readonly number[],
  numClasses: number,
  batchSize: number,
  standardizer: Standardizer | null = null,
): Promise<Evaluation> {
  let lossSum = 0;
  const predicted: number[] = [];
  for (let start = 0; start < indices.length; start += batchSize) {
    const idx = indices.slice(start, start + batchSize);
    const xs = await features.batch(
      idx,
      idx.map(() => 0),
    );
    const [loss, pred] = tf.tidy(() => {
      const out = suffix.forward(standardizer ? standardizer.apply(xs) : xs, false);
      const y = tf.oneHot(
        tf.tensor1d(
          idx.map((i) => labels[i]),
          'int32',
        ),
        numClasses,
      );
      return [tf.sum(crossEntropy(out, y, suffix.outputIsProbability)), tf.argMax(out, -1)];
    });
    tf.dispose(xs);
    lossSum += (await loss.data())[0];
    predicted.push(...(await pred.data()));
    tf.dispose([loss, pred]);
  }
  const correct = predicted.filter((p, i) => p === labels[indices[i]]).length;
  return {
    loss: indices.length ? lossSum / indices.length : 0,
    accuracy: indices.length ? correct / indices.length : 0,
    predicted,
  };
}

export interface LoopInput {
  suffix: Suffix;
  features: FeatureSource;
  /** Class index per image. */
  labels: readonly number[];
  split: DataSplit;
  numClasses: number;
  settings: TrainSettings;
  /** Augmented views per image in `features` (views 1..K); 0 trains on view 0. */
  augmentedViews: number;
  onEvent?: (e: TrainEvent) => void;
  shouldStop?: () => boolean;
  now?: () => number;
  /**
   * Train the Dense layers reading the frozen features on standardised features (standardize.ts).
   * Off by default: on real photos it cost accuracy (flowers-dt, cached features of the embedded
   * MobileNet V2: a new Dense head 0.667 standardised vs 0.755 raw; float MobileNet V2 0.35:
   * 0.845 vs 0.885), because pooled ReLU features are sparse and standardising blows up the
   * rarely active ones.
   */
  standardize?: boolean;
  /**
   * Called after each finished epoch (after its event) with the weights that differ from what
   * the layers hold (mid-run, standardised layers hold other coordinates): their values for raw
   * inputs, by "<layer>/<weight>". The loop disposes them once the promise settles.
   */
  onEpochEnd?: (epoch: number, override: Map<string, tf.Tensor>) => Promise<void>;
}

export interface LoopResult {
  status: 'finished' | 'stopped' | 'failed';
  message?: string;
  history: EpochLog[];
  /** Every batch's training loss, in order. */
  batchLosses: number[];
  /** Epoch whose weights were restored by early stopping, if any. */
  restoredEpoch: number | null;
}

/** Trains the suffix's trainable weights on the training images; the model keeps the result. */
export async function trainLoop(input: LoopInput): Promise<LoopResult> {
  const { suffix, features, labels, split, numClasses, settings } = input;
  const emit = input.onEvent ?? (() => {});
  const now = input.now ?? (() => performance.now());
  const rng: Rng = createRng(settings.seed);
  const train = split.train;
  let batchSize = Math.max(1, Math.floor(settings.batchSize));
  if (batchSize > train.length) {
    emit({
      type: 'status',
      text: `Batch size ${batchSize} is larger than the ${train.length} training images: using batches of ${train.length}.`,
    });
    batchSize = train.length;
  }
  const weights =
    settings.classWeights === 'balanced' ? balancedClassWeights(labels, train, numClasses) : null;
  const std = !input.standardize
    ? null
    : await makeStandardizer(suffix.graph, suffix.split, suffix.model, features, train);
  std?.unfold();
  const stepper = makeStepper(suffix, settings);
  const history: EpochLog[] = [];
  const batchLosses: number[] = [];
  const monitorVal = split.val.length > 0;
  let lastGood: tf.Tensor[] | null = null;
  let best: { loss: number; epoch: number; weights: tf.Tensor[] | null } | null = null;
  let sinceBest = 0;
  let status: LoopResult['status'] = 'finished';
  let message: string | undefined;
  const epochTimes: number[] = [];
  const batches = Math.ceil(train.length / batchSize);

  try {
    for (let epoch = 1; epoch <= settings.epochs && status === 'finished'; epoch++) {
      tf.dispose(lastGood ?? []);
      lastGood = snapshot(suffix.mutable);
      const epochStart = now();
      const order = shuffleInPlace(train.slice(), rng);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let trainMs = 0;
      for (let b = 0; b < batches; b++) {
        const t0 = now();
        const idx = order.slice(b * batchSize, (b + 1) * batchSize);
        const views = idx.map(() =>
          input.augmentedViews > 0 ? 1 + Math.floor(rng() * input.augmentedViews) : 0,
        );
        const xs = await features.batch(idx, views);
        const labelT = tf.tensor1d(
          idx.map((i) => labels[i]),
          'int32',
        );
        const y = tf.oneHot(labelT, numClasses);
        const w = weights ? tf.tensor1d(idx.map((i) => weights[labels[i]])) : null;
        const kept: { hits?: tf.Tensor } = {};
        const cost = stepper.step(() => {
          const out = suffix.forward(std ? std.apply(xs) : xs, true, rng);
          kept.hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), labelT), 'int32')));
          const ce = crossEntropy(out, y, suffix.outputIsProbability);
          return tf.mean(w ? tf.mul(ce, w) : ce) as tf.Scalar;
        });
        const loss = cost ? (await cost.data())[0] : NaN;
        const hit = kept.hits ? (await kept.hits.data())[0] : 0;
        tf.dispose([
          ...xs,
          y,
          labelT,
          ...(w ? [w] : []),
          ...(cost ? [cost] : []),
          ...(kept.hits ? [kept.hits] : []),
        ]);
        batchLosses.push(loss);
        if (!Number.isFinite(loss)) {
          restore(suffix.mutable, lastGood);
          status = 'failed';
          message = `The loss became ${Number.isNaN(loss) ? 'NaN' : 'infinite'} in epoch ${epoch}, batch ${b + 1}: the learning rate ${settings.learningRate} is too high for this model. Lower it (e.g. to ${settings.learningRate / 10}) and train again; the weights from the start of epoch ${epoch} were kept.`;
          break;
        }
        lossSum += loss * idx.length;
        correct += hit;
        seen += idx.length;
        const dt = now() - t0;
        trainMs += dt;
        emit({
          type: 'batch',
          epoch,
          batch: b + 1,
          batches,
          loss,
          imagesPerSecond: dt > 0 ? (idx.length * 1000) / dt : 0,
        });
        if (input.shouldStop?.()) {
          status = 'stopped';
          message = `Stopped by you in epoch ${epoch} after batch ${b + 1} of ${batches}; the weights trained so far were kept.`;
          break;
        }
      }
      if (status !== 'finished') break;

      const val = monitorVal
        ? await evaluate(suffix, features, split.val, labels, numClasses, Math.max(batchSize, 32), std)
        : null;
      if (val && !Number.isFinite(val.loss)) {
        restore(suffix.mutable, lastGood);
        status = 'failed';
        message = `The validation loss became ${val.loss} in epoch ${epoch}: lower the learning rate and train again; the weights from the start of epoch ${epoch} were kept.`;
        break;
      }
      const log: EpochLog = {
        epoch,
        loss: seen ? lossSum / seen : 0,
        accuracy: seen ? correct / seen : 0,
        valLoss: val ? val.loss : null,
        valAccuracy: val ? val.accuracy : null,
      };
      history.push(log);
      epochTimes.push(now() - epochStart);
      const meanEpoch = epochTimes.reduce((a, c) => a + c, 0) / epochTimes.length;
      emit({
        type: 'epoch',
        epoch,
        epochs: settings.epochs,
        loss: log.loss,
        accuracy: log.accuracy,
        valLoss: log.valLoss,
        valAccuracy: log.valAccuracy,
        imagesPerSecond: trainMs > 0 ? (seen * 1000) / trainMs : 0,
        etaSeconds: ((settings.epochs - epoch) * meanEpoch) / 1000,
      });
      if (input.onEpochEnd) {
        const override = std ? std.folded() : new Map<string, tf.Tensor>();
        try {
          await input.onEpochEnd(epoch, override);
        } finally {
          tf.dispose([...override.values()]);
        }
      }

      if (settings.earlyStopping.enabled) {
        const monitored = log.valLoss ?? log.loss;
        if (!best || monitored < best.loss) {
          tf.dispose(best?.weights ?? []);
          best = { loss: monitored, epoch, weights: snapshot(suffix.mutable) };
          sinceBest = 0;
        } else if (++sinceBest >= settings.earlyStopping.patience) {
          message = `Stopped early after epoch ${epoch}: the ${monitorVal ? 'validation' : 'training'} loss has not improved for ${settings.earlyStopping.patience} epochs. The weights of epoch ${best.epoch}, the best, were kept.`;
          break;
        }
      }
    }
    let restoredEpoch: number | null = null;
    if (status === 'finished' && best?.weights && best.epoch !== history[history.length - 1]?.epoch) {
      restore(suffix.mutable, best.weights);
      restoredEpoch = best.epoch;
      message ??= `The weights of epoch ${best.epoch} had the lowest ${monitorVal ? 'validation' : 'training'} loss and were kept.`;
    }
    return { status, message, history, batchLosses, restoredEpoch };
  } finally {
    tf.dispose(lastGood ?? []);
    tf.dispose(best?.weights ?? []);
    stepper.dispose();
    std?.fold();
    std?.dispose();
  }
}

/** Disposes an optimizer's state, including the learning-rate scalar that tf.train.momentum's dispose() forgets. */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (optimizer instanceof tf.MomentumOptimizer && c && !c.isDisposed) c.dispose();
}
