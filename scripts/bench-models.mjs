// Generated models for the editor-scale benchmark (plain TF.js layers JSON + weights).

/** A deep residual MLP with `layers` layers in total: input → [Dense → ReLU → Add]… → Dense(2). */
export function deepModel(layerCount, width = 8) {
  const layers = [
    {
      name: 'input_1',
      class_name: 'InputLayer',
      config: { batch_input_shape: [null, width], dtype: 'float32', sparse: false, name: 'input_1' },
      inbound_nodes: [],
    },
  ];
  const weights = [];
  let prev = 'input_1';
  let i = 0;
  const dense = (name, input, units, activation = 'linear') => {
    layers.push({
      name,
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        units,
        activation,
        use_bias: true,
        kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
      inbound_nodes: [[[input, 0, 0, {}]]],
    });
    weights.push(
      { name: `${name}/kernel`, shape: [width, units], dtype: 'float32' },
      { name: `${name}/bias`, shape: [units], dtype: 'float32' },
    );
  };
  while (layers.length < layerCount - 1) {
    i++;
    const d = `dense_${i}`;
    const r = `relu_${i}`;
    const a = `add_${i}`;
    dense(d, prev, width);
    layers.push({
      name: r,
      class_name: 'ReLU',
      config: { name: r, trainable: true, max_value: null, negative_slope: 0, threshold: 0 },
      inbound_nodes: [[[d, 0, 0, {}]]],
    });
    layers.push({
      name: a,
      class_name: 'Add',
      config: { name: a, trainable: true },
      inbound_nodes: [
        [
          [prev, 0, 0, {}],
          [r, 0, 0, {}],
        ],
      ],
    });
    prev = a;
  }
  dense('head', prev, 2, 'softmax');
  const floats = weights.reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
  const bin = Buffer.alloc(floats * 4);
  for (let k = 0; k < floats; k++) bin.writeFloatLE(((k * 7919) % 1000) / 1e4 - 0.05, k * 4);
  const json = {
    format: 'layers-model',
    generatedBy: 'retrain bench',
    convertedBy: null,
    modelTopology: {
      class_name: 'Model',
      config: {
        name: `deep_${layerCount}`,
        layers,
        input_layers: [['input_1', 0, 0]],
        output_layers: [['head', 0, 0]],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  return { json: JSON.stringify(json), bin, layerCount: layers.length };
}
