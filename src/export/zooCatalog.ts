import type { Preprocessing } from './modelFiles';

/**
 * The model zoo: float32 ImageNet backbones that Google hosts as TF.js layers models. Facts are
 * as published: ImageNet top-1 from the Keras Applications MobileNetV2 table (V2) and from the
 * MobileNet V1 paper, Table 6 (V1); parameters and download sizes counted from the models.
 */

/** The only host the zoo downloads from (the CSP's connect-src allows exactly this). */
export const ZOO_HOST = 'https://storage.googleapis.com';

export interface ZooEntry {
  /** "mobilenet_v2_0.35". */
  id: string;
  /** "MobileNet V2 0.35": the start of the entry's button name (UI contract). */
  title: string;
  family: 'mobilenet_v2' | 'mobilenet_v1';
  /** Width multiplier as written in the folder name ("0.35", "1.0"). */
  alpha: string;
  inputSize: [number, number];
  /** Parameters of what opens in the editor's backbone (no top / cut at the feature layer). */
  params: number;
  /** Bytes downloaded: model.json and every weight shard. */
  downloadBytes: number;
  /** ImageNet top-1 accuracy (%) as published for the full classifier at 224. */
  top1: number;
  top1Source: string;
  licence: 'Apache-2.0';
  /** URL of model.json; the shards sit beside it. */
  url: string;
  preprocessing: Preprocessing;
  /** The layer a model with its ImageNet top is cut at before the suggested head goes on. */
  cutAt?: string;
}

const V2_SOURCE = 'Keras Applications, MobileNetV2 table';
const V1_SOURCE = 'MobileNet V1 paper (Howard et al. 2017), Table 6';

/** Teachable Machine's float MobileNet V2 no-top model; `alpha` with two decimals ("0.35", "1.00"). */
export function mobilenetV2Url(alpha: number): string {
  return `${ZOO_HOST}/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha.toFixed(2)}_224_no_top/model.json`;
}

/**
 * tfjs-models' MobileNet V1 layers model. The folders are mobilenet_v1_0.25_224, _0.50_, _0.75_
 * and _1.0_ (as tfjs-examples and model downloaders load them): two decimals, except 1.0.
 */
export function mobilenetV1Url(alpha: number): string {
  const written = alpha === 1 ? '1.0' : alpha.toFixed(2);
  return `${ZOO_HOST}/tfjs-models/tfjs/mobilenet_v1_${written}_224/model.json`;
}

function v2(alpha: number, params: number, jsonBytes: number, top1: number): ZooEntry {
  return {
    id: `mobilenet_v2_${alpha.toFixed(2)}`,
    title: `MobileNet V2 ${alpha.toFixed(2)}`,
    family: 'mobilenet_v2',
    alpha: alpha.toFixed(2),
    inputSize: [224, 224],
    params,
    downloadBytes: params * 4 + jsonBytes,
    top1,
    top1Source: V2_SOURCE,
    licence: 'Apache-2.0',
    url: mobilenetV2Url(alpha),
    preprocessing: '-1..1',
  };
}

function v1(alpha: number, params: number, allParams: number, top1: number): ZooEntry {
  const written = alpha === 1 ? '1.0' : alpha.toFixed(2);
  return {
    id: `mobilenet_v1_${written}`,
    title: `MobileNet V1 ${written}`,
    family: 'mobilenet_v1',
    alpha: written,
    inputSize: [224, 224],
    params,
    // The V1 files hold the ImageNet top too (conv_preds: 1000 classes).
    downloadBytes: allParams * 4 + 54_134,
    top1,
    top1Source: V1_SOURCE,
    licence: 'Apache-2.0',
    url: mobilenetV1Url(alpha),
    preprocessing: '-1..1',
    cutAt: 'conv_pw_13_relu',
  };
}

export const ZOO_MODELS: readonly ZooEntry[] = [
  v2(0.35, 410_208, 90_445, 60.3),
  v2(0.5, 706_224, 90_445, 65.4),
  v2(0.75, 1_382_064, 90_445, 69.8),
  v2(1.0, 2_257_984, 90_445, 71.8),
  v1(0.25, 218_544, 475_544, 50.6),
  v1(0.5, 829_536, 1_342_536, 63.7),
  v1(0.75, 1_832_976, 2_601_976, 68.4),
  v1(1.0, 3_228_864, 4_253_864, 70.6),
];

/** The float backbone the editor recommends: small, and ahead of the embedded 8-bit model. */
export const RECOMMENDED_ZOO_ID = 'mobilenet_v2_0.35';

export function zooEntry(id: string): ZooEntry | undefined {
  return ZOO_MODELS.find((m) => m.id === id);
}

/** "1.7 MB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** "410 k", "2.26 M". */
export function formatParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${Math.round(n / 1e3)} k`;
}
