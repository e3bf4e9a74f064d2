/**
 * Core data types of the model graph. Pure data: no React, no zustand, no TF.js.
 * Configs are camelCase here; snake_case exists only at the Keras-JSON boundary (keras.ts).
 */

/** A tensor shape with the batch dimension first (null = unknown / batch). */
export type Shape = (number | null)[];

/** A plain JSON value, as found in Keras layer configs. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type LayerConfig = { [key: string]: JsonValue };

/** One layer of the graph. Its `name` is its identity (React Flow node id, test id, Keras name). */
export interface LayerNode {
  readonly name: string;
  /** Keras class name, e.g. "Dense". */
  readonly className: string;
  /** camelCase Keras config without `name` and `trainable` (those live on the node). */
  readonly config: LayerConfig;
  /** Names of the layers feeding this one, in order. */
  readonly inbound: readonly string[];
  readonly trainable: boolean;
  /**
   * Key of this layer's pretrained weights in the model's weight source (the layer's original
   * name). Absent for layers the user added; kept across renames so weights follow the layer.
   */
  readonly weightsKey?: string;
  /** The nested model this layer came from (a Teachable Machine base): shown as one group. */
  readonly group?: string;
}

/** The whole model: layers in topological order, plus its inputs and outputs. */
export interface ModelGraph {
  readonly name: string;
  readonly layers: readonly LayerNode[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Top-level Keras topology fields kept verbatim for the round trip (keras_version, backend...). */
  readonly kerasExtras?: { [key: string]: JsonValue };
  /** Whether the topology wrapped the model in `model_config` (Keras files do, TF.js saves do not). */
  readonly kerasWrapped?: boolean;
  /** Model-level class ("Model"/"Functional") as read, for the round trip. */
  readonly kerasClassName?: string;
}

/** A weight a layer owns, as Keras names it (kernel, bias, gamma, moving_mean, ...). */
export interface WeightSpec {
  readonly name: string;
  readonly shape: number[];
  /** False for weights that are never trained (BatchNormalization moving statistics). */
  readonly trainable: boolean;
}

/** Result of shape inference for one layer. */
export type ShapeResult = { ok: true; shape: Shape } | { ok: false; error: string };
