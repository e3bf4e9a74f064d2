import type { LayerConfig, Shape, ShapeResult, WeightSpec } from '../types';

/** How the Inspector edits one config field. */
export type FieldKind = 'int' | 'float' | 'enum' | 'bool' | 'intList' | 'string';

export interface FieldSpec {
  /** camelCase config key, e.g. "kernelSize". */
  readonly key: string;
  /** Label shown in the Inspector, the Keras field in words: "Units", "Kernel size". */
  readonly label: string;
  readonly kind: FieldKind;
  /** Allowed values for kind "enum". */
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** For kind "intList": how many numbers (e.g. 2 for kernel size). */
  readonly length?: number;
}

export type LayerCategory =
  | 'input'
  | 'core'
  | 'convolution'
  | 'pooling'
  | 'normalization'
  | 'merge'
  | 'reshape'
  | 'activation'
  | 'regularization';

/** Everything the editor knows about one Keras layer class. Mirrors tfjs-layers. */
export interface LayerSpec {
  readonly className: string;
  readonly category: LayerCategory;
  /** Listed in the Layers palette. */
  readonly inPalette: boolean;
  readonly minInputs: number;
  /** Infinity for merge layers. */
  readonly maxInputs: number;
  /** Config of a freshly added layer (camelCase, without name/trainable). */
  defaults(): LayerConfig;
  /** Fields the Inspector offers. */
  readonly fields: readonly FieldSpec[];
  /**
   * Output shape from input shapes (batch dim first). Errors say what is wrong and what to do,
   * naming the layer, e.g. "dense_4 needs a 2-D input but gets [null,7,7,1280]: add Flatten or
   * GlobalAveragePooling2D before dense_4".
   */
  computeOutputShape(config: LayerConfig, inputShapes: readonly Shape[], layerName: string): ShapeResult;
  /** The weights the layer owns for these input shapes, in Keras order. */
  weights(config: LayerConfig, inputShapes: readonly Shape[]): WeightSpec[];
}
