import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  mobilenetV1Url,
  mobilenetV2Url,
  RECOMMENDED_ZOO_ID,
  ZOO_HOST,
  ZOO_MODELS,
  zooEntry,
} from './zooCatalog';

describe('zoo URLs', () => {
  it('writes the MobileNet V2 alpha with two decimals', () => {
    expect(mobilenetV2Url(0.35)).toBe(
      'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
    );
    expect(mobilenetV2Url(0.5)).toContain('_kernels_0.50_224_no_top/');
    expect(mobilenetV2Url(1)).toContain('_kernels_1.00_224_no_top/');
  });
  it('writes the MobileNet V1 folders as tfjs-models names them', () => {
    expect(mobilenetV1Url(0.25)).toBe(
      'https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_0.25_224/model.json',
    );
    expect(mobilenetV1Url(0.5)).toContain('/mobilenet_v1_0.50_224/');
    expect(mobilenetV1Url(0.75)).toContain('/mobilenet_v1_0.75_224/');
    expect(mobilenetV1Url(1)).toContain('/mobilenet_v1_1.0_224/');
  });
});

describe('zoo catalog', () => {
  it('lists the eight float backbones under the names of the UI contract', () => {
    expect(ZOO_MODELS.map((m) => m.title)).toEqual([
      'MobileNet V2 0.35',
      'MobileNet V2 0.50',
      'MobileNet V2 0.75',
      'MobileNet V2 1.00',
      'MobileNet V1 0.25',
      'MobileNet V1 0.50',
      'MobileNet V1 0.75',
      'MobileNet V1 1.0',
    ]);
    expect(new Set(ZOO_MODELS.map((m) => m.id)).size).toBe(8);
  });
  it('downloads only from the zoo host, and every entry takes [-1, 1] at 224×224', () => {
    for (const m of ZOO_MODELS) {
      expect(new URL(m.url).origin).toBe(ZOO_HOST);
      expect(m.preprocessing).toBe('-1..1');
      expect(m.inputSize).toEqual([224, 224]);
      expect(m.licence).toBe('Apache-2.0');
    }
  });
  it('cuts the V1 models (ImageNet top included) at conv_pw_13_relu, and not the no-top V2', () => {
    for (const m of ZOO_MODELS)
      expect(m.cutAt).toBe(m.family === 'mobilenet_v1' ? 'conv_pw_13_relu' : undefined);
  });
  it('holds the published ImageNet top-1 and the counted sizes', () => {
    expect(ZOO_MODELS.map((m) => m.top1)).toEqual([60.3, 65.4, 69.8, 71.8, 50.6, 63.7, 68.4, 70.6]);
    // The V2 0.35 no-top parameter count and shard size of the float model (410,208 × 4 bytes).
    const v2 = zooEntry('mobilenet_v2_0.35')!;
    expect(v2.params).toBe(410_208);
    expect(v2.downloadBytes - 1_640_832).toBeLessThan(100_000);
    expect(zooEntry('mobilenet_v1_0.25')!.downloadBytes - 1_902_176).toBeLessThan(60_000);
    // Bigger alpha, bigger model, better top-1, within each family.
    for (const family of ['mobilenet_v1', 'mobilenet_v2']) {
      const f = ZOO_MODELS.filter((m) => m.family === family);
      for (let i = 1; i < f.length; i++) {
        expect(f[i].params).toBeGreaterThan(f[i - 1].params);
        expect(f[i].top1).toBeGreaterThan(f[i - 1].top1);
      }
    }
    expect(formatBytes(v2.downloadBytes)).toBe('1.7 MB');
  });
  it('recommends an entry it lists', () => {
    expect(zooEntry(RECOMMENDED_ZOO_ID)?.family).toBe('mobilenet_v2');
  });
});
