import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freezeUpTo, setTrainable, unfreezeFrom } from '../../core/graph';
import { graphFromKeras } from '../../core/keras';
import { diamondGraph } from '../../core/testGraphs';
import type { ModelGraph } from '../../core/types';
import { needsConvGradients, splitGraph, weightsFromGraph } from './split';

const models = join(__dirname, '../../../public/models');
const load = (id: string): ModelGraph =>
  graphFromKeras(JSON.parse(readFileSync(join(models, id, 'model.json'), 'utf8')).modelTopology);
const split = (g: ModelGraph) => splitGraph(g, weightsFromGraph(g));
const allNames = (g: ModelGraph) => g.layers.map((l) => l.name);

describe.skipIf(!existsSync(join(models, 'tiny_cnn/model.json')))(
  'splitGraph on the sequential Tiny CNN',
  () => {
    it('cuts after the last frozen layer when conv1..conv3 are frozen', () => {
      const g = setTrainable(load('tiny_cnn'), ['conv1', 'conv2', 'conv3'], false);
      const s = split(g);
      expect(s.cut).toEqual(['gap']);
      expect([...s.prefix]).toEqual(['input', 'conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'gap']);
      expect(s.suffix).toEqual(['dense_1', 'dropout_1', 'dense_2']);
    });

    it('keeps a Dropout that is not frozen in the suffix, even between frozen layers', () => {
      const g = setTrainable(load('tiny_cnn'), ['conv1', 'conv2', 'conv3', 'dense_1'], false);
      const s = split(g);
      expect(s.cut).toEqual(['dense_1']);
      expect(s.prefix.has('dropout_1')).toBe(false);
      expect(s.suffix).toEqual(['dropout_1', 'dense_2']);
    });

    it('puts a frozen Dropout in the prefix: the frozen part runs in inference mode', () => {
      const g = setTrainable(load('tiny_cnn'), ['conv1', 'conv2', 'conv3', 'dense_1', 'dropout_1'], false);
      const s = split(g);
      expect(s.cut).toEqual(['dropout_1']);
      expect(s.prefix.has('dropout_1')).toBe(true);
      expect(s.suffix).toEqual(['dense_2']);
    });

    it('keeps a frozen layer after a trainable one out of the prefix', () => {
      const g = setTrainable(load('tiny_cnn'), ['conv1', 'conv3'], false);
      const s = split(g);
      expect(s.cut).toEqual(['pool1']);
      expect(s.suffix).toContain('conv3');
      expect(needsConvGradients(g, s)).toBe(true);
    });

    it('caches the input itself when nothing is frozen', () => {
      const s = split(load('tiny_cnn'));
      expect(s.cut).toEqual(['input']);
    });
  },
);

describe('splitGraph on a branched graph', () => {
  it('cuts every frozen tensor that feeds the trained part', () => {
    const g = setTrainable(diamondGraph(), ['a', 'b'], false);
    const s = split(g);
    // c is a Dropout: never prefix, so "a" (its input) and "b" (the Add's other input) are cut.
    expect(s.cut).toEqual(['a', 'b']);
    expect(s.suffix).toEqual(['c', 'add', 'out']);
  });
});

describe.skipIf(!existsSync(join(models, 'mobilenet_v2/model.json')))('splitGraph on MobileNet V2', () => {
  const mobilenet = load('mobilenet_v2');
  const head = ['dense_1', 'dense_2', 'dense_3'];

  it('cuts at flatten_1 when only the dense head trains', () => {
    const g = setTrainable(
      mobilenet,
      allNames(mobilenet).filter((n) => !head.includes(n)),
      false,
    );
    const s = split(g);
    expect(s.cut).toEqual(['flatten_1']);
    expect(s.suffix).toEqual(['dense_1', 'dropout_2', 'dense_2', 'dropout_3', 'dense_3']);
    expect(needsConvGradients(g, s)).toBe(false);
  });

  it('cuts at block_15_add when block_16 onwards trains', () => {
    const g = unfreezeFrom(freezeUpTo(mobilenet, 'block_15_add'), 'block_16_expand');
    const s = split(g);
    expect(s.cut).toEqual(['block_15_add']);
    expect(s.suffix[0]).toBe('block_16_expand');
    expect(needsConvGradients(g, s)).toBe(true);
  });

  it('moves the cut to the residual block inputs when a layer inside the block trains (several tensors)', () => {
    const frozen = setTrainable(mobilenet, allNames(mobilenet), false);
    const g = setTrainable(frozen, ['block_15_depthwise', 'dense_3'], true);
    const s = split(g);
    // block_15_add takes block_14_add (the skip) and the trained branch: both ends are cut.
    expect(s.cut).toEqual(['block_14_add', 'block_15_expand_relu']);
    expect(s.prefix.has('block_15_depthwise')).toBe(false);
    expect(s.suffix).toContain('block_15_add');

    const expand = setTrainable(frozen, ['block_15_expand', 'dense_3'], true);
    expect(split(expand).cut).toEqual(['block_14_add']);
  });
});

describe.skipIf(!existsSync(join(models, 'mobilenet_v2_140/model.json')))(
  'splitGraph on the default MobileNet V2 (1.4, batch norm folded)',
  () => {
    const mobilenet = load('mobilenet_v2_140');

    it('cuts at feature_vector as the built-in opens (base frozen, output layer trained)', () => {
      const s = split(freezeUpTo(mobilenet, 'feature_vector'));
      expect(s.cut).toEqual(['feature_vector']);
      expect(s.suffix).toEqual(['dense']);
    });

    it('cuts both inputs of a residual Add whose branch trains', () => {
      const frozen = setTrainable(mobilenet, allNames(mobilenet), false);
      const g = setTrainable(frozen, ['expanded_conv_15_depthwise', 'dense'], true);
      const s = split(g);
      // expanded_conv_15_add takes expanded_conv_14_add (the skip) and the trained branch.
      expect(s.cut).toEqual(['expanded_conv_14_add', 'expanded_conv_15_expand_relu']);
      expect(s.suffix).toContain('expanded_conv_15_add');
      expect(needsConvGradients(g, s)).toBe(true);
    });
  },
);
