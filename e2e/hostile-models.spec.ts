import { test } from '@playwright/test';
import { strToU8, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectRefused, hostileSuite } from './hostile';

/** Broken and hostile model files, fed through Open model › Model files into a trained project. */

interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const tinyDir = join(process.cwd(), 'public/models/tiny_cnn');
const tinyJson = readFileSync(join(tinyDir, 'model.json'), 'utf8');
const tinyBin = readFileSync(join(tinyDir, 'weights.bin'));

const json = (name: string, text: string): FilePayload => ({
  name,
  mimeType: 'application/json',
  buffer: Buffer.from(text),
});
const bin = (name: string, data: Buffer): FilePayload => ({
  name,
  mimeType: 'application/octet-stream',
  buffer: data,
});
const zip = (name: string, files: Record<string, Uint8Array>, level: 0 | 9 = 0): FilePayload => ({
  name,
  mimeType: 'application/zip',
  buffer: Buffer.from(zipSync(files, { level })),
});

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}
interface TinyModel {
  modelTopology: { config: { layers: KerasLayer[] } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[];
}

/** Tiny CNN's model.json, edited by `edit`, with its real weights. */
function tinyWith(edit: (m: TinyModel) => void, name = 'model.json'): FilePayload[] {
  const m = JSON.parse(tinyJson) as TinyModel;
  edit(m);
  return [json(name, JSON.stringify(m)), bin('weights.bin', tinyBin)];
}
const layer = (m: TinyModel, name: string): KerasLayer => {
  const found = m.modelTopology.config.layers.find((l) => (l.name ?? l.config.name) === name);
  if (!found) throw new Error(`Tiny CNN has no layer ${name}`);
  return found;
};

const cases: [string, () => FilePayload[], RegExp[]][] = [
  [
    'not JSON',
    () => [json('model.json', 'this is not json {')],
    [/model\.json is not valid JSON/, /choose the model\.json/],
  ],
  [
    'JSON that is a list, not a model',
    () => [json('model.json', '[1, 2, 3]')],
    [/model\.json does not hold a JSON object/, /not a TF\.js model/],
  ],
  [
    'JSON object without a topology',
    () => [json('my-notes.json', JSON.stringify({ hello: 'world', weights: [1, 2] }))],
    [/my-notes\.json has no "modelTopology"/, /Choose the model\.json of a layers model/],
  ],
  [
    'a topology whose layers are not a list',
    () => [
      json('model.json', JSON.stringify({ modelTopology: { class_name: 'Model', config: { layers: 7 } } })),
    ],
    [/in model\.json, the model config has no layers list/, /Save the model again/],
  ],
  [
    'a graph model',
    () => [json('model.json', JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }))],
    [/model\.json is a TF\.js graph model/, /only layers models can be edited and fine-tuned/, /Convert/],
  ],
  [
    'a missing shard',
    () => [json('model.json', tinyJson)],
    [/"weights\.bin" named in model\.json is missing/, /choose it together/],
  ],
  [
    'a shard of the wrong size',
    () => [json('model.json', tinyJson), bin('weights.bin', tinyBin.subarray(0, 1000))],
    [/weights\.bin hold 1000 bytes/, /truncated or belongs to another model/],
  ],
  [
    'weights whose shapes do not match the layers',
    () =>
      tinyWith((m) => {
        // Same byte count, other shape: only the layer's own shape can tell.
        const w = m.weightsManifest[0].weights.find((x) => x.name === 'conv2/kernel');
        if (!w) throw new Error('no conv2/kernel');
        w.shape = [...w.shape].reverse();
      }),
    [
      /conv2\/kernel" have shape \[16, 8, 3, 3\]/,
      /layer "conv2" needs \[3, 3, 8, 16\]/,
      /do not belong to this model\.json/,
    ],
  ],
  [
    'a Lambda layer',
    () => tinyWith((m) => (layer(m, 'conv2').class_name = 'Lambda')),
    [/"conv2" \(Lambda\)/, /Custom layers \(such as Lambda\)/, /rebuild the model without them/],
  ],
  [
    'an unknown custom layer class',
    () => tinyWith((m) => (layer(m, 'gap').class_name = 'MyFancyAttention')),
    [/"gap" \(MyFancyAttention\)/, /rebuild the model without them/],
  ],
  [
    'a Dense with 2e9 units (refused before allocating)',
    () => tinyWith((m) => (layer(m, 'dense_2').config.units = 2e9)),
    [/dense_2 would have \d+ parameters \(units 2000000000\)/, /use a smaller number of units/],
  ],
  [
    'a shared layer',
    () =>
      tinyWith((m) => {
        const d = layer(m, 'dense_1');
        d.inbound_nodes = [d.inbound_nodes[0], d.inbound_nodes[0]];
      }),
    [/layer "dense_1" is called 2 times \(a shared layer\)/, /Save the model again/],
  ],
  [
    // Nested models open (Teachable Machine exports); one without its layers cannot.
    'a broken nested model',
    () => tinyWith((m) => (layer(m, 'conv3').class_name = 'Functional')),
    [/layer "conv3" is a nested model with no layers list/, /Save the model again/],
  ],
  [
    'two layers with the same name',
    () =>
      tinyWith((m) => {
        const l = layer(m, 'conv3');
        l.config.name = 'conv2';
        if (l.name) l.name = 'conv2';
      }),
    [/two layers are named "conv2"/, /Save the model again/],
  ],
  [
    'a cycle',
    () =>
      tinyWith((m) => {
        layer(m, 'conv1').inbound_nodes = [[['conv2', 0, 0, {}]]];
      }),
    [/form a cycle/, /conv1|conv2/, /remove one of these connections/],
  ],
  [
    'no output layer',
    () =>
      tinyWith((m) => {
        (m.modelTopology.config as unknown as { output_layers: unknown[] }).output_layers = [];
      }),
    [/lists no output layer/, /"output_layers" is empty/, /save it again from Keras/],
  ],
  [
    'a zip without model.json',
    () => [zip('holiday.zip', { 'a.txt': strToU8('hi') })],
    [/holiday\.zip: no model\.json found/, /Choose a TF\.js model\.json/],
  ],
  [
    'a zip bomb (256 MiB of zeros in a few hundred KiB)',
    () => [
      zip(
        'model-bomb.zip',
        { 'm/model.json': strToU8(tinyJson), 'm/weights.bin': new Uint8Array(256 * 1024 * 1024) },
        9,
      ),
    ],
    [/model-bomb\.zip would unpack to more than/, /"m\/weights\.bin"/, /zip bomb and was not opened/],
  ],
  [
    'a truncated zip',
    () => {
      const whole = zip('tiny.zip', {
        'model.json': strToU8(tinyJson),
        'weights.bin': new Uint8Array(tinyBin),
      });
      return [{ ...whole, buffer: whole.buffer.subarray(0, whole.buffer.length >> 1) }];
    },
    [/tiny\.zip could not be unzipped/, /check that it is a complete \.zip file/],
  ],
];

test.describe('hostile model files', () => {
  const { session } = hostileSuite();
  for (const [what, files, patterns] of cases) {
    test(`refuses ${what}: alert, and graph, dataset and weights unchanged`, async () => {
      const s = session();
      await s.page.getByRole('button', { name: 'Open model' }).click();
      await s.page.getByLabel('Model files').setInputFiles(files());
      await expectRefused(s, [/Could not open/, ...patterns, /The current model is unchanged/]);
    });
  }
});
