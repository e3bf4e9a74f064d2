import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, withDefaultSettings, type TrainSettings } from './types';

describe('saved training settings', () => {
  it('get the settings added since they were saved, keeping what was saved', () => {
    const { cacheMemoryMiB: _c, ...old } = { ...DEFAULT_SETTINGS, epochs: 7 };
    const { views: _v, ...oldAugmentation } = { ...DEFAULT_SETTINGS.augmentation, rotation: 30 };
    const saved = { ...old, augmentation: oldAugmentation } as unknown as Partial<TrainSettings>;
    const restored = withDefaultSettings(saved);
    expect(restored.cacheMemoryMiB).toBe(1024);
    expect(restored.epochs).toBe(7);
    expect(restored.augmentation).toEqual({ ...DEFAULT_SETTINGS.augmentation, rotation: 30 });
    expect(withDefaultSettings({ ...DEFAULT_SETTINGS, cacheMemoryMiB: 64 }).cacheMemoryMiB).toBe(64);
    expect(withDefaultSettings(undefined)).toEqual(DEFAULT_SETTINGS);
  });
});
