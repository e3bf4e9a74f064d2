import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../shared/types';
import { IDENTITY_VIEW, sourceRect, toFloatRGB, viewTransform } from './images';

describe('image helpers (decoding itself runs in the browser)', () => {
  it('center-crop takes the largest centred window at the target aspect; stretch takes everything', () => {
    expect(sourceRect(400, 200, 224, 224, 'center-crop')).toEqual({ x: 100, y: 0, width: 200, height: 200 });
    expect(sourceRect(200, 400, 100, 50, 'center-crop')).toEqual({ x: 0, y: 150, width: 200, height: 100 });
    expect(sourceRect(400, 200, 224, 224, 'stretch')).toEqual({ x: 0, y: 0, width: 400, height: 200 });
  });

  it('converts RGBA to RGB with each preprocessing and clamps brightness', () => {
    const rgba = new Uint8ClampedArray([0, 255, 51, 9, 200, 100, 0, 255]);
    expect([...toFloatRGB(rgba, 'none')]).toEqual([0, 255, 51, 200, 100, 0]);
    expect(toFloatRGB(rgba, '0..1')[1]).toBeCloseTo(1);
    expect(toFloatRGB(rgba, '0..1')[2]).toBeCloseTo(0.2);
    expect(toFloatRGB(rgba, '-1..1')[0]).toBeCloseTo(-1);
    expect(toFloatRGB(rgba, '-1..1')[1]).toBeCloseTo(1);
    expect([...toFloatRGB(rgba, 'none', 1.5)]).toEqual([0, 255, 76.5, 255, 150, 0]);
  });

  it('view 0 is never augmented; other views are seeded per image and view', () => {
    const aug = { ...DEFAULT_SETTINGS.augmentation, enabled: true };
    expect(viewTransform('a', 0, 1, aug)).toBe(IDENTITY_VIEW);
    expect(viewTransform('a', 2, 1, null)).toBe(IDENTITY_VIEW);
    const t = viewTransform('a', 1, 1, aug);
    expect(viewTransform('a', 1, 1, aug)).toEqual(t);
    expect(viewTransform('a', 2, 1, aug)).not.toEqual(t);
    expect(viewTransform('b', 1, 1, aug)).not.toEqual(t);
    expect(Math.abs(t.rotation)).toBeLessThanOrEqual((aug.rotation * Math.PI) / 180);
    expect(t.zoom).toBeGreaterThanOrEqual(1);
    expect(t.zoom).toBeLessThanOrEqual(1 + aug.zoom);
    expect(Math.abs(t.brightness - 1)).toBeLessThanOrEqual(aug.brightness);
    expect(viewTransform('a', 1, 1, { ...aug, flip: false }).flip).toBe(false);
  });
});
