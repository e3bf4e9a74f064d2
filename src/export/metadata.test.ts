import { describe, expect, it } from 'vitest';
import { rescalingFor, usageCard, validateMetadata, type ExportMetadata } from './metadata';

const good: ExportMetadata = {
  labels: ['dandelion', 'tulips'],
  inputShape: [224, 224, 3],
  resize: 'center-crop',
  baseModel: 'MobileNet V2',
  bakedPreprocessing: '0..1',
  training: { epochs: 20 },
  metrics: { valAccuracy: 0.9, epochs: 20 },
  date: new Date(0).toISOString(),
  generatedBy: 'Retrain',
};

describe('metadata schema', () => {
  it('accepts a complete metadata object', () => {
    expect(validateMetadata(good)).toEqual([]);
    expect(validateMetadata(JSON.parse(JSON.stringify(good)))).toEqual([]);
  });
  it('names each broken field', () => {
    expect(validateMetadata({ ...good, labels: [1] })).toEqual(['labels must be a list of strings']);
    expect(validateMetadata({ ...good, inputShape: [224, 224] })[0]).toMatch(/inputShape/);
    expect(validateMetadata({ ...good, resize: 'fit' })[0]).toMatch(/resize/);
    expect(validateMetadata({ ...good, date: 'yesterday' })[0]).toMatch(/date/);
    expect(validateMetadata(null)).toHaveLength(1);
  });
});

describe('preprocessing baked into the model', () => {
  it('maps 0..255 to the base model range', () => {
    const a = rescalingFor('0..1')!;
    expect(255 * a.scale + a.offset).toBeCloseTo(1);
    const b = rescalingFor('-1..1')!;
    expect(0 * b.scale + b.offset).toBe(-1);
    expect(255 * b.scale + b.offset).toBeCloseTo(1);
    expect(rescalingFor('none')).toBeNull();
  });
  it('writes a usage card with the input size and label count', () => {
    const card = usageCard(good, 'flowers');
    expect(card).toContain('224x224');
    expect(card).toContain('2 classes');
    expect(card).toContain('loadLayersModel');
  });
});
