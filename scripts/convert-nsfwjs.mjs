// Converts the nsfwjs@4.4.0 built-in models (UMD modules with base64 weight shards) into plain
// TF.js layers files (model.json + .bin) under public/models/. Runs before dev/build so that the
// editor has pretrained weights with no network at run time. Generated files are not committed.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphToLayers } from './nsfwjs-graph.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const MODELS = [
  // nsfwjs's MobileNetV2Mid: TF Hub's MobileNet V2 1.4 with batch norm folded into the
  // convolutions, shipped as a graph model; rebuilt here as a layers model (nsfwjs-graph.mjs).
  {
    id: 'mobilenet_v2_140',
    source: 'mobilenet_v2_mid',
    title: 'MobileNet V2',
    inputSize: [224, 224],
    preprocessing: '-1..1',
    generatedBy: 'TF Hub mobilenet_v2_140_224 feature vector (nsfwjs@4.4.0 MobileNetV2Mid)',
    weights: '8-bit quantized, batch norm folded',
  },
  { id: 'mobilenet_v2', title: 'MobileNet V2 1.0 (Keras)', inputSize: [224, 224] },
  { id: 'inception_v3', title: 'Inception V3', inputSize: [299, 299] },
];

function nsfwjsModelsDir() {
  // nsfwjs's "exports" hides its files from require.resolve, so find the package folder directly.
  const dir = join(root, 'node_modules', 'nsfwjs', 'dist', 'models');
  if (!existsSync(dir)) throw new Error(`nsfwjs models not found at ${dir}: run npm install`);
  return dir;
}

/** One weight shard's bytes (its UMD module exports them as base64). */
function shard(src, p) {
  const b64 = require(join(src, `${p}.min.js`));
  if (typeof b64 !== 'string') throw new Error(`${src}/${p}: expected a base64 string`);
  return Buffer.from(b64, 'base64');
}

function convert({ id, source, title, inputSize, preprocessing, generatedBy, weights }) {
  const src = join(nsfwjsModelsDir(), source ?? id);
  const out = join(root, 'public', 'models', id);
  const marker = join(out, 'model.json');
  // Up to date when newer than its source and, for a rebuilt graph model, than the rebuilder.
  const inputs = [join(src, 'model.min.js'), ...(source ? [join(root, 'scripts', 'nsfwjs-graph.mjs')] : [])];
  if (existsSync(marker) && inputs.every((f) => statSync(marker).mtimeMs > statSync(f).mtimeMs)) {
    return false;
  }
  mkdirSync(out, { recursive: true });
  const model = require(join(src, 'model.min.js'));
  const retrain = {
    title,
    preprocessing: preprocessing ?? '0..1',
    inputSize,
    // The original head's classes are deliberately not named in the editor.
    originalHead: 'original head (5 classes)',
    weights: weights ?? '8-bit quantized',
    source: 'nsfwjs@4.4.0 (MIT)',
  };
  if (model.format === 'graph-model') {
    const shards = model.weightsManifest.flatMap((g) => g.paths.map((p) => shard(src, p)));
    const layers = graphToLayers(model, new Uint8Array(Buffer.concat(shards)));
    const file = 'group1-shard1of1.bin';
    writeFileSync(join(out, file), layers.weightData);
    const json = {
      format: 'layers-model',
      generatedBy,
      convertedBy: 'retrain scripts/convert-nsfwjs.mjs (graph model to layers)',
      modelTopology: layers.modelTopology,
      weightsManifest: [{ paths: [file], weights: layers.weightSpecs }],
      retrain,
    };
    writeFileSync(marker, JSON.stringify(json));
    return true;
  }
  const manifest = model.weightsManifest.map((group) => ({
    ...group,
    paths: group.paths.map((p) => {
      const file = `${p}.bin`;
      writeFileSync(join(out, file), shard(src, p));
      return file;
    }),
  }));
  const json = {
    format: 'layers-model',
    generatedBy: 'keras 2.2.4 (nsfwjs@4.4.0)',
    convertedBy: 'retrain scripts/convert-nsfwjs.mjs',
    modelTopology: model.modelTopology,
    weightsManifest: manifest,
    retrain,
  };
  writeFileSync(marker, JSON.stringify(json));
  return true;
}

for (const m of MODELS) {
  const done = convert(m);
  console.log(`${m.id}: ${done ? 'converted' : 'up to date'}`);
}
